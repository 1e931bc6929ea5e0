"""Pause a running execution by hand (Kestra's pause action) and resume it, with no Pause task."""

from __future__ import annotations

from datetime import datetime

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._decide import Decision, _advance
from flowmesh.engine._states import transition
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition

_RUNNING = StateType.STATE_TYPE_RUNNING
_PAUSED = StateType.STATE_TYPE_PAUSED


def pause(execution: Execution, now: datetime) -> Decision:
    """Pause a RUNNING execution: PAUSED, manually_paused, and nothing new starts until resumed.

    The task runs under way go on and their results are recorded (_advance
    decides nothing more while manually_paused holds). Anything but a RUNNING
    execution changes nothing.
    """
    if execution.state.current != _RUNNING:
        return Decision(execution)
    updated = Execution()
    updated.CopyFrom(execution)
    updated.manually_paused = True
    transition(updated.state, _PAUSED, now)
    updated.version += 1
    return Decision(updated, changed=True)


def pauses(execution: Execution) -> int:
    """Return how many times the execution has been PAUSED (by hand or by Pause tasks)."""
    return sum(1 for entry in execution.state.histories if entry.state == _PAUSED)


def resume_paused_by_hand(
    execution: Execution, flow: FlowDefinition, pauses_seen: int, now: datetime
) -> Decision:
    """Resume an execution paused by hand pauses_seen times: RUNNING, then what was held back starts.

    Anything else (resumed already, paused again since) changes nothing.
    """
    if not execution.manually_paused or pauses(execution) != pauses_seen:
        return Decision(execution)
    updated = Execution()
    updated.CopyFrom(execution)
    updated.manually_paused = False
    transition(updated.state, _RUNNING, now)
    return _advance(updated, flow, now, touched=set())
