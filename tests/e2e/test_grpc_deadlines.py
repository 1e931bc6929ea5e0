"""Deadlines: the gateway gives every call it makes one, and answers 504 when a wait reaches it.

A flow that pauses never ends, so waiting for it ends only by the gateway's deadline
(gateway_wait_timeout_seconds). A gRPC caller's own deadline is enforced by its gRPC
library, which a test here could not fail on, so none is written for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

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


@pytest.fixture(scope="module")
async def http(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    env = {"FLOWMESH_GATEWAY_WAIT_TIMEOUT_SECONDS": str(WAIT_TIMEOUT)}
    async with standalone(tmp_path_factory.mktemp("deadlines"), env=env) as client:
        await deploy(client, PAUSED)
        yield client


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/executions/webhook/{NAMESPACE}/paused/paused-key",
        f"{API}/executions/{NAMESPACE}/paused?wait=true",
    ],
)
async def test_the_gateway_ends_a_waiting_call_at_its_wait_deadline_with_504(
    http: httpx.AsyncClient, path: str
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await http.post(path, timeout=WAIT_TIMEOUT + SLACK)
    elapsed = loop.time() - started

    assert response.status_code == 504, response.text
    assert response.json()["status"] == "DEADLINE_EXCEEDED", response.text
    assert WAIT_TIMEOUT <= elapsed < WAIT_TIMEOUT + SLACK, elapsed
