"""LoopUntil task runs between two iterations: when the next one starts.

As for retries and pauses, when it is due is derived from the task run and its
children alone (LoopUntil.next_iteration), so no timer is stored.
"""

from __future__ import annotations

from datetime import datetime

from flowmesh.engine._states import is_terminal
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition
from flowmesh.plugins.core import LoopUntil


def iterations_due(execution: Execution, flow: FlowDefinition) -> list[datetime]:
    """Return when each LoopUntil task run waiting between two iterations starts its next one."""
    loops = {task.id for task in flow.all_tasks() if isinstance(task, LoopUntil)}
    if not loops:  # most flows: nothing to look for among their task runs
        return []
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    found = []
    for run in execution.task_runs:
        if run.task_id not in loops or is_terminal(run.state.current) or (ended and run.task_id not in after):
            continue
        task = flow.task(run.task_id)
        assert isinstance(task, LoopUntil)
        kids = [other for other in execution.task_runs if other.parent_task_run_id == run.id]
        due = task.next_iteration(run, kids)
        if due is not None:
            found.append(due)
    return found


def next_iteration(execution: Execution, flow: FlowDefinition) -> datetime | None:
    """Return when the earliest waiting LoopUntil starts its next iteration, None when none waits."""
    return min(iterations_due(execution, flow), default=None)
