"""The resolver and the state rules it applies, on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.common.v1.state_pb2 import State, StateType
from flowmesh.engine import TERMINAL, is_terminal, state_name
from flowmesh.engine._resolver import Resolver
from flowmesh.engine._states import merge, state_from_name, transition
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import parse_flow

SUCCESS = StateType.STATE_TYPE_SUCCESS
WARNING = StateType.STATE_TYPE_WARNING
FAILED = StateType.STATE_TYPE_FAILED
KILLED = StateType.STATE_TYPE_KILLED
RUNNING = StateType.STATE_TYPE_RUNNING
CREATED = StateType.STATE_TYPE_CREATED
T0 = datetime(2026, 1, 1, tzinfo=UTC)

FLOW = parse_flow(
    """\
id: resolve
namespace: company.team
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: a
      - id: b
        type: io.kestra.plugin.core.log.Log
        message: b
  - id: c
    type: io.kestra.plugin.core.log.Log
    message: c
"""
)


def running_execution() -> Execution:
    execution = Execution(id="exec1", namespace="company.team", flow_id="resolve")
    transition(execution.state, CREATED, T0)
    transition(execution.state, RUNNING, T0)
    return execution


def test_resolving_a_fresh_execution_creates_the_runs_that_can_start() -> None:
    execution = running_execution()
    resolver = Resolver(execution, FLOW, T0)

    assert resolver.resolve_execution() is None

    assert [run.task_id for run in execution.task_runs] == ["par", "a", "b"]
    assert [job.task_id for job in resolver.jobs] == ["a", "b"]
    assert resolver.touched == {run.id for run in execution.task_runs}


def test_resolving_again_without_news_creates_nothing() -> None:
    execution = running_execution()
    Resolver(execution, FLOW, T0).resolve_execution()
    before = execution.SerializeToString(deterministic=True)

    again = Resolver(execution, FLOW, T0 + timedelta(seconds=1))

    assert again.resolve_execution() is None
    assert (again.jobs, again.touched) == ([], set())
    assert execution.SerializeToString(deterministic=True) == before


def test_resolving_ends_parents_and_the_execution_once_children_end() -> None:
    execution = running_execution()
    Resolver(execution, FLOW, T0).resolve_execution()
    for run in execution.task_runs[1:]:
        transition(run.state, SUCCESS, T0)

    middle = Resolver(execution, FLOW, T0)
    assert middle.resolve_execution() is None
    assert [job.task_id for job in middle.jobs] == ["c"]
    assert state_name(execution.task_runs[0].state.current) == "SUCCESS"

    transition(execution.task_runs[-1].state, WARNING, T0)
    assert Resolver(execution, FLOW, T0).resolve_execution() == WARNING


@pytest.mark.parametrize(
    ("states", "merged"),
    [
        ([], SUCCESS),
        ([SUCCESS, SUCCESS], SUCCESS),
        ([SUCCESS, WARNING], WARNING),
        ([WARNING, FAILED, SUCCESS], FAILED),
        ([KILLED, WARNING], FAILED),
        ([StateType.STATE_TYPE_SKIPPED], SUCCESS),
    ],
)
def test_merge_prefers_failure_then_warning(
    states: list[StateType.ValueType], merged: StateType.ValueType
) -> None:
    assert merge(states) == merged


def test_transition_records_each_change_once() -> None:
    state = State()

    transition(state, CREATED, T0)
    transition(state, CREATED, T0 + timedelta(seconds=1))
    transition(state, RUNNING, T0 + timedelta(seconds=2))

    assert state.current == RUNNING
    assert [(h.state, h.date.ToDatetime(tzinfo=UTC)) for h in state.histories] == [
        (CREATED, T0),
        (RUNNING, T0 + timedelta(seconds=2)),
    ]


def test_state_names_are_kestras() -> None:
    assert state_name(SUCCESS) == "SUCCESS"
    assert state_from_name("warning") == WARNING
    assert {state_name(state) for state in TERMINAL} == {
        "SUCCESS",
        "WARNING",
        "FAILED",
        "KILLED",
        "CANCELLED",
        "SKIPPED",
        "RETRIED",
    }
    assert not is_terminal(RUNNING)
    with pytest.raises(ValueError, match="NOPE"):
        state_from_name("nope")
