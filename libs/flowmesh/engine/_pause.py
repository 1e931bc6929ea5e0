"""Pause task runs (Kestra's Pause): when they end by themselves, and the execution's PAUSED state.

When a pause ends by itself is derived from its task run and the flow alone
(the PAUSED entry of its history + its duration), so no timer is stored: the
state stays its own outbox, as for retries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._states import end_execution, is_terminal, transition
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition
from flowmesh.plugins.core import Pause

PAUSED = StateType.STATE_TYPE_PAUSED
_RUNNING = StateType.STATE_TYPE_RUNNING


def expiries(execution: Execution, flow: FlowDefinition) -> Iterator[tuple[TaskRun, datetime, StateType]]:
    """Yield each PAUSED task run that ends by itself, when, and the state it goes to then."""
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    for run in execution.task_runs:
        if run.state.current != PAUSED or (ended and run.task_id not in after):
            continue
        task = flow.task(run.task_id)
        expiry = task.expiry(run) if isinstance(task, Pause) else None
        if expiry is not None:
            yield run, *expiry


def next_expiry(execution: Execution, flow: FlowDefinition) -> datetime | None:
    """Return when the earliest pause of the execution ends by itself, None when none does."""
    return min((due for _, due, _ in expiries(execution, flow)), default=None)


_CANCELLED = StateType.STATE_TYPE_CANCELLED


def expire(execution: Execution, flow: FlowDefinition, now: datetime) -> set[str]:
    """Move every pause due by now to its state after expiry; return the ids of their task runs."""
    due = [(run, state) for run, at, state in expiries(execution, flow) if at <= now]
    for run, state in due:
        transition(run.state, state, now)
    ended = {run.id for run, _ in due}
    if any(state == _CANCELLED for _, state in due):
        # Behavior CANCEL: the execution ends CANCELLED, whatever else was going.
        ended |= end_execution(execution, _CANCELLED, now)
    return ended


def follow_pauses(execution: Execution, now: datetime) -> None:
    """Put a running execution in PAUSED while a task run is PAUSED, back in RUNNING after."""
    if is_terminal(execution.state.current):
        return
    if any(run.state.current == PAUSED for run in execution.task_runs):
        transition(execution.state, PAUSED, now)
    elif execution.state.current == PAUSED:
        transition(execution.state, _RUNNING, now)
