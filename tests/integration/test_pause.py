"""Pause with the real executor and worker: a delay resumes by itself, a resume message goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import resume_inputs, state_name
from flowmesh.language import parse_flow
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, ResumeExecution
from flowmesh.values import from_struct, to_struct
from tests.integration.queues import executor_settled
from tests.integration.running import in_state, running, started

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
    async with running(tmp_path) as connected:
        yield connected


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
