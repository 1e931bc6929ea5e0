"""Faults the system must ride out without losing anything acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.errors import Error as NatsError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import new_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, StartExecution
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.worker import Worker
from tests.waiting import eventually

pytestmark = pytest.mark.integration

NAP = """
id: nap
namespace: faults
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


@pytest.fixture
async def nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    yield server
    await server.stop()


async def test_nats_killed_and_restarted_mid_execution_loses_nothing(nats: EmbeddedNats) -> None:
    broker = await Broker.connect(nats.url)
    await broker.ensure_topology()
    stopping = asyncio.Event()
    services = [
        asyncio.create_task(Executor(broker).run(stopping)),
        asyncio.create_task(Worker(broker, ack_wait=5).run(stopping)),
    ]
    store = ExecutionStore(broker)
    try:
        await FlowStore(broker).put(
            Flow(tenant_id="main", namespace="faults", id="nap", revision=1, source=NAP), None
        )
        execution = new_execution(
            execution_id="nap1",
            tenant_id="main",
            flow=parse_flow(NAP),
            flow_revision=1,
            inputs={},
            labels={},
            now=datetime.now(UTC),
        )
        await store.create(execution)
        await broker.publish(
            executor_subject("nap1"),
            ExecutorMessage(start_execution=StartExecution(execution=execution)),
            msg_id="start:nap1",
        )

        async def napping() -> bool:
            stored = await store.get("nap1")
            return stored is not None and len(stored.execution.task_runs) == 1

        await eventually(napping, within=10, what="the nap task is handed to the worker")
        nats.kill()
        await nats.start()

        async def ended() -> Execution | None:
            try:
                stored = await store.get("nap1")
            except NatsError:
                return None  # still reconnecting
            done = stored is not None and stored.execution.state.current == StateType.STATE_TYPE_SUCCESS
            return stored.execution if done and stored else None

        final = await eventually(ended, within=60, what="the execution ends SUCCESS after the restart")
        assert [run.task_id for run in final.task_runs] == ["nap", "after"]
        assert all(run.state.current == StateType.STATE_TYPE_SUCCESS for run in final.task_runs)
    finally:
        stopping.set()
        await asyncio.gather(*services, return_exceptions=True)
        await broker.close()
