"""Change the state of an ended execution (Kestra's change-status)."""

from __future__ import annotations

from datetime import datetime

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._decide import Decision
from flowmesh.engine._operations import OperationRefused
from flowmesh.engine._states import is_terminal, state_name, transition
from flowmesh.execution.v1.execution_pb2 import Execution


def status_changed(execution: Execution, state: StateType, now: datetime) -> Execution:
    """Return an ended execution in another terminal state, its task runs as they were.

    Raise OperationRefused (INVALID_STATE) for a state that is not terminal,
    (EXECUTION_NOT_ENDED) for an execution that has not ended, and
    (EXECUTION_STATE_UNCHANGED) for one already in state.
    """
    if not is_terminal(state):
        raise OperationRefused(
            "INVALID_STATE",
            f"An execution's status can only be changed to a terminal state, not {state_name(state)}",
        )
    current = execution.state.current
    if not is_terminal(current):
        raise OperationRefused(
            "EXECUTION_NOT_ENDED",
            f"Execution {execution.id} is {state_name(current)}: only an ended one changes status",
        )
    if current == state:
        raise OperationRefused(
            "EXECUTION_STATE_UNCHANGED", f"Execution {execution.id} is {state_name(state)} already"
        )
    updated = Execution()
    updated.CopyFrom(execution)
    transition(updated.state, state, now)
    updated.version += 1
    return updated


def change_status(execution: Execution, state: StateType, seen: StateType, now: datetime) -> Decision:
    """Change an ended execution that is still in the state seen when asked to state.

    Anything else changes nothing: an execution that has moved on since
    (restarted, changed already) is not changed on the strength of an old look.
    """
    if execution.state.current != seen:
        return Decision(execution)
    try:
        return Decision(status_changed(execution, state, now), changed=True)
    except OperationRefused:
        return Decision(execution)
