from __future__ import annotations

from datetime import UTC
from typing import Any

from flowmesh.common.v1.state_pb2 import State
from flowmesh.engine._states import state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition
from flowmesh.plugins import Task
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.values import from_struct, to_struct

DEFAULT_WORKER_GROUP = "default"


def build_job(execution: Execution, flow: FlowDefinition, run: TaskRun, task: Task) -> WorkerJob:
    """Return the worker job for the next attempt of run."""
    properties = task.model_dump(mode="json", exclude_defaults=True, exclude=set(task.executor_properties))
    return WorkerJob(
        tenant_id=execution.tenant_id,
        namespace=execution.namespace,
        flow_id=execution.flow_id,
        execution_id=execution.id,
        task_run_id=run.id,
        task_id=task.id,
        attempt=len(run.attempts) + 1,
        task=to_struct(properties | {"type": task.type}),
        variables=to_struct(variables(execution, flow, run, task)),
        worker_group=DEFAULT_WORKER_GROUP,
    )


def execution_variables(execution: Execution, flow: FlowDefinition) -> dict[str, Any]:
    """Return what expressions outside tasks (flow outputs) can see, in Kestra's names.

    As Kestra's RunVariables, `inputs` is there only when the execution has some.
    """
    found = {
        "flow": {"id": flow.id, "namespace": flow.namespace, "revision": execution.flow_revision},
        "execution": {
            "id": execution.id,
            "startDate": _start_date(execution.state),
            "originalId": execution.original_id,
            "state": state_name(execution.state.current),
        },
        "outputs": outputs(execution),
        "labels": label_variables(execution),
        "vars": flow_vars(execution, flow),
    }
    inputs = from_struct(execution.inputs)
    if inputs:
        found["inputs"] = inputs
    return found


def label_variables(execution: Execution) -> dict[str, Any]:
    """Return `labels`: by key, and by the parts of dotted keys too (`labels.system.correlationId`).

    A dotted key's parts nest only where no label holds the first part already.
    """
    found: dict[str, Any] = {label.key: label.value for label in execution.labels}
    for label in execution.labels:
        *parents, last = label.key.split(".")
        place = found
        for part in parents:
            place = place.setdefault(part, {})
            if not isinstance(place, dict):
                break
        else:
            place.setdefault(last, label.value)
    return found


def flow_vars(execution: Execution, flow: FlowDefinition) -> dict[str, Any]:
    """Return `vars`: the flow's variables, then those SetVariables tasks set over them."""
    if not execution.HasField("variables"):
        return flow.variables
    return {**flow.variables, **from_struct(execution.variables)}


def variables(execution: Execution, flow: FlowDefinition, run: TaskRun, task: Task) -> dict[str, Any]:
    """Return what expressions in a task can see, in Kestra's names."""
    by_id = {other.id: other for other in execution.task_runs}
    found = execution_variables(execution, flow) | {
        "task": {"id": task.id, "type": task.type},
        "taskrun": {
            "id": run.id,
            "startDate": _start_date(run.state),
            "parentId": run.parent_task_run_id or None,
            "value": run.value or None,
            "attemptsCount": len(run.attempts),
        },
    }
    if run.parent_task_run_id:
        # Kestra's Execution.parents: the enclosing task runs, nearest first, by value and outputs.
        parents = []
        for parent in _ancestors(run, by_id):
            seen: dict[str, Any] = {}
            if parent.value:
                seen["taskrun"] = {"value": parent.value}
            if parent.outputs.fields:
                seen["outputs"] = from_struct(parent.outputs)
            if seen:
                parents.append(seen)
        found["parents"] = parents
        if parents:
            found["parent"] = parents[0]
    return found


def expression_variables(execution: Execution, flow: FlowDefinition, task_run_id: str = "") -> dict[str, Any]:
    """Return what an expression sees in an execution: in one of its task runs, given its id.

    Raise KeyError naming the task run when the execution has none with that id.
    """
    if not task_run_id:
        return execution_variables(execution, flow)
    run = next((run for run in execution.task_runs if run.id == task_run_id), None)
    if run is None:
        raise KeyError(task_run_id)
    return variables(execution, flow, run, flow.task(run.task_id))


def outputs(execution: Execution) -> dict[str, Any]:
    """Return the outputs of the task runs so far, by task id.

    Inside loops they are keyed by loop value, one level per enclosing loop
    value (Kestra's Execution.outputs): `outputs.t[outer][inner].key`.
    """
    by_id = {run.id: run for run in execution.task_runs}
    found: dict[str, Any] = {}
    for run in execution.task_runs:
        if not (run.HasField("outputs") and run.outputs.fields):
            continue
        path = [parent.value for parent in reversed(_ancestors(run, by_id)) if parent.value]
        if run.value:
            path.append(run.value)
        if not path:
            found[run.task_id] = from_struct(run.outputs)
            continue
        place = found.setdefault(run.task_id, {})
        for key in path[:-1]:
            place = place.setdefault(key, {})
        place[path[-1]] = from_struct(run.outputs)
    return found


def _ancestors(run: TaskRun, by_id: dict[str, TaskRun]) -> list[TaskRun]:
    """Return the task runs enclosing run, nearest first."""
    found = []
    parent = by_id.get(run.parent_task_run_id)
    while parent is not None:
        found.append(parent)
        parent = by_id.get(parent.parent_task_run_id)
    return found


def _start_date(state: State) -> str | None:
    """Return when state began, as Kestra prints instants: UTC, milliseconds, Z."""
    if not state.histories:
        return None
    moment = state.histories[0].date.ToDatetime(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
