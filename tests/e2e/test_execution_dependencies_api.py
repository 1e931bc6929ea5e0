"""Following an execution with its dependencies (Kestra's follow-dependencies SSE), through REST."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.harness import API, deploy, execute, get_execution, standalone
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

EXECUTIONS = f"{API}/executions"
NAMESPACE = "company.deps"
PARENT = f"""
id: parent
namespace: {NAMESPACE}
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: {NAMESPACE}
    flowId: child
"""
CHILD = f"""
id: child
namespace: {NAMESPACE}
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: child
"""
LISTENER = f"""
id: listener
namespace: {NAMESPACE}
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: "after {{{{ trigger.flowId }}}}"
triggers:
  - id: after-parent
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: {NAMESPACE}
        flowId: parent
"""


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("dependencies")) as http:
        for source in (CHILD, LISTENER, PARENT):
            await deploy(http, source)
        yield http


async def test_the_stream_tells_the_subflow_and_the_triggered_execution_until_all_end(
    client: httpx.AsyncClient,
) -> None:
    started = await execute(client, NAMESPACE, "parent", wait=False)
    assert started.status_code == 200, started.text
    parent = started.json()["id"]

    async def is_paused() -> bool:
        return (await get_execution(client, parent))["state"]["current"] == "PAUSED"

    await eventually(is_paused, within=30, what=f"{parent} pauses")
    events: list[dict[str, Any]] = []
    async with (
        asyncio.timeout(60),
        client.stream("GET", f"{EXECUTIONS}/{parent}/follow-dependencies") as stream,
    ):
        assert stream.status_code == 200
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            events.append(json.loads(line.removeprefix("data:")))
            if len(events) == 1:  # the stream is open: what comes next is followed live
                resumed = await client.post(f"{EXECUTIONS}/{parent}/actions/resume")
                assert resumed.status_code == 200, resumed.text
    assert events[0] == {
        "executionId": parent,
        "tenantId": "main",
        "namespace": NAMESPACE,
        "flowId": "parent",
        "state": events[0]["state"],
    }
    assert events[0]["state"]["current"] == "PAUSED"
    last = {event["flowId"]: event["state"]["current"] for event in events}
    assert last == {"parent": "SUCCESS", "child": "SUCCESS", "listener": "SUCCESS"}
    assert len({event["executionId"] for event in events}) == 3


async def test_following_an_unknown_or_malformed_execution_is_refused(client: httpx.AsyncClient) -> None:
    unknown = await client.get(f"{EXECUTIONS}/nothing-here/follow-dependencies")
    assert unknown.status_code == 404, unknown.text
    malformed = await client.get(f"{EXECUTIONS}/a*b/follow-dependencies")
    assert malformed.status_code == 422, malformed.text
    assert [violation["path"] for violation in malformed.json()["violations"]] == ["executionId"]
    not_a_boolean = await client.get(
        f"{EXECUTIONS}/nothing-here/follow-dependencies", params={"expandAll": "maybe"}
    )
    assert not_a_boolean.status_code == 400, not_a_boolean.text
    assert [violation["path"] for violation in not_a_boolean.json()["violations"]] == ["expandAll"]
