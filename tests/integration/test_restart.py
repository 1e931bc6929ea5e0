"""Restart and replay with the real executor and worker, as Kestra's RestartCaseTest does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import begin, new_execution, replayed, restarted, restarts, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, RestartExecution
from flowmesh.state import ExecutionStore, FlowStore
from tests.integration.queues import executor_settled
from tests.integration.running import running
from tests.waiting import eventually

pytestmark = pytest.mark.integration

# restart_last_failed.yaml, with an errors branch: c fails on its first attempt only.
SOURCE = """
id: restart_last_failed
namespace: io.kestra.tests
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: "{{ task.id }}"
  - id: c
    type: io.kestra.plugin.core.log.Log
    message: "{{ taskrun.attemptsCount == 1 ? 'ok' : ko }}"
  - id: d
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


async def start(broker: Broker, execution: Execution) -> None:
    """Store and start an execution, as the api does (a replay included)."""
    await ExecutionStore(broker).submit(execution)


async def ended(broker: Broker, execution_id: str, restarted_times: int) -> Execution:
    store = ExecutionStore(broker)

    async def done() -> Execution | None:
        stored = await store.get(execution_id)
        if stored is None or restarts(stored.execution) != restarted_times:
            return None
        state = stored.execution.state.current
        return (
            stored.execution if state in (StateType.STATE_TYPE_SUCCESS, StateType.STATE_TYPE_FAILED) else None
        )

    return await eventually(done, within=15, what=f"{execution_id} ends")


def runs(execution: Execution) -> list[tuple[str, str, int]]:
    return [(run.task_id, state_name(run.state.current), len(run.attempts)) for run in execution.task_runs]


async def test_restart_reruns_the_failed_task_and_replay_reruns_from_a_task(broker: Broker) -> None:
    await FlowStore(broker).put(
        Flow(
            tenant_id="main", namespace="io.kestra.tests", id="restart_last_failed", revision=1, source=SOURCE
        ),
        None,
    )
    first = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=FLOW,
        flow_revision=1,
        inputs={},
        labels={},
        now=datetime.now(UTC),
    )
    await start(broker, first)
    failed = await ended(broker, "exec1", 0)
    assert failed.state.current == StateType.STATE_TYPE_FAILED
    assert runs(failed) == [("a", "SUCCESS", 1), ("c", "FAILED", 1), ("handler", "SUCCESS", 1)]

    # What the api answers, then what it sends.
    answer = restarted(failed, FLOW, datetime.now(UTC))
    assert state_name(answer.state.current) == "RESTARTED"
    assert runs(answer) == [("a", "SUCCESS", 1), ("c", "RESTARTED", 1)]
    restart = ExecutorMessage(restart_execution=RestartExecution(execution=failed))
    await broker.publish(executor_subject("exec1"), restart, msg_id="restart:exec1:0")
    # A second restart of the same FAILED execution (a retried request) is cut.
    await broker.publish(executor_subject("exec1"), restart, msg_id="restart:exec1:0:again")

    await ended(broker, "exec1", 1)
    await executor_settled(broker)  # the second restart message too
    done = await ended(broker, "exec1", 1)
    assert done.state.current == StateType.STATE_TYPE_SUCCESS
    assert [state_name(entry.state) for entry in done.state.histories] == [
        "CREATED",
        "RUNNING",
        "FAILED",
        "RESTARTED",
        "RUNNING",
        "SUCCESS",
    ]
    assert runs(done) == [("a", "SUCCESS", 1), ("c", "SUCCESS", 2), ("d", "SUCCESS", 1)]
    assert done.task_runs[0].outputs == failed.task_runs[0].outputs

    # Replay the successful execution from d: a new execution that runs d again.
    replay = replayed(
        done,
        FLOW,
        execution_id="exec2",
        task_run_id=done.task_runs[2].id,
        flow_revision=1,
        now=datetime.now(UTC),
    )
    assert begin(replay, FLOW, datetime.now(UTC)).jobs  # d's next attempt
    await start(broker, replay)
    again = await ended(broker, "exec2", 2)
    assert again.state.current == StateType.STATE_TYPE_SUCCESS
    assert (again.parent_id, again.original_id) == ("exec1", "exec1")
    assert runs(again) == [("a", "SUCCESS", 1), ("c", "SUCCESS", 2), ("d", "SUCCESS", 2)]
    assert not {run.id for run in again.task_runs} & {run.id for run in done.task_runs}
    original = await ExecutionStore(broker).get("exec1")
    assert original is not None
    assert original.execution == done
