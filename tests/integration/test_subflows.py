"""Subflow with the real executor and worker: the child runs, its end reaches the parent, kills cascade."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name, subflow_execution_id
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, KillExecution, RestartExecution
from flowmesh.state import ExecutionStore
from flowmesh.values import from_struct
from tests.integration.running import deploy, ended, in_state, running, started
from tests.waiting import eventually

pytestmark = pytest.mark.integration

CHILD = """
id: child
namespace: sub
inputs:
  - id: word
    type: STRING
labels:
  childLabel: fromChild
tasks:
  - id: shout
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.word | upper }}"
  - id: maybe
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.word == 'fail' }}"
outputs:
  - id: shouted
    type: STRING
    value: "{{ outputs.shout.value }}"
"""
PARENT = """
id: parent
namespace: sub
inputs:
  - id: word
    type: STRING
labels:
  parentLabel: fromParent
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: sub
    flowId: child
    inputs:
      word: "{{ inputs.word }}"
    inheritLabels: true
    labels:
      taskLabel: fromTask
    outputs:
      first: "{{ outputs.shout.value | first }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.shouted }}"
"""
PAUSED = """
id: paused
namespace: sub
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
"""


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        await deploy(connected, CHILD)
        await deploy(connected, PAUSED)
        yield connected


async def test_a_subflow_runs_with_inputs_and_labels_and_its_outputs_reach_the_parent(broker: Broker) -> None:
    parent = await started(broker, PARENT, {"word": "hello"})

    done = await in_state(broker, parent.id, StateType.STATE_TYPE_SUCCESS)

    call, after = done.task_runs
    child_id = from_struct(call.outputs)["executionId"]
    assert from_struct(call.outputs) == {
        "executionId": child_id,
        "state": "SUCCESS",
        "outputs": {"shouted": "HELLO", "first": "H"},
    }
    assert from_struct(after.outputs) == {"value": "HELLO"}
    child = await ended(broker, child_id)
    assert from_struct(child.inputs) == {"word": "hello"}
    assert {label.key: label.value for label in child.labels} == {
        "system.correlationId": parent.id,
        "parentLabel": "fromParent",
        "taskLabel": "fromTask",
        "childLabel": "fromChild",
    }
    assert (child.trigger.id, child.trigger.type) == ("call", "io.kestra.plugin.core.flow.Subflow")
    assert from_struct(child.trigger.variables) == {
        "executionId": parent.id,
        "namespace": "sub",
        "flowId": "parent",
        "flowRevision": 1,
    }


async def test_a_failed_subflow_fails_its_task_run(broker: Broker) -> None:
    parent = await started(broker, PARENT, {"word": "fail"})

    done = await in_state(broker, parent.id, StateType.STATE_TYPE_FAILED)

    assert [(run.task_id, state_name(run.state.current)) for run in done.task_runs] == [("call", "FAILED")]
    assert from_struct(done.task_runs[0].outputs)["state"] == "FAILED"


async def test_a_subflow_of_a_missing_flow_fails_its_task_run(broker: Broker) -> None:
    missing = PARENT.replace("flowId: child", "flowId: nowhere").replace("id: parent", "id: lost")
    parent = await started(broker, missing, {"word": "hello"})

    done = await in_state(broker, parent.id, StateType.STATE_TYPE_FAILED)

    assert [(run.task_id, state_name(run.state.current)) for run in done.task_runs] == [("call", "FAILED")]


async def test_a_subflow_that_does_not_wait_ends_once_started(broker: Broker) -> None:
    source = PARENT.replace("inheritLabels: true", "wait: false").replace("id: parent", "id: nowait")
    source = source.replace(
        'format: "{{ outputs.call.outputs.shouted }}"', 'format: "{{ outputs.call.executionId }}"'
    )
    parent = await started(broker, source, {"word": "fail"})

    done = await in_state(broker, parent.id, StateType.STATE_TYPE_SUCCESS)

    child_id = from_struct(done.task_runs[0].outputs)["executionId"]
    assert from_struct(done.task_runs[1].outputs) == {"value": child_id}
    child = await ended(broker, child_id)
    assert state_name(child.state.current) == "FAILED"
    assert not child.HasField("parent_task_run")


async def test_killing_the_parent_kills_the_subflow_it_waits_for(broker: Broker) -> None:
    source = PARENT.replace("flowId: child", "flowId: paused").replace("id: parent", "id: waiting")
    parent = await started(broker, source, {"word": "x"})
    running_parent = await in_state(broker, parent.id, StateType.STATE_TYPE_RUNNING)
    child_id = subflow_execution_id(running_parent.task_runs[0], 1)
    await in_state(broker, child_id, StateType.STATE_TYPE_PAUSED)

    await broker.publish(
        executor_subject(parent.id),
        ExecutorMessage(kill_execution=KillExecution(execution_id=parent.id)),
        msg_id=f"kill:{parent.id}",
    )

    await in_state(broker, parent.id, StateType.STATE_TYPE_KILLED)
    await in_state(broker, child_id, StateType.STATE_TYPE_KILLED)


async def test_restarting_the_parent_starts_the_failed_subflow_again_as_a_new_execution(
    broker: Broker,
) -> None:
    parent = await started(broker, PARENT, {"word": "fail"})
    failed = await in_state(broker, parent.id, StateType.STATE_TYPE_FAILED)
    first_child = from_struct(failed.task_runs[0].outputs)["executionId"]

    await broker.publish(
        executor_subject(parent.id),
        ExecutorMessage(restart_execution=RestartExecution(execution=failed)),
        msg_id=f"restart:{parent.id}:0",
    )

    async def failed_again() -> Execution | None:
        stored = await ExecutionStore(broker).get(parent.id)
        runs = stored.execution.task_runs if stored else []
        done = stored is not None and state_name(stored.execution.state.current) == "FAILED"
        return stored.execution if done and len(runs[0].attempts) == 2 else None

    again = await eventually(failed_again, within=15, what="the restarted parent fails again")
    second_child = from_struct(again.task_runs[0].outputs)["executionId"]
    assert second_child == subflow_execution_id(again.task_runs[0], 2) != first_child
    assert state_name((await ended(broker, second_child)).state.current) == "FAILED"


async def test_a_failed_subflow_task_run_with_a_retry_starts_a_new_execution_per_attempt(
    broker: Broker,
) -> None:
    retry = "    retry:\n      type: constant\n      interval: PT0.2S\n      maxAttempt: 2\n"
    source = PARENT.replace("id: parent", "id: retrying").replace(
        "    inheritLabels: true\n", "    inheritLabels: true\n" + retry
    )
    parent = await started(broker, source, {"word": "fail"})

    done = await in_state(broker, parent.id, StateType.STATE_TYPE_FAILED)

    (call,) = done.task_runs
    assert [state_name(attempt.state.current) for attempt in call.attempts] == ["FAILED", "FAILED"]
    children = [subflow_execution_id(call, attempt) for attempt in (1, 2)]
    assert from_struct(call.outputs)["executionId"] == children[1]
    for child_id in children:
        assert state_name((await ended(broker, child_id)).state.current) == "FAILED"
