"""Schemathesis against the standalone server's own OpenAPI document: no request gets a 5xx,
and every answer (successful JSON, SSE events, error bodies) matches the document's schema.

Every operation of the document the gateway serves (made from the protos' google.api.http
rules) gets schemathesis's examples, coverage and fuzzing cases, valid and malformed alike,
a bounded number each and derandomized, so that CI sends the same requests every run. Path
parameters also name objects that exist (a deployed flow, its webhook trigger, an ended
execution, a KV entry), so that requests reach past the lookups. Operations with the DELETE
verb name objects of their own, so that what the others name survives them.

Nothing is excluded: the run is bounded by the examples per operation and a deadline per
request, and no operation can reach the data dir (storage refuses paths that leave it; the
server is checked healthy afterwards). The streams (`.../follow`) end at once for an ended
execution and are 404 for others; a webhook of the target flow does not wait.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.e2e.harness import API, deploy, execute, standalone

pytestmark = pytest.mark.e2e

NAMESPACE = "schemathesis.flows"
WEBHOOK_KEY = "schemathesis-key"
KV_KEY = "greeting"
# Fuzzed cases per operation (the examples and coverage phases add their own, a bounded set).
MAX_EXAMPLES = 25
# The longest a request may take: a request still unanswered after it fails the test.
REQUEST_SECONDS = 20.0


def flow(flow_id: str) -> str:
    """Return a flow that ends at once, with an input and a webhook that does not wait."""
    return f"""\
id: {flow_id}
namespace: {NAMESPACE}
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ inputs.name }}}}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: {WEBHOOK_KEY}
"""


@dataclass(frozen=True)
class Objects:
    """What exists on the server: one set of objects for most operations, one for deletions."""

    base_url: str
    kept: dict[str, str]
    doomed: dict[str, str]


@pytest.fixture(scope="module")
async def objects(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Objects]:
    """Run a standalone server holding two flows, an ended execution of each and a KV entry."""
    async with standalone(tmp_path_factory.mktemp("schemathesis")) as http:
        names = {}
        for role in ("kept", "doomed"):
            await deploy(http, flow(f"target-{role}"))
            response = await execute(http, NAMESPACE, f"target-{role}")
            assert response.status_code == 200, response.text
            execution_id = response.json()["id"]
            names[role] = {
                "tenant": "main",
                "namespace": NAMESPACE,
                "id": f"target-{role}",
                "flowId": f"target-{role}",
                "executionId": execution_id,
                "triggerId": "hook",
                "key": WEBHOOK_KEY,
            }
        put = await http.put(f"{API}/namespaces/{NAMESPACE}/kv/{KV_KEY}", json="hello")
        assert put.status_code in (200, 204), put.text
        yield Objects(str(http.base_url).rstrip("/"), names["kept"], names["doomed"])
        # However malformed the requests were, the server still stands on its data dir.
        assert (await http.get("/health")).status_code == 200


def with_examples(document: dict[str, Any], objects: Objects) -> dict[str, Any]:
    """Return the document with the existing objects as examples of the path parameters."""
    document = copy.deepcopy(document)
    for path, operations in document["paths"].items():
        for verb, operation in operations.items():
            names = objects.doomed if verb == "delete" else objects.kept
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] != "path" or name not in names:
                    continue
                # KV paths name a key of the store, webhook paths the trigger's key.
                value = KV_KEY if name == "key" and "/kv/" in path else names[name]
                parameter["schema"]["examples"] = [value]
    return document


@pytest.fixture(scope="module")
async def api_schema(objects: Objects) -> schemathesis.BaseSchema:
    """Load the document the server serves, checked against the OpenAPI 3.1 specification."""
    async with httpx.AsyncClient(base_url=objects.base_url) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200, response.text
    config = schemathesis.Config.from_dict(
        {
            "base-url": objects.base_url,
            "request-timeout": REQUEST_SECONDS,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        }
    )
    schema = schemathesis.openapi.from_dict(with_examples(response.json(), objects), config=config)
    schema.validate()
    return schema


def error_has_a_status_body(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every refusal (4xx) says why in flowmesh's error body."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict), f"{response.status_code} without an error body: {response.text[:200]}"
    assert isinstance(body.get("message"), str), body
    assert isinstance(body.get("status"), str), body


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Give the test node the `_nodeid` that schemathesis 4 renames per operation (pytest 9 has none)."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


# Every operation runs within this one test: its time limit is the whole run's.
@pytest.mark.timeout(600)
@schema.parametrize()
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, error_has_a_status_body],
        timeout=REQUEST_SECONDS,
    )


# Regressions of what the run above found answered 500, each against the real stores.


async def test_a_revision_of_a_flow_never_deployed_is_a_404(objects: Objects) -> None:
    async with httpx.AsyncClient(base_url=objects.base_url) as http:
        answer = await http.get(f"{API}/flows/{NAMESPACE}/never-deployed", params={"revision": 2})
    assert answer.status_code == 404, answer.text
    assert answer.json()["reason"] == "FLOW_NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("flows/search", "namespace", "a\x00b"),
        ("flows/search", "labels", "team:a\x00b"),
        ("executions/search", "flowId", "a\x00b"),
        ("executions/search", "labels", "a\x00b:team"),
    ],
)
async def test_a_nul_character_the_database_refuses_is_a_4xx_naming_the_field(
    objects: Objects, path: str, parameter: str, value: str
) -> None:
    async with httpx.AsyncClient(base_url=objects.base_url) as http:
        answer = await http.get(f"{API}/{path}", params={parameter: value})
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["reason"] == "VALUE_INVALID"
    assert [violation["path"] for violation in error["violations"]] == [parameter], error


@pytest.mark.parametrize(
    ("verb", "path", "parameter"),
    [
        ("GET", f"{API}/executions/%C3%8D~", "executionId"),
        ("GET", f"{API}/executions/abc%5C/follow", "executionId"),
        ("POST", f"{API}/executions/{NAMESPACE}/target-kept.", "flowId"),
        ("GET", f"{API}/flows/io%20test/hello", "namespace"),
        ("GET", "/api/v1/%C3%A9t%C3%A9/flows/io.test/hello", "tenant"),
    ],
)
async def test_an_identifier_no_key_can_hold_is_a_4xx_naming_it(
    objects: Objects, verb: str, path: str, parameter: str
) -> None:
    async with httpx.AsyncClient(base_url=objects.base_url) as http:
        answer = await http.request(verb, path)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["reason"] == "ID_INVALID"
    assert [violation["path"] for violation in error["violations"]] == [parameter]
