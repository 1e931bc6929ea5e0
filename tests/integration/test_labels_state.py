"""Labels and a task run's state on ended executions, with the real executor and worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine import new_execution, restarts, state_name, task_run_state_changed
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import EVENTS_STREAM, Broker, execution_event_subject, executor_subject
from flowmesh.queue.v1.queue_pb2 import (
    ChangeTaskRunState,
    ExecutionEvent,
    ExecutorMessage,
    SetExecutionLabels,
)
from flowmesh.state import ExecutionStore, FlowStore
from tests.integration.queues import executor_settled
from tests.integration.running import running
from tests.waiting import eventually

pytestmark = pytest.mark.integration

SOURCE = """
id: mark_as
namespace: io.kestra.tests
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }}"
  - id: b
    type: io.kestra.plugin.core.execution.Fail
  - id: c
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }}"
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: failed
"""
FLOW = parse_flow(SOURCE)


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        yield connected


async def failed_execution(broker: Broker) -> Execution:
    await FlowStore(broker).put(
        Flow(tenant_id="main", namespace="io.kestra.tests", id="mark_as", revision=1, source=SOURCE), None
    )
    execution = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=FLOW,
        flow_revision=1,
        inputs={},
        labels={"team": "data"},
        now=datetime.now(UTC),
    )
    await ExecutionStore(broker).submit(execution)
    return await ended(broker, 0, StateType.STATE_TYPE_FAILED)


async def ended(broker: Broker, restarted_times: int, state: StateType.ValueType) -> Execution:
    store = ExecutionStore(broker)

    async def done() -> Execution | None:
        stored = await store.get("exec1")
        if stored is None or restarts(stored.execution) != restarted_times:
            return None
        return stored.execution if stored.execution.state.current == state else None

    return await eventually(done, within=15, what=f"exec1 ends {state_name(state)}")


def runs(execution: Execution) -> list[tuple[str, str]]:
    return [(run.task_id, state_name(run.state.current)) for run in execution.task_runs]


def labels_of(execution: Execution) -> dict[str, str]:
    return {label.key: label.value for label in execution.labels}


async def test_labels_on_an_ended_execution_are_stored_and_sent_in_an_event(broker: Broker) -> None:
    failed = await failed_execution(broker)

    await broker.publish(
        executor_subject("exec1"),
        ExecutorMessage(
            set_execution_labels=SetExecutionLabels(
                execution=failed,
                labels=[Label(key="team", value="ops"), Label(key="reviewed", value="yes")],
            )
        ),
        msg_id="labels:exec1:1",
    )

    async def labelled() -> Execution | None:
        stored = await ExecutionStore(broker).get("exec1")
        assert stored is not None
        return stored.execution if labels_of(stored.execution).get("reviewed") == "yes" else None

    execution = await eventually(labelled, within=15, what="labels stored")
    assert labels_of(execution) == {"system.correlationId": "exec1", "team": "ops", "reviewed": "yes"}
    assert execution.state.current == StateType.STATE_TYPE_FAILED
    assert execution.version == failed.version + 1
    last = await broker.js.get_last_msg(EVENTS_STREAM, execution_event_subject("exec1"))
    event = ExecutionEvent.FromString(last.data)
    assert event.execution.version == execution.version
    assert labels_of(event.execution)["reviewed"] == "yes"


async def test_a_failed_task_run_marked_success_runs_the_rest_of_the_flow(broker: Broker) -> None:
    failed = await failed_execution(broker)
    assert runs(failed) == [("a", "SUCCESS"), ("b", "FAILED"), ("handler", "SUCCESS")]
    b = next(run.id for run in failed.task_runs if run.task_id == "b")

    # What the api answers, then what it sends (twice: a redelivery changes nothing more).
    answer = task_run_state_changed(failed, FLOW, b, StateType.STATE_TYPE_SUCCESS, datetime.now(UTC))
    assert runs(answer) == [("a", "SUCCESS"), ("b", "SUCCESS")]
    for attempt in range(2):
        await broker.publish(
            executor_subject("exec1"),
            ExecutorMessage(
                change_task_run_state=ChangeTaskRunState(
                    execution=failed, task_run_id=b, state=StateType.STATE_TYPE_SUCCESS
                )
            ),
            msg_id=f"state:exec1:0:{b}:{attempt}",
        )

    succeeded = await ended(broker, 1, StateType.STATE_TYPE_SUCCESS)
    assert runs(succeeded) == [("a", "SUCCESS"), ("b", "SUCCESS"), ("c", "SUCCESS")]
    assert [state_name(entry.state) for entry in succeeded.state.histories][-4:] == [
        "FAILED",
        "RESTARTED",
        "RUNNING",
        "SUCCESS",
    ]
    await executor_settled(broker)  # the second message too
    stored = await ExecutionStore(broker).get("exec1")
    assert stored is not None
    assert restarts(stored.execution) == 1
