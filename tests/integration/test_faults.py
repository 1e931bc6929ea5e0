"""Faults the system must ride out without losing anything acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.errors import Error as NatsError
from nats.errors import MaxPayloadError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import new_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.log.v1.log_pb2 import LogEntry
from flowmesh.messaging import LOGS_STREAM, Broker, log_subject
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.worker import Worker
from tests.integration.running import in_state, nats_broker, running, started
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


async def start_nap(broker: Broker, store: ExecutionStore, execution_id: str) -> None:
    """Deploy the nap flow and start an execution of it."""
    flow = Flow(tenant_id="main", namespace="faults", id="nap", revision=1, source=NAP)
    await FlowStore(broker).put(flow, None)
    execution = new_execution(
        execution_id=execution_id,
        tenant_id="main",
        flow=parse_flow(NAP),
        flow_revision=1,
        inputs={},
        labels={},
        now=datetime.now(UTC),
    )
    await store.submit(execution)


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
        await start_nap(broker, store, "nap1")

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


async def test_a_decision_that_keeps_failing_fails_its_execution_not_the_executor(
    nats: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug in the decision core")

    monkeypatch.setattr("flowmesh.executor._service.apply_updates", broken)
    broker = await Broker.connect(nats.url)
    await broker.ensure_topology()
    stopping = asyncio.Event()
    services = [
        asyncio.create_task(Executor(broker).run(stopping)),
        asyncio.create_task(Worker(broker, ack_wait=5).run(stopping)),
    ]
    store = ExecutionStore(broker)
    try:
        await start_nap(broker, store, "bug1")

        async def failed() -> Execution | None:
            stored = await store.get("bug1")
            done = stored is not None and stored.execution.state.current == StateType.STATE_TYPE_FAILED
            return stored.execution if done and stored else None

        await eventually(failed, within=30, what="the execution ends FAILED")
        reason = await broker.js.get_last_msg(LOGS_STREAM, log_subject("bug1"))
        assert "a bug in the decision core" in LogEntry.FromString(reason.data).message
    finally:
        stopping.set()
        await asyncio.gather(*services, return_exceptions=True)
        await broker.close()


async def test_an_execution_that_outgrows_a_nats_message_fails_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server that takes messages up to 64 KiB: a loop over 500 values outgrows it as it runs.
    monkeypatch.setattr("flowmesh.embedded._nats.MAX_PAYLOAD", "64KB")
    wide = (
        "id: wide\nnamespace: faults\ntasks:\n"
        "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
        '    values: "{{ range(1, 500) }}"\n    concurrencyLimit: 0\n    tasks:\n'
        "      - id: one\n        type: io.kestra.plugin.core.debug.Return\n        format: x\n"
    )
    async with running(tmp_path) as broker:
        execution = await started(broker, wide)

        failed = await in_state(broker, execution.id, StateType.STATE_TYPE_FAILED)

        # It ended as it was before the change that did not fit: some iterations still going.
        assert not all(run.state.current == StateType.STATE_TYPE_SUCCESS for run in failed.task_runs)
        reason = await broker.js.get_last_msg(LOGS_STREAM, log_subject(execution.id))
        assert "max_payload" in LogEntry.FromString(reason.data).message


async def test_an_execution_that_fits_only_without_its_headers_is_refused_and_the_connection_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nats-py checks the payload alone; the server counts headers too and drops a client that
    # sends more than its max_payload. A payload a few bytes under the limit must be refused first.
    monkeypatch.setattr("flowmesh.embedded._nats.MAX_PAYLOAD", "64KB")
    async with nats_broker(tmp_path) as broker:
        limit = broker.nc.max_payload
        execution = Execution(id="edge", namespace="faults", flow_id="edge")
        execution.labels.add(key="filler", value="x" * (limit - execution.ByteSize() - 16))
        assert limit - 20 < execution.ByteSize() <= limit
        store = ExecutionStore(broker)

        with pytest.raises(MaxPayloadError):
            await store.create(execution)

        assert broker.nc.is_connected
        assert await store.get("edge") is None
