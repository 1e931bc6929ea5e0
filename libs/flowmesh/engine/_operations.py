"""Operations a user applies to a whole execution: kill."""

from __future__ import annotations

from datetime import datetime

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._decide import Decision
from flowmesh.engine._states import is_terminal, transition
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition

_KILLING = StateType.STATE_TYPE_KILLING
_KILLED = StateType.STATE_TYPE_KILLED


def kill(execution: Execution, flow: FlowDefinition, now: datetime) -> Decision:
    """Kill an execution that has not ended: KILLING, then KILLED once nothing runs.

    Every task run that has not ended becomes KILLED at once, running ones
    included: workers cannot interrupt a task yet, so a running task's later
    report finds its task run (and the execution) ended and changes nothing
    (apply_update), and a worker that has not started a job skips it. With
    nothing left running, the execution goes KILLING then KILLED in the same
    decision, and an ended execution yields no jobs (pending_jobs). No
    `errors` or `finally` branch runs for a killed execution; flow is taken
    for the same signature as the other decisions.

    Killing an execution that has ended changes nothing.
    """
    del flow
    if is_terminal(execution.state.current):
        return Decision(execution)
    updated = Execution()
    updated.CopyFrom(execution)
    transition(updated.state, _KILLING, now)
    updated.version += 1
    for run in updated.task_runs:
        if is_terminal(run.state.current):
            continue
        if run.attempts and not is_terminal(run.attempts[-1].state.current):
            transition(run.attempts[-1].state, _KILLED, now)
        transition(run.state, _KILLED, now)
        run.version = updated.version
    transition(updated.state, _KILLED, now)
    return Decision(updated, changed=True)
