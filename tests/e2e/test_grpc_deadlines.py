"""Deadlines: the api's long waits end at the caller's deadline, and the gateway gives every call one.

A flow that pauses never ends, so waiting for it ends only by the deadline: straight over
gRPC with the caller's, and over REST with the gateway's (gateway_wait_timeout_seconds),
which answers 504 DEADLINE_EXCEEDED.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass

import grpc
import httpx
import pytest

from flowmesh.embedded import free_port
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from tests.e2e.harness import API, deploy, standalone

pytestmark = pytest.mark.e2e

NAMESPACE = "e2e.deadlines"
WAIT_TIMEOUT = 2.0
# A call ended by its deadline answers within this much of it, or it ran on.
SLACK = 3.0

PAUSED = f"""\
id: paused
namespace: {NAMESPACE}
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: paused-key
    wait: true
"""


@dataclass
class Server:
    http: httpx.AsyncClient
    executions: ExecutionServiceStub


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    address = f"127.0.0.1:{free_port()}"
    env = {"FLOWMESH_API_ADDRESS": address, "FLOWMESH_GATEWAY_WAIT_TIMEOUT_SECONDS": str(WAIT_TIMEOUT)}
    async with (
        standalone(tmp_path_factory.mktemp("deadlines"), env=env) as http,
        grpc.aio.insecure_channel(address) as channel,
    ):
        await deploy(http, PAUSED)
        yield Server(http, ExecutionServiceStub(channel))


async def _ended_by_deadline(call: Awaitable[object], deadline: float) -> None:
    """Await a call made `deadline` seconds before it: it must fail DEADLINE_EXCEEDED soon after."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await asyncio.wait_for(call, deadline + SLACK)
    elapsed = loop.time() - started
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, failure.value
    assert deadline <= elapsed < deadline + SLACK, elapsed


async def test_create_execution_with_wait_ends_at_the_callers_deadline(server: Server) -> None:
    request = messages.CreateExecutionRequest(tenant="main", namespace=NAMESPACE, flow_id="paused", wait=True)
    await _ended_by_deadline(server.executions.CreateExecution(request, timeout=1.5), 1.5)


async def test_a_waiting_webhook_ends_at_the_callers_deadline(server: Server) -> None:
    request = messages.TriggerWebhookRequest(
        tenant="main", namespace=NAMESPACE, flow_id="paused", key="paused-key", body=b"{}"
    )
    await _ended_by_deadline(server.executions.TriggerWebhook(request, timeout=1.5), 1.5)


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/executions/webhook/{NAMESPACE}/paused/paused-key",
        f"{API}/executions/{NAMESPACE}/paused?wait=true",
    ],
)
async def test_the_gateway_ends_a_waiting_call_at_its_wait_deadline_with_504(
    server: Server, path: str
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await server.http.post(path, timeout=WAIT_TIMEOUT + SLACK)
    elapsed = loop.time() - started

    assert response.status_code == 504, response.text
    assert response.json()["status"] == "DEADLINE_EXCEEDED", response.text
    assert WAIT_TIMEOUT <= elapsed < WAIT_TIMEOUT + SLACK, elapsed
