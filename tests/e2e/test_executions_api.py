"""The Executions API's deletion, actions, bulk forms and views on Kestra's paths and shapes,
through the standalone server's REST API."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.harness import API, deploy, execute, get_execution, indexed_execution, standalone, wait_ended
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

EXECUTIONS = f"{API}/executions"
NAMESPACE = "company.ops"

HELLO = f"""
id: hello
namespace: {NAMESPACE}
description: says hello
inputs:
  - id: name
    type: STRING
    defaults: world
  - id: times
    type: INT
    required: false
checks:
  - condition: "{{{{ inputs.name != 'nobody' }}}}"
    message: someone must be greeted
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{{{ inputs.name }}}}"
  - id: branch
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: done
        type: io.kestra.plugin.core.debug.Return
        format: done
"""
WAITS = f"""
id: waits
namespace: {NAMESPACE}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: true
"""


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("executions")) as http:
        for source in (HELLO, WAITS):
            await deploy(http, source)
        yield http


async def hello(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await execute(client, NAMESPACE, "hello")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def paused(client: httpx.AsyncClient) -> str:
    response = await execute(client, NAMESPACE, "waits", wait=False)
    assert response.status_code == 200, response.text
    execution_id = str(response.json()["id"])

    async def is_paused() -> bool:
        return (await get_execution(client, execution_id))["state"]["current"] == "PAUSED"

    await eventually(is_paused, within=30, what=f"{execution_id} pauses")
    return execution_id


async def test_an_ended_execution_is_deleted_one_by_one_or_by_ids(client: httpx.AsyncClient) -> None:
    first, second, third = [await hello(client) for _ in range(3)]
    deleted = await client.delete(f"{EXECUTIONS}/{first['id']}", params={"deleteLogs": "false"})
    assert deleted.status_code == 204, deleted.text
    assert (await client.get(f"{EXECUTIONS}/{first['id']}")).status_code == 404
    assert (await client.delete(f"{EXECUTIONS}/{first['id']}")).status_code == 404

    waiting = await paused(client)
    running = await client.delete(f"{EXECUTIONS}/{waiting}")
    assert running.status_code == 409, running.text
    assert running.json()["reason"] == "EXECUTION_NOT_ENDED"

    refused = await client.request("DELETE", f"{EXECUTIONS}/by-ids", json=[second["id"], waiting])
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["reason"] == "BULK_INVALID"
    assert [v["path"] for v in body["violations"]] == ["execution_ids[1]"]
    assert (await client.get(f"{EXECUTIONS}/{second['id']}")).status_code == 200

    both = await client.request("DELETE", f"{EXECUTIONS}/by-ids", json=[second["id"], third["id"]])
    assert both.status_code == 200, both.text
    assert both.json() == {"count": 2}
    for gone in (second, third):
        assert (await client.get(f"{EXECUTIONS}/{gone['id']}")).status_code == 404
    killed = await client.request("DELETE", f"{EXECUTIONS}/kill/by-ids", json=[waiting])
    assert killed.status_code == 200, killed.text
    assert killed.json()["totalItems"] == 1
    assert killed.json()["operationId"]
    assert (await wait_ended(client, waiting))["state"]["current"] == "KILLED"


async def test_status_changes_force_runs_and_bulk_by_query(client: httpx.AsyncClient) -> None:
    ended = await hello(client)
    changed = await client.post(
        f"{EXECUTIONS}/{ended['id']}/actions/change-status", params={"status": "WARNING"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["state"]["current"] == "WARNING"
    not_terminal = await client.post(
        f"{EXECUTIONS}/{ended['id']}/actions/change-status", params={"status": "RUNNING"}
    )
    assert not_terminal.status_code == 422, not_terminal.text
    assert not_terminal.json()["violations"][0]["path"] == "status"

    waiting = await paused(client)
    forced = await client.post(f"{EXECUTIONS}/{waiting}/actions/force-run")
    assert forced.status_code == 200, forced.text
    resumed = await wait_ended(client, waiting)
    assert resumed["state"]["current"] == "SUCCESS"
    assert resumed["taskRunList"][0]["outputs"] == {"onResume": {"approved": True}}

    await indexed_execution(client, resumed)
    labelled = await client.post(
        f"{EXECUTIONS}/labels/by-query",
        params={"namespace": NAMESPACE, "flowId": "waits", "state": "SUCCESS"},
        json=[{"key": "checked", "value": "yes"}],
    )
    assert labelled.status_code == 200, labelled.text
    assert labelled.json()["totalItems"] >= 1

    async def labelled_now() -> bool:
        labels = (await get_execution(client, waiting))["labels"]
        return {"key": "checked", "value": "yes"} in labels

    await eventually(labelled_now, within=20, what="the label set by query")
    nothing = await client.post(f"{EXECUTIONS}/restart/by-query", params={"namespace": "no.such.namespace"})
    assert nothing.status_code == 200, nothing.text
    assert nothing.json()["totalItems"] == 0


async def test_flows_for_execution_namespaces_and_latest_executions(client: httpx.AsyncClient) -> None:
    ended = await hello(client)
    flow = await client.get(f"{EXECUTIONS}/{ended['id']}/flow")
    assert flow.status_code == 200, flow.text
    shown = flow.json()
    assert (shown["id"], shown["namespace"], shown["revision"]) == ("hello", NAMESPACE, 1)
    assert shown["description"] == "says hello"
    assert [i["id"] for i in shown["inputs"]] == ["name", "times"]
    assert shown["tasks"] == [
        {"id": "greet", "type": "io.kestra.plugin.core.log.Log"},
        {
            "id": "branch",
            "type": "io.kestra.plugin.core.flow.Sequential",
            "tasks": [{"id": "done", "type": "io.kestra.plugin.core.debug.Return"}],
        },
    ]
    assert (shown["disabled"], shown["deleted"]) == (False, False)
    assert "source" not in shown

    same = await client.get(f"{EXECUTIONS}/flows/{NAMESPACE}/hello", params={"revision": 1})
    assert same.status_code == 200, same.text
    assert same.json() == shown
    missing = await client.get(f"{EXECUTIONS}/flows/{NAMESPACE}/nope")
    assert missing.status_code == 404, missing.text

    namespaces = await client.get(f"{EXECUTIONS}/namespaces")
    assert namespaces.status_code == 200, namespaces.text
    assert NAMESPACE in namespaces.json()
    flows = await client.get(f"{EXECUTIONS}/namespaces/{NAMESPACE}/flows")
    assert [f["id"] for f in flows.json()] == ["hello", "waits"]

    await indexed_execution(client, ended)

    async def newest() -> list[dict[str, Any]] | None:
        response = await client.post(
            f"{EXECUTIONS}/latest",
            json=[{"namespace": NAMESPACE, "id": "hello"}, {"namespace": NAMESPACE, "id": "nothing"}],
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found if found and found[0]["id"] == ended["id"] else None

    (latest,) = await eventually(newest, within=20, what="the newest execution of hello")
    assert latest["flowId"] == "hello"
    assert latest["status"] == "SUCCESS"
    assert latest["startDate"] == ended["state"]["startDate"]


async def test_inputs_are_validated_without_creating_an_execution(client: httpx.AsyncClient) -> None:
    bad = await client.post(f"{EXECUTIONS}/{NAMESPACE}/hello/validate", files={"times": (None, "many")})
    assert bad.status_code == 200, bad.text
    checked = bad.json()
    assert (checked["id"], checked["namespace"]) == ("hello", NAMESPACE)
    name, times = checked["inputs"]
    assert (name["input"]["id"], name["value"], name["isDefault"], name["errors"]) == (
        "name",
        "world",
        True,
        [],
    )
    assert times["input"] == {"id": "times", "type": "INT", "required": False, "allowCustomValue": False}
    assert "many" in times["errors"][0]["message"]
    assert checked["checks"] == []

    blocked = await client.post(f"{EXECUTIONS}/{NAMESPACE}/hello/validate", files={"name": (None, "nobody")})
    assert blocked.json()["checks"] == [
        {"message": "someone must be greeted", "style": "INFO", "behavior": "BLOCK_EXECUTION"}
    ]

    waiting = await paused(client)
    resume = await client.post(
        f"{EXECUTIONS}/{waiting}/actions/resume/validate", files={"approved": (None, "not a boolean")}
    )
    assert resume.status_code == 200, resume.text
    (approved,) = resume.json()["inputs"]
    assert approved["input"]["id"] == "approved"
    assert approved["errors"]
    assert (await get_execution(client, waiting))["state"]["current"] == "PAUSED"
    ended = await hello(client)
    refused = await client.post(f"{EXECUTIONS}/{ended['id']}/actions/resume/validate")
    assert refused.status_code == 409, refused.text
    await client.delete(f"{EXECUTIONS}/{waiting}/actions/kill")


async def test_a_request_id_makes_a_create_idempotent(client: httpx.AsyncClient) -> None:
    url = f"{EXECUTIONS}/{NAMESPACE}/hello"
    first = await client.post(url, params={"requestId": "order-42"})
    again = await client.post(url, params={"requestId": "order-42", "wait": "true"})
    other = await client.post(url, params={"requestId": "order-43"})
    assert first.status_code == again.status_code == other.status_code == 200, first.text
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert again.json()["state"]["current"] == "SUCCESS"


async def test_the_openapi_document_describes_the_new_operations(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    expected = {
        f"{API}/executions/{{executionId}}": "delete",
        f"{API}/executions/by-ids": "delete",
        f"{API}/executions/by-query": "delete",
        f"{API}/executions/kill/by-query": "delete",
        f"{API}/executions/change-status/by-ids": "post",
        f"{API}/executions/{{executionId}}/actions/force-run": "post",
        f"{API}/executions/{{executionId}}/actions/pause": "post",
        f"{API}/executions/pause/by-ids": "post",
        f"{API}/executions/{{executionId}}/actions/replay-with-inputs": "post",
        f"{API}/executions/{{executionId}}/actions/resume/validate": "post",
        f"{API}/executions/namespaces/{{namespace}}/flows": "get",
        f"{API}/executions/latest": "post",
    }
    for path, verb in expected.items():
        assert verb in paths.get(path.replace("/main/", "/{tenant}/"), {}), path
    by_query = paths[f"{API}/executions/kill/by-query".replace("/main/", "/{tenant}/")]["delete"]
    assert {"namespace", "flowId", "state"} <= {p["name"] for p in by_query["parameters"]}


async def test_a_replay_with_inputs_runs_again_with_the_new_ones(client: httpx.AsyncClient) -> None:
    original = await hello(client)
    replay = await client.post(
        f"{EXECUTIONS}/{original['id']}/actions/replay-with-inputs", files={"name": (None, "Ada")}
    )
    assert replay.status_code == 200, replay.text
    new = replay.json()
    assert new["id"] != original["id"]
    assert new["parentId"] == original["id"]
    assert new["inputs"] == {"name": "Ada"}
    assert (await wait_ended(client, new["id"]))["state"]["current"] == "SUCCESS"
    assert (await get_execution(client, original["id"]))["inputs"] == {"name": "world"}
    bad = await client.post(
        f"{EXECUTIONS}/{original['id']}/actions/replay-with-inputs", files={"times": (None, "x")}
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["violations"][0]["path"] == "inputs.times"


async def test_the_csv_export_has_a_row_for_each_execution_the_filters_select(
    client: httpx.AsyncClient,
) -> None:
    done = await hello(client)
    page = await indexed_execution(client, done)
    response = await client.get(
        f"{EXECUTIONS}/export/by-query/csv",
        params={"filters[namespace][EQUALS]": NAMESPACE, "filters[flowId][EQUALS]": "hello"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "executions.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["id"] for row in rows} == {item["id"] for item in page["results"]}
    row = next(row for row in rows if row["id"] == done["id"])
    assert (row["namespace"], row["flowId"], row["state"]) == (NAMESPACE, "hello", "SUCCESS")
    assert row["startDate"]
    assert row["duration"].startswith("PT")
    assert "system.correlationId:" in row["labels"]
    bad = await client.get(f"{EXECUTIONS}/export/by-query/csv", params={"filters[color][EQUALS]": "red"})
    assert bad.status_code == 400, bad.text
    assert [violation["path"] for violation in bad.json()["violations"]] == ["filters[color][EQUALS]"]
