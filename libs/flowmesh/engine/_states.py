from __future__ import annotations

from datetime import datetime
from typing import cast

from flowmesh.common.v1.state_pb2 import State, StateHistory, StateType
from flowmesh.execution.v1.execution_pb2 import Execution

TERMINAL = frozenset(
    {
        StateType.STATE_TYPE_SUCCESS,
        StateType.STATE_TYPE_WARNING,
        StateType.STATE_TYPE_FAILED,
        StateType.STATE_TYPE_KILLED,
        StateType.STATE_TYPE_CANCELLED,
        StateType.STATE_TYPE_SKIPPED,
        StateType.STATE_TYPE_RETRIED,
    }
)

_PREFIX = "STATE_TYPE_"


def is_terminal(state: StateType) -> bool:
    return state in TERMINAL


def state_name(state: StateType) -> str:
    """Return Kestra's name of a state: SUCCESS, RUNNING, ..."""
    return StateType.Name(state).removeprefix(_PREFIX)


def state_from_name(name: str) -> StateType:
    """Return the state called name (Kestra's spelling); raise ValueError if there is none."""
    # The stubs type Value() as a plain int; the value is a StateType.
    return cast(StateType, StateType.Value(_PREFIX + name.upper()))


def transition(state: State, new: StateType, now: datetime) -> None:
    """Move state to new, recording when; staying in the same state records nothing."""
    if state.current == new:
        return
    state.current = new
    history = StateHistory(state=new)
    history.date.FromDatetime(now)
    state.histories.append(history)


# Read once: each StateType.X goes through the enum wrapper's __getattr__, which
# adds up in a decision that walks every task run.
_FAILED = StateType.STATE_TYPE_FAILED
_WARNING = StateType.STATE_TYPE_WARNING
_SUCCESS = StateType.STATE_TYPE_SUCCESS
FAILING = frozenset({_FAILED, StateType.STATE_TYPE_KILLED})


def end_execution(execution: Execution, state: StateType, now: datetime) -> set[str]:
    """End the execution in state at once: its last task run still going with it, the others KILLED.

    Return the ids of the task runs it ended (Kestra's markAs, for an SLA or a Pause that cancels).
    """
    going = [run for run in execution.task_runs if not is_terminal(run.state.current)]
    for run in going:
        if run.attempts and not is_terminal(run.attempts[-1].state.current):
            transition(run.attempts[-1].state, StateType.STATE_TYPE_KILLED, now)
        transition(run.state, state if run is going[-1] else StateType.STATE_TYPE_KILLED, now)
    transition(execution.state, state, now)
    return {run.id for run in going}


def merge(states: list[StateType]) -> StateType:
    """Return the state of a finished branch: FAILED over WARNING over SUCCESS."""
    if not FAILING.isdisjoint(states):
        return _FAILED
    if _WARNING in states:
        return _WARNING
    return _SUCCESS
