"""Task retries and timeouts with the real executor and worker on a nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import new_execution, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import LOGS_STREAM, Broker, log_subject
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.worker import Worker
from tests.waiting import eventually

pytestmark = pytest.mark.integration

RETRIED = """
id: retried
namespace: test
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 2 }}"
    retry:
      type: constant
      interval: PT0.5S
      maxAttempt: 5
"""

TIMED_OUT = """
id: timed-out
namespace: test
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
    timeout: PT1S
    retry:
      type: constant
      interval: PT0.2S
      maxAttempt: 2
"""


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    async with EmbeddedNats(tmp_path / "nats") as server:
        yield server.url


async def run(broker: Broker, source: str, execution_id: str) -> Execution:
    """Run source as execution_id on the executor and a worker; return the ended execution."""
    flow = parse_flow(source)
    await FlowStore(broker).put(
        Flow(tenant_id="main", namespace="test", id=flow.id, revision=1, source=source), None
    )
    execution = new_execution(
        execution_id=execution_id,
        tenant_id="main",
        flow=flow,
        flow_revision=1,
        inputs={},
        labels={},
        now=datetime.now(UTC),
    )
    await ExecutionStore(broker).submit(execution)

    async def ended() -> Execution | None:
        stored = await ExecutionStore(broker).get(execution_id)
        if stored and stored.execution.state.current in (
            StateType.STATE_TYPE_SUCCESS,
            StateType.STATE_TYPE_FAILED,
            StateType.STATE_TYPE_WARNING,
        ):
            return stored.execution
        return None

    return await eventually(ended, within=30, what=f"{execution_id} ended")


@pytest.fixture
async def services(nats_url: str) -> AsyncIterator[Broker]:
    broker = await Broker.connect(nats_url)
    await broker.ensure_topology()
    stopping = asyncio.Event()
    tasks = [
        asyncio.create_task(Executor(broker).run(stopping)),
        asyncio.create_task(Worker(broker, ack_wait=5).run(stopping)),
    ]
    try:
        yield broker
    finally:
        stopping.set()
        await asyncio.gather(*tasks)
        await broker.close()


async def test_a_failing_task_is_retried_after_its_interval_until_it_succeeds(services: Broker) -> None:
    execution = await run(services, RETRIED, "retried1")

    assert state_name(execution.state.current) == "SUCCESS"
    (run_,) = execution.task_runs
    assert [state_name(a.state.current) for a in run_.attempts] == ["FAILED", "FAILED", "SUCCESS"]
    history = [state_name(h.state) for h in run_.state.histories]
    assert history == [
        "CREATED", "RUNNING", "FAILED", "RETRYING",
        "CREATED", "RUNNING", "FAILED", "RETRYING",
        "CREATED", "RUNNING", "SUCCESS",
    ]  # fmt: skip
    # Each attempt started once its delay (PT0.5S, counted from the end of the last one) had passed:
    # the Wake was held back by the executor (nak with a delay) until due.
    for before, after in zip(run_.attempts, run_.attempts[1:], strict=False):
        ended = before.state.histories[-1].date.ToDatetime(tzinfo=UTC)
        started = after.state.histories[0].date.ToDatetime(tzinfo=UTC)
        assert (started - ended).total_seconds() >= 0.5


async def test_a_task_past_its_timeout_fails_its_attempt_and_is_retried(services: Broker) -> None:
    execution = await run(services, TIMED_OUT, "timedout1")

    assert state_name(execution.state.current) == "FAILED"
    (run_,) = execution.task_runs
    assert [state_name(a.state.current) for a in run_.attempts] == ["FAILED", "FAILED"]
    for attempt in run_.attempts:
        span = attempt.state.histories[-1].date.ToDatetime(tzinfo=UTC) - attempt.state.histories[
            0
        ].date.ToDatetime(tzinfo=UTC)
        assert 0.9 <= span.total_seconds() < 5
    last = await services.js.get_last_msg(LOGS_STREAM, log_subject("timedout1"))
    assert b"Timeout after PT1S" in last.data
