"""What one needs before starting or resuming an execution: flows as Kestra's FlowForExecution,
the namespaces and flows one can execute, the latest executions, and inputs validated without
creating anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import grpc
import yaml

from flowmesh.api._execution_actions import ExecutionActions
from flowmesh.api._execution_bulk import Select
from flowmesh.api._file_inputs import uploads_cleared
from flowmesh.api._flow_reads import FlowReader
from flowmesh.api._support import unary
from flowmesh.auth import scope
from flowmesh.engine import resume_declared
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, Input, InputsError, failed_checks, resolve_declared
from flowmesh.repository import RepositoryBackend
from flowmesh.state import FlowStore
from flowmesh.storage import Storage
from flowmesh.values import from_struct, to_struct

# The flow properties Kestra's FlowForExecution shows (tasks and triggers as their ids and types).
_SHOWN = ("id", "namespace", "description", "inputs", "outputs", "labels")


def flow_for_execution(flow: Flow) -> operations.FlowForExecution:
    """Return Kestra's FlowForExecution of a stored flow revision."""
    source = yaml.safe_load(flow.source) if flow.source else None
    parsed: dict[str, Any] = source if isinstance(source, dict) else {}
    shown = {key: parsed[key] for key in _SHOWN if key in parsed}
    shown |= {
        "id": flow.id,
        "namespace": flow.namespace,
        "revision": flow.revision,
        "disabled": flow.disabled,
        "deleted": flow.deleted,
        "draft": False,
        "tasks": [_task_for_execution(task) for task in _tasks(parsed.get("tasks"))],
        "triggers": [{"id": t.get("id"), "type": t.get("type")} for t in _tasks(parsed.get("triggers"))],
    }
    return operations.FlowForExecution(flow=to_struct(shown))


def _tasks(value: Any) -> Iterator[dict[str, Any]]:
    """Yield the tasks (dicts with an id and a type) of a property: a list, or a map of lists (cases)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and "id" in item and "type" in item:
            yield item
        elif isinstance(item, dict):
            for nested in item.values():
                yield from _tasks(nested)


def _task_for_execution(task: dict[str, Any]) -> dict[str, Any]:
    """Return Kestra's TaskForExecution: the task's id, type, and its child tasks' the same way."""
    shown: dict[str, Any] = {"id": task["id"], "type": task["type"]}
    children = [child for key, value in task.items() if key != "triggers" for child in _tasks(value)]
    if children:
        shown["tasks"] = [_task_for_execution(child) for child in children]
    return shown


def _input_json(declared: Input) -> dict[str, Any]:
    """Return an input as Kestra writes it: camelCase properties, the unset ones left out."""
    shown = {}
    for field in dataclasses.fields(declared):
        value = getattr(declared, field.name)
        if value is not None:
            head, *rest = field.name.split("_")
            shown[head + "".join(part.capitalize() for part in rest)] = value
    return shown


def validated(
    flow: FlowDefinition, declared: Sequence[Input], given: dict[str, Any], prefix: str
) -> tuple[list[operations.InputAndValue], dict[str, Any] | None]:
    """Return each declared input with the value it takes and its errors, and all values if none has one."""
    try:
        values = resolve_declared(flow, list(declared), given, prefix)
        errors: dict[str, list[str]] = {}
    except InputsError as error:
        values = {}
        errors = {}
        for violation in error.violations:
            errors.setdefault(violation.path.removeprefix(f"{prefix}."), []).append(violation.message)
        for one in declared:
            # Each input alone, for the value of those without errors.
            if one.id not in errors:
                values |= resolve_declared(flow, [one], given, prefix)
    answers = []
    for one in declared:
        answer = operations.InputAndValue(
            input=to_struct(_input_json(one)),
            enabled=True,
            is_default=given.get(one.id) is None and one.id in values,
            errors=[operations.InputError(message=message) for message in errors.get(one.id, [])],
        )
        if one.id in values:
            answer.value.CopyFrom(to_struct({"value": values[one.id]}).fields["value"])
        answers.append(answer)
    return answers, (None if errors else values)


