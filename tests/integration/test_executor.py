"""The executor and worker services against a real nats-server, including a crash mid-decision."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf.message import Message

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import new_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import (
    EVENTS_STREAM,
    JOBS_STREAM,
    LOGS_STREAM,
    Broker,
    execution_event_subject,
    executor_subject,
    log_subject,
)
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, TaskRunUpdate
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.telemetry import continued_trace
from flowmesh.worker import Worker
from tests.integration.queues import executor_settled
from tests.waiting import eventually

pytestmark = pytest.mark.integration

SOURCE = """
id: two
namespace: test
inputs:
  - id: who
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.who }}"
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "hi {{ inputs.who }}"
  - id: second
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}!"
"""


class CrashingBroker(Broker):
    """A broker whose first publish of a worker job fails, as if the executor died right there."""

    crashed = False

    async def publish(self, subject: str, message: Message, msg_id: str) -> bool:
        if subject.startswith("flowmesh.jobs.") and not self.crashed:
            self.crashed = True
            raise ConnectionError("executor died between storing its decision and publishing it")
        return await super().publish(subject, message, msg_id)


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    async with EmbeddedNats(tmp_path / "nats") as server:
        yield server.url


async def connect(url: str, cls: type[Broker] = Broker) -> Broker:
    plain = await Broker.connect(url)
    broker = cls(plain.nc, plain.js)
    await broker.ensure_topology()
    return broker


async def submit(broker: Broker, inputs: dict[str, str]) -> Execution:
    flow = Flow(tenant_id="main", namespace="test", id="two", revision=1, source=SOURCE)
    await FlowStore(broker).put(flow, None)
    execution = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=parse_flow(SOURCE),
        flow_revision=1,
        inputs=inputs,
        labels={},
        now=datetime.now(UTC),
    )
    await ExecutionStore(broker).submit(execution)
    return execution


async def state_of(broker: Broker, execution_id: str) -> Execution | None:
    stored = await ExecutionStore(broker).get(execution_id)
    return stored.execution if stored else None


async def test_executor_and_worker_run_a_flow_to_success(nats_url: str) -> None:
    broker = await connect(nats_url)
    stopping = asyncio.Event()
    services = [
        asyncio.create_task(Executor(broker).run(stopping)),
        asyncio.create_task(Worker(broker, ack_wait=5).run(stopping)),
    ]
    try:
        await submit(broker, {"who": "ada"})

        async def ended() -> Execution | None:
            execution = await state_of(broker, "exec1")
            return (
                execution if execution and execution.state.current == StateType.STATE_TYPE_SUCCESS else None
            )

        execution = await eventually(ended, within=20, what="execution SUCCESS")
        outputs = {run.task_id: run.outputs.fields["value"].string_value for run in execution.task_runs}
        assert outputs == {"hello": "", "first": "hi ada", "second": "hi ada!"}
        assert [len(run.attempts) for run in execution.task_runs] == [1, 1, 1]

        # A result delivered twice is applied once.
        version = execution.version
        again = TaskRunUpdate(
            execution_id="exec1",
            task_run_id=execution.task_runs[1].id,
            attempt=1,
            state=StateType.STATE_TYPE_FAILED,
        )
        await broker.publish(
            executor_subject("exec1"), ExecutorMessage(task_run_update=again), msg_id="duplicate"
        )
        await executor_settled(broker)
        after = await state_of(broker, "exec1")
        assert after is not None
        assert (after.version, after.state.current) == (version, StateType.STATE_TYPE_SUCCESS)
    finally:
        stopping.set()
        await asyncio.gather(*services)
        await broker.close()


async def test_a_crash_between_storing_and_publishing_loses_no_job(nats_url: str) -> None:
    broker = await connect(nats_url, CrashingBroker)
    stopping = asyncio.Event()
    executor = asyncio.create_task(Executor(broker).run(stopping))
    try:
        await submit(broker, {"who": "bob"})

        async def job_published() -> int:
            return (await broker.js.stream_info(JOBS_STREAM)).state.messages

        assert await eventually(job_published, within=20, what="the job after redelivery") == 1
        assert isinstance(broker, CrashingBroker)
        assert broker.crashed
        execution = await state_of(broker, "exec1")
        assert execution is not None
        assert execution.state.current == StateType.STATE_TYPE_RUNNING
        assert [run.task_id for run in execution.task_runs] == ["hello"]
        assert execution.version == 1, "the redelivered start changed nothing, it only republished"
    finally:
        stopping.set()
        await executor
        await broker.close()


async def test_the_trace_id_of_a_request_travels_to_jobs_events_and_logs(nats_url: str) -> None:
    broker = await connect(nats_url)
    stopping = asyncio.Event()
    services = [
        asyncio.create_task(Executor(broker).run(stopping)),
        asyncio.create_task(Worker(broker, ack_wait=5).run(stopping)),
    ]
    try:
        with continued_trace({"traceparent": f"00-{'feed' * 8}-{'b' * 16}-01"}):
            await submit(broker, {"who": "eve"})

        async def ended() -> bool:
            execution = await state_of(broker, "exec1")
            return execution is not None and execution.state.current == StateType.STATE_TYPE_SUCCESS

        await eventually(ended, within=20, what="execution SUCCESS")
        for subject in (execution_event_subject("exec1"), log_subject("exec1")):
            last = await broker.js.get_last_msg(
                EVENTS_STREAM if "events" in subject else LOGS_STREAM, subject
            )
            assert (last.headers or {})["traceparent"].split("-")[1] == "feed" * 8, subject
    finally:
        stopping.set()
        await asyncio.gather(*services)
        await broker.close()
