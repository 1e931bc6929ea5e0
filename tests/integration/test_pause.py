"""Pause with the real executor and worker: a delay resumes by itself, a resume message goes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import new_execution, resume_inputs, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, ResumeExecution, StartExecution
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.values import from_struct, to_struct
from flowmesh.worker import Worker
from tests.integration.queues import executor_settled
from tests.waiting import eventually

pytestmark = pytest.mark.integration

DELAYED = """
id: delayed
namespace: io.kestra.tests
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.5S
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: done
"""
MANUAL = """
id: manual
namespace: io.kestra.tests
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: asked
        type: STRING
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.pause.onResume.asked }}"
"""


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with EmbeddedNats(tmp_path / "nats") as server:
        connected = await Broker.connect(server.url)
        await connected.ensure_topology()
        stopping = asyncio.Event()
        services = [
            asyncio.create_task(Executor(broker=connected).run(stopping)),
            asyncio.create_task(Worker(connected, ack_wait=5).run(stopping)),
        ]
        try:
            yield connected
        finally:
            stopping.set()
            await asyncio.gather(*services, return_exceptions=True)
            await connected.close()


async def started(broker: Broker, source: str) -> Execution:
    flow = parse_flow(source)
    await FlowStore(broker).put(
        Flow(tenant_id="main", namespace=flow.namespace, id=flow.id, revision=1, source=source), None
    )
    execution = new_execution(
        execution_id=f"exec-{flow.id}",
        tenant_id="main",
        flow=flow,
        flow_revision=1,
        inputs={},
        labels={},
        now=datetime.now(UTC),
    )
    await ExecutionStore(broker).create(execution)
    await broker.publish(
        executor_subject(execution.id),
        ExecutorMessage(start_execution=StartExecution(execution=execution)),
        msg_id=f"start:{execution.id}",
    )
    return execution


async def in_state(broker: Broker, execution_id: str, state: StateType) -> Execution:
    store = ExecutionStore(broker)

    async def reached() -> Execution | None:
        stored = await store.get(execution_id)
        return stored.execution if stored and stored.execution.state.current == state else None

    return await eventually(reached, within=15, what=f"{execution_id} is {state_name(state)}")


async def test_a_pause_with_a_duration_resumes_by_itself(broker: Broker) -> None:
    execution = await started(broker, DELAYED)

    done = await in_state(broker, execution.id, StateType.STATE_TYPE_SUCCESS)

    assert [state_name(entry.state) for entry in done.state.histories] == [
        "CREATED",
        "RUNNING",
        "PAUSED",
        "RUNNING",
        "SUCCESS",
    ]
    assert [(run.task_id, state_name(run.state.current)) for run in done.task_runs] == [
        ("pause", "SUCCESS"),
        ("last", "SUCCESS"),
    ]


async def test_a_pause_without_duration_goes_on_when_resumed(broker: Broker) -> None:
    execution = await started(broker, MANUAL)
    paused = await in_state(broker, execution.id, StateType.STATE_TYPE_PAUSED)
    assert [run.task_id for run in paused.task_runs] == ["pause"]

    # What the api validates, then sends (twice: a retried request is cut by its id).
    task_run_id, inputs = resume_inputs(paused, parse_flow(MANUAL), {"asked": "yes"})
    message = ExecutorMessage(
        resume_execution=ResumeExecution(
            execution_id=execution.id, task_run_id=task_run_id, inputs=to_struct(inputs)
        )
    )
    await broker.publish(executor_subject(execution.id), message, msg_id=f"resume:{task_run_id}")
    await broker.publish(executor_subject(execution.id), message, msg_id=f"resume:{task_run_id}:again")

    await in_state(broker, execution.id, StateType.STATE_TYPE_SUCCESS)
    await executor_settled(broker)  # the second resume message too
    done = await in_state(broker, execution.id, StateType.STATE_TYPE_SUCCESS)
    pause, last = done.task_runs
    assert from_struct(pause.outputs) == {"onResume": {"asked": "yes"}}
    assert from_struct(last.outputs) == {"value": "yes"}