class ExecutionViewRpcs:
    """ExecutionService's RPCs that read flows and executions for starting or resuming one."""

    _actions: ExecutionActions
    _select: Select
    _flows: FlowStore
    _repository: RepositoryBackend
    _storage: Storage

    async def _stored_flow(self, tenant: str, namespace: str, flow_id: str, revision: int) -> Flow:
        """Return a stored flow revision (0: the latest one not deleted; a given one, deleted or not)."""
        reader = FlowReader(self._flows, self._repository)
        if not revision:
            return (await reader.latest(tenant, namespace, flow_id))[0]
        return await reader.revision(tenant, namespace, flow_id, revision, deleted_too=True)

    @unary
    async def GetExecutionFlow(
        self, request: operations.GetExecutionFlowRequest, context: grpc.aio.ServicerContext
    ) -> operations.FlowForExecution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        flow = await self._stored_flow(
            request.tenant, execution.namespace, execution.flow_id, execution.flow_revision
        )
        return flow_for_execution(flow)

    @unary
    async def GetFlowForExecution(
        self, request: operations.GetFlowForExecutionRequest, context: grpc.aio.ServicerContext
    ) -> operations.FlowForExecution:
        flow = await self._stored_flow(request.tenant, request.namespace, request.flow_id, request.revision)
        return flow_for_execution(flow)

    @unary
    async def ListExecutableNamespaces(
        self, request: operations.ListExecutableNamespacesRequest, context: grpc.aio.ServicerContext
    ) -> operations.ListExecutableNamespacesResponse:
        flows = await self._flows.deployed(request.tenant)
        allowed = scope()
        namespaces = sorted({f.namespace for f in flows if not f.disabled and allowed.covers(f.namespace)})
        return operations.ListExecutableNamespacesResponse(namespaces=namespaces)

    @unary
    async def ListExecutableFlows(
        self, request: operations.ListExecutableFlowsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ListExecutableFlowsResponse:
        flows = await self._flows.deployed(request.tenant)
        chosen = sorted(
            (flow for flow in flows if flow.namespace == request.namespace and not flow.disabled),
            key=lambda flow: flow.id,
        )
        return operations.ListExecutableFlowsResponse(flows=[flow_for_execution(flow) for flow in chosen])

    @unary
    async def GetLatestExecutions(
        self, request: operations.GetLatestExecutionsRequest, context: grpc.aio.ServicerContext
    ) -> operations.GetLatestExecutionsResponse:
        answer = operations.GetLatestExecutionsResponse()
        flows = [(ref.namespace, ref.id) for ref in request.flows]
        for latest in await self._repository.latest_executions(request.tenant, flows):
            item = answer.executions.add(
                id=latest.id, flow_id=latest.flow_id, namespace=latest.namespace, status=latest.state.current
            )
            if latest.state.histories:
                item.start_date.CopyFrom(latest.state.histories[0].date)
        return answer

    @unary
    async def ValidateExecutionInputs(
        self, request: operations.ValidateExecutionInputsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ValidateExecutionInputsResponse:
        given = from_struct(request.inputs)
        # Validating keeps nothing: the files uploaded with the inputs go.
        async with uploads_cleared(self._storage, request.tenant, given):
            flow, _ = await self._flows.runnable(
                request.tenant, request.namespace, request.flow_id, request.revision
            )
            inputs, values = validated(flow, flow.inputs, given, "inputs")
        failed = failed_checks(flow, values) if values is not None else []
        return operations.ValidateExecutionInputsResponse(
            id=flow.id,
            namespace=flow.namespace,
            inputs=inputs,
            checks=[
                operations.CheckFailure(message=check.message, style=check.style, behavior=check.behavior)
                for check in failed
            ],
        )

    @unary
    async def ValidateResumeExecutionInputs(
        self, request: operations.ValidateResumeExecutionInputsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ValidateExecutionInputsResponse:
        execution = await self._actions.find(request.tenant, request.execution_id)
        flow = await self._actions.flow_of(execution, execution.flow_revision)
        given = from_struct(request.inputs)
        async with uploads_cleared(self._storage, request.tenant, given):
            _, declared = resume_declared(execution, flow)
            inputs, _ = validated(flow, declared, given, "onResume")
        return operations.ValidateExecutionInputsResponse(
            id=execution.flow_id, namespace=execution.namespace, inputs=inputs
        )
