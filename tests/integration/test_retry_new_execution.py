"""Retries that create a new execution, with the real executor: a chain of RETRIED executions, then FAILED."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import new_execution_id, state_name
from flowmesh.messaging import Broker
from tests.integration.running import ended, in_state, running, started

pytestmark = pytest.mark.integration

RENEWING = """
id: renewing
namespace: retries
inputs:
  - id: word
    type: STRING
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      behavior: CREATE_NEW_EXECUTION
      type: constant
      maxAttempt: 3
      interval: PT0.2S
"""


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        yield connected


async def test_a_failed_task_is_retried_as_new_executions_until_attempts_run_out(broker: Broker) -> None:
    first = await started(broker, RENEWING, {"word": "again"})
    second_id = new_execution_id(f"retry/{first.id}")
    third_id = new_execution_id(f"retry/{second_id}")

    third = await in_state(broker, third_id, StateType.STATE_TYPE_FAILED)

    chain = [await ended(broker, first.id), await ended(broker, second_id), third]
    assert [state_name(execution.state.current) for execution in chain] == ["RETRIED", "RETRIED", "FAILED"]
    assert [execution.retries for execution in chain] == [0, 1, 2]
    assert {execution.inputs.fields["word"].string_value for execution in chain} == {"again"}
    assert third.original_created == chain[0].state.histories[0].date
    # Each new execution starts no sooner than its retry's interval after the one before failed.
    for before, after in itertools.pairwise(chain):
        failed_at = before.state.histories[-1].date.ToDatetime()
        running_at = next(e.date for e in after.state.histories if e.state == StateType.STATE_TYPE_RUNNING)
        assert (running_at.ToDatetime() - failed_at).total_seconds() >= 0.15
