"""The OpenAPI document: made from the protos' http rules, and valid OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis

from flowmesh.gateway._app import SERVICES
from flowmesh.gateway._params import IDENTIFIER_PATTERN
from flowmesh.gateway._routes import discover


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/openapi.json")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Return (verb, path) by operation id."""
    return {
        operation["operationId"]: (verb, path)
        for path, verbs in document["paths"].items()
        for verb, operation in verbs.items()
    }


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()


def test_every_annotated_rpc_is_an_operation_and_nothing_else_is(document: dict[str, Any]) -> None:
    # Additional bindings too, each an operation of its own.
    documented = {spec.operation_id: (spec.verb.lower(), spec.path) for spec in discover(SERVICES)}
    served = operations(document)
    assert served.pop("health_health_get") == ("get", "/health")
    # The UI's session, the gateway's own (_session).
    assert served.pop("login") == ("post", "/api/v1/login")
    assert served.pop("logout") == ("post", "/api/v1/logout")
    assert served == documented


def test_path_identifiers_carry_their_pattern(document: dict[str, Any]) -> None:
    for path, verbs in document["paths"].items():
        for operation in verbs.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                pattern = parameter["schema"].get("pattern")
                # A webhook's key and a KV key are the api's to check, a task run is looked up in
                # its execution; every other variable names an object.
                expected = None if parameter["name"] in ("key", "taskRunId") else IDENTIFIER_PATTERN
                assert pattern == expected, (path, parameter)


def test_searches_take_labels_as_key_value_texts(document: dict[str, Any]) -> None:
    for path in ("/api/v1/{tenant}/flows/search", "/api/v1/{tenant}/executions/search"):
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["labels"]["in"] == "query", path
        schema = parameters["labels"]["schema"]
        assert {"type": "array", "items": {"type": "string"}} in schema["anyOf"], (path, schema)
        assert "key:value" in parameters["labels"]["description"], path


def test_streams_describe_one_event(document: dict[str, Any]) -> None:
    follow = document["paths"]["/api/v1/{tenant}/executions/{executionId}/follow"]["get"]
    message, error = follow["responses"]["200"]["content"]["text/event-stream"]["schema"]["anyOf"]
    # A message event's data is the JSON of an execution, as GET .../executions/{id} answers it.
    get = document["paths"]["/api/v1/{tenant}/executions/{executionId}"]["get"]
    execution = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert message["properties"]["data"]["contentSchema"] == execution
    assert message["required"] == ["data"]
    # The last event may be an error, its data an error body.
    assert error["properties"]["event"] == {"const": "error"}
    assert error["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/ErrorBody"}


def body_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    operation = document["paths"][path]["post"]
    return dict(operation["requestBody"]["content"]["application/json"]["schema"])


def test_a_whole_request_body_is_documented_field_by_field_without_the_path(document: dict[str, Any]) -> None:
    state = body_schema(document, "/api/v1/{tenant}/executions/{executionId}/actions/state")
    assert set(state["properties"]) == {"taskRunId", "state"}
    # Kestra's names of the enum, as the gateway takes them.
    assert "SUCCESS" in state["properties"]["state"]["enum"]
    assert "STATE_TYPE_SUCCESS" not in state["properties"]["state"]["enum"]


def test_a_repeated_body_field_is_documented_as_an_array(document: dict[str, Any]) -> None:
    labels = body_schema(document, "/api/v1/{tenant}/executions/{executionId}/actions/labels")
    assert labels["type"] == "array"
    assert set(labels["items"]["properties"]) == {"key", "value"}


def test_identifiers_in_bodies_carry_their_pattern(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/v1/{tenant}/triggers/set-disabled/by-triggers"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    reference = body["properties"]["triggers"]["items"]["properties"]
    assert {name: field.get("pattern") for name, field in reference.items()} == dict.fromkeys(
        ("namespace", "flowId", "triggerId"), IDENTIFIER_PATTERN
    )
