"""Resume a PAUSED execution (Kestra's ExecutionService.resume)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._decide import Decision, _advance
from flowmesh.engine._manual_pause import resume_paused_by_hand
from flowmesh.engine._operations import OperationRefused
from flowmesh.engine._pause import PAUSED
from flowmesh.engine._states import state_name, transition
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, Input, resolve_declared
from flowmesh.plugins.core import Pause
from flowmesh.values import to_struct


def resume_inputs(
    execution: Execution, flow: FlowDefinition, given: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Return the task run a resume applies to (the first PAUSED one) and its onResume inputs resolved.

    The inputs are those of the Pause task, converted to their types, defaults
    filled in (flowmesh.language.resolve_declared). Raise OperationRefused
    (EXECUTION_NOT_PAUSED) for an execution that is not PAUSED, InputsError
    for inputs that do not fit.
    """
    task_run_id, declared = resume_declared(execution, flow)
    return task_run_id, resolve_declared(flow, declared, given, "onResume")


def resume_declared(execution: Execution, flow: FlowDefinition) -> tuple[str, list[Input]]:
    """Return the task run a resume applies to (the first PAUSED one) and its onResume inputs.

    An execution paused by hand has neither: ("", []).

    Raise OperationRefused (EXECUTION_NOT_PAUSED) for an execution that is not PAUSED.
    """
    if execution.manually_paused and execution.state.current == PAUSED:
        return "", []  # paused by hand: no task run, no inputs
    run = next((run for run in execution.task_runs if run.state.current == PAUSED), None)
    if execution.state.current != PAUSED or run is None:
        raise OperationRefused(
            "EXECUTION_NOT_PAUSED",
            f"Execution {execution.id} is {state_name(execution.state.current)}: only a PAUSED one resumes",
        )
    task = flow.task(run.task_id)
    return run.id, task.resume_inputs() if isinstance(task, Pause) else []


def resume(
    execution: Execution,
    flow: FlowDefinition,
    task_run_id: str,
    inputs: dict[str, Any],
    now: datetime,
    pauses_seen: int = 0,
) -> Decision:
    """Resume the PAUSED task run task_run_id with its resolved onResume inputs, then decide what comes next.

    The task run goes RUNNING with outputs {onResume: inputs} (then SUCCESS,
    or runs its tasks), the execution RUNNING once no task run is PAUSED. A
    task run that is not PAUSED (resumed already) changes nothing. Without
    task_run_id, it resumes an execution paused by hand (resume_paused_by_hand).
    """
    if not task_run_id:
        return resume_paused_by_hand(execution, flow, pauses_seen, now)
    run = next((run for run in execution.task_runs if run.id == task_run_id), None)
    if run is None or run.state.current != PAUSED:
        return Decision(execution)
    updated = Execution()
    updated.CopyFrom(execution)
    resumed = next(run for run in updated.task_runs if run.id == task_run_id)
    transition(resumed.state, StateType.STATE_TYPE_RUNNING, now)
    resumed.outputs.CopyFrom(to_struct({"onResume": inputs}))
    return _advance(updated, flow, now, touched={task_run_id})
