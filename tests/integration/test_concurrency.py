"""A flow's concurrency limit with the real executor: more executions wait QUEUED, or end as it says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.messaging import Broker, executor_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, KillExecution
from tests.integration.running import in_state, running, started

pytestmark = pytest.mark.integration

LIMITED = """
id: limited
namespace: limits
concurrency:
  limit: 1
  behavior: {behavior}
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
"""
PAUSED = StateType.STATE_TYPE_PAUSED


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        yield connected


async def kill(broker: Broker, execution_id: str) -> None:
    await broker.publish(
        executor_subject(execution_id),
        ExecutorMessage(kill_execution=KillExecution(execution_id=execution_id)),
        msg_id=f"kill:{execution_id}",
    )


async def test_an_execution_over_the_limit_waits_queued_until_a_slot_frees(broker: Broker) -> None:
    source = LIMITED.format(behavior="QUEUE")
    first = await started(broker, source, execution_id="first")
    await in_state(broker, first.id, PAUSED)
    second = await started(broker, source, execution_id="second")
    third = await started(broker, source, execution_id="third")
    await in_state(broker, second.id, StateType.STATE_TYPE_QUEUED)
    await in_state(broker, third.id, StateType.STATE_TYPE_QUEUED)

    await kill(broker, first.id)

    running_second = await in_state(broker, second.id, PAUSED)
    assert [state_name(entry.state) for entry in running_second.state.histories] == [
        "CREATED",
        "QUEUED",
        "RUNNING",
        "PAUSED",
    ]
    await in_state(broker, third.id, StateType.STATE_TYPE_QUEUED)
    await kill(broker, third.id)
    await in_state(broker, third.id, StateType.STATE_TYPE_KILLED)
    await kill(broker, second.id)
    await in_state(broker, second.id, StateType.STATE_TYPE_KILLED)
    # Both slots are free again: a new execution runs at once.
    fourth = await started(broker, source, execution_id="fourth")
    await in_state(broker, fourth.id, PAUSED)


@pytest.mark.parametrize(("behavior", "ended"), [("CANCEL", "CANCELLED"), ("FAIL", "FAILED")])
async def test_an_execution_over_the_limit_ends_as_the_behavior_says(
    broker: Broker, behavior: str, ended: str
) -> None:
    source = LIMITED.format(behavior=behavior)
    first = await started(broker, source, execution_id="first")
    await in_state(broker, first.id, PAUSED)

    second = await started(broker, source, execution_id="second")

    refused = await in_state(broker, second.id, getattr(StateType, f"STATE_TYPE_{ended}"))
    assert [state_name(entry.state) for entry in refused.state.histories] == ["CREATED", ended]
    assert not refused.task_runs
    await in_state(broker, first.id, PAUSED)
