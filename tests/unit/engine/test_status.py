"""Change of an ended execution's status: only its state moves, only between terminal states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import OperationRefused, change_status, state_name, status_changed
from tests.unit.engine.harness import run_flow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FLOW = """
id: ends
namespace: company.team
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: done
"""
SUCCESS = StateType.STATE_TYPE_SUCCESS
FAILED = StateType.STATE_TYPE_FAILED


def test_only_the_execution_state_changes_with_a_new_version() -> None:
    ended, _ = run_flow(FLOW)
    changed = status_changed(ended, FAILED, T0)
    assert state_name(changed.state.current) == "FAILED"
    assert changed.state.histories[-1].date.ToDatetime(tzinfo=UTC) == T0
    assert changed.version == ended.version + 1
    assert list(changed.task_runs) == list(ended.task_runs)
    assert state_name(ended.state.current) == "SUCCESS", "the original is left as it was"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (StateType.STATE_TYPE_RUNNING, "INVALID_STATE"),
        (StateType.STATE_TYPE_PAUSED, "INVALID_STATE"),
        (SUCCESS, "EXECUTION_STATE_UNCHANGED"),
    ],
)
def test_refusals_name_their_reason(state: StateType, reason: str) -> None:
    ended, _ = run_flow(FLOW)
    with pytest.raises(OperationRefused) as refused:
        status_changed(ended, state, T0)
    assert refused.value.reason == reason


def test_an_execution_that_has_not_ended_keeps_its_state() -> None:
    ended, _ = run_flow(FLOW)
    running = type(ended)()
    running.CopyFrom(ended)
    running.state.current = StateType.STATE_TYPE_RUNNING
    with pytest.raises(OperationRefused) as refused:
        status_changed(running, SUCCESS, T0)
    assert refused.value.reason == "EXECUTION_NOT_ENDED"


def test_the_executor_applies_a_change_only_to_the_state_the_api_saw() -> None:
    ended, _ = run_flow(FLOW)
    applied = change_status(ended, FAILED, SUCCESS, T0)
    assert applied.changed
    assert state_name(applied.execution.state.current) == "FAILED"
    moved_on = change_status(
        applied.execution, StateType.STATE_TYPE_WARNING, SUCCESS, T0 + timedelta(seconds=1)
    )
    assert not moved_on.changed
    assert state_name(moved_on.execution.state.current) == "FAILED"
