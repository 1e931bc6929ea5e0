"""The executor's decision core: (execution, event, flow) -> (new execution, commands).

Pure: no I/O, no clock and no randomness of its own, so that the same event
applied to the same state always decides the same thing, and the whole flow
language can be tested in memory.
"""

from __future__ import annotations

from flowmesh.engine._decide import (
    Decision,
    apply_update,
    apply_wake,
    fail,
    new_execution,
    pending_jobs,
    start,
)
from flowmesh.engine._ids import new_execution_id
from flowmesh.engine._operations import (
    OperationRefused,
    begin,
    kill,
    replayed,
    restart,
    restarted,
    restarted_jobs,
    restarts,
)
from flowmesh.engine._resolver import TaskRunError
from flowmesh.engine._retries import next_wake
from flowmesh.engine._states import TERMINAL, is_terminal, state_name

__all__ = [
    "TERMINAL",
    "Decision",
    "OperationRefused",
    "TaskRunError",
    "apply_update",
    "apply_wake",
    "begin",
    "fail",
    "is_terminal",
    "kill",
    "new_execution",
    "new_execution_id",
    "next_wake",
    "pending_jobs",
    "replayed",
    "restart",
    "restarted",
    "restarted_jobs",
    "restarts",
    "start",
    "state_name",
]
