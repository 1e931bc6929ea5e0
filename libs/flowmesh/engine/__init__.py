"""The executor's decision core: (execution, event, flow) -> (new execution, commands).

Pure: no I/O, no clock and no randomness of its own, so that the same event
applied to the same state always decides the same thing, and the whole flow
language can be tested in memory.
"""

from __future__ import annotations

from flowmesh.engine._decide import (
    Decision,
    apply_update,
    apply_updates,
    apply_wake,
    fail,
    hold,
    new_execution,
    pending_jobs,
    pending_successor,
    start,
    subflow_ended,
    triggered_execution,
    unqueue,
)
from flowmesh.engine._ids import new_execution_id
from flowmesh.engine._jobs import DEFAULT_WORKER_GROUP, expression_variables
from flowmesh.engine._manual_pause import pause, pauses
from flowmesh.engine._operations import (
    CHANGEABLE_STATES,
    OperationRefused,
    begin,
    change_task_run_state,
    kill,
    label_violations,
    replayed,
    restart,
    restarted,
    restarted_jobs,
    restarts,
    set_labels,
    task_run_state_changed,
    with_labels,
)
from flowmesh.engine._resolver import TaskRunError
from flowmesh.engine._resume import resume, resume_declared, resume_inputs
from flowmesh.engine._retries import flow_retry_due, new_execution_due, next_wake, retry_of
from flowmesh.engine._states import TERMINAL, is_terminal, state_name
from flowmesh.engine._status import change_status, status_changed
from flowmesh.engine._subflows import pending_subflows, subflow_execution_id

__all__ = [
    "DEFAULT_WORKER_GROUP",
    "CHANGEABLE_STATES",
    "TERMINAL",
    "Decision",
    "OperationRefused",
    "TaskRunError",
    "apply_update",
    "apply_updates",
    "apply_wake",
    "begin",
    "change_status",
    "change_task_run_state",
    "expression_variables",
    "fail",
    "flow_retry_due",
    "hold",
    "is_terminal",
    "kill",
    "label_violations",
    "new_execution",
    "triggered_execution",
    "new_execution_due",
    "new_execution_id",
    "next_wake",
    "pause",
    "pauses",
    "pending_jobs",
    "pending_successor",
    "replayed",
    "restart",
    "restarted",
    "restarted_jobs",
    "restarts",
    "resume",
    "resume_declared",
    "resume_inputs",
    "retry_of",
    "set_labels",
    "start",
    "subflow_ended",
    "unqueue",
    "subflow_execution_id",
    "pending_subflows",
    "state_name",
    "status_changed",
    "task_run_state_changed",
    "with_labels",
]
