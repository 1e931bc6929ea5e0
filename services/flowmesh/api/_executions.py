from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import grpc

from flowmesh.api._execution_actions import (
    ExecutionActions,
    deleting,
    refuse_labels,
    refuse_status,
    refuse_unqueue_state,
)
from flowmesh.api._execution_bulk import BulkExecutionRpcs
from flowmesh.api._execution_dependencies import DependencyRpcs
from flowmesh.api._execution_views import ExecutionViewRpcs
from flowmesh.api._expressions import error_logs_of
from flowmesh.api._file_inputs import take_uploads, uploads_cleared
from flowmesh.api._requests import RequestIds
from flowmesh.api._search import execution_query
from flowmesh.api._support import next_token, not_found, now, page, streaming, unary
from flowmesh.api._webhooks import (
    answer_status,
    conditions_allow,
    matching_webhook,
    rendered_inputs,
    trigger_variables,
    webhook_not_found,
)
from flowmesh.auth import scope
from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import (
    CHANGEABLE_STATES,
    expression_variables,
    is_terminal,
    new_execution,
    new_execution_id,
    restarts,
    state_name,
    task_run_state_changed,
    triggered_execution,
)
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceServicer
from flowmesh.expression.v1.expression_messages_pb2 import EvaluateExpressionResponse
from flowmesh.expressions import ERROR_LOGS, ExpressionError, render, uses_error_logs
from flowmesh.language import FlowDefinition, failed_checks, resolve_inputs
from flowmesh.messaging import Broker
from flowmesh.queue.v1.queue_pb2 import (
    ChangeTaskRunState,
    ExecutorMessage,
)
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.secrets import input_masker
from flowmesh.state import ExecutionStore, FlowStore, FlowUnavailable
from flowmesh.storage import Storage
from flowmesh.values import from_struct


def _refuse_blocking_checks(flow: FlowDefinition, inputs: dict[str, Any]) -> None:
    """Raise when a check of the flow that blocks executions fails for these inputs."""
    blocking = [c for c in failed_checks(flow, inputs) if c.behavior == "BLOCK_EXECUTION"]
    if blocking:
        raise ApiError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "CHECKS_FAILED",
            f"Flow {flow.namespace}.{flow.id} checks failed: {'; '.join(c.message for c in blocking)}",
            [("checks", c.message) for c in blocking],
        )


class ExecutionServicer(BulkExecutionRpcs, DependencyRpcs, ExecutionViewRpcs, ExecutionServiceServicer):
    """Executions in flight are read from the executions bucket, older ones from the repository."""

    def __init__(
        self, broker: Broker, flows: FlowStore, repository: RepositoryBackend, storage: Storage
    ) -> None:
        self._broker = broker
        self._storage = storage
        self._flows = flows
        self._executions = ExecutionStore(broker)
        self._repository = repository
        self._request_ids = RequestIds(broker)
        self._actions = ExecutionActions(broker, flows, self._executions, repository, storage)
        # Bulk operations by query select what the search selects, with all its filters.
        self._select = self.ListExecutions

    @unary
    async def CreateExecution(
        self, request: messages.CreateExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        given = from_struct(request.inputs)
        # Neither a refused request nor a part no input names leaves an uploaded file behind.
        async with uploads_cleared(self._storage, request.tenant, given):
            flow, revision = await self._flows.runnable(
                request.tenant, request.namespace, request.flow_id, request.revision
            )
            inputs = resolve_inputs(flow, given)
            _refuse_blocking_checks(flow, inputs)
            execution_id = new_execution_id()
            if request.request_id:
                # The same request again: answer with the execution the first call made.
                execution_id = await self._request_ids.claim(request.tenant, request.request_id, execution_id)
                earlier = await self._executions.get(execution_id)
                if earlier is not None:
                    return await self._waited(earlier.execution, wait=request.wait)
            inputs = await take_uploads(
                self._storage, request.tenant, flow.namespace, flow.id, execution_id, inputs
            )
        execution = new_execution(
            execution_id=execution_id,
            tenant_id=request.tenant,
            flow=flow,
            flow_revision=revision,
            inputs=inputs,
            labels={label.key: label.value for label in request.labels},
            now=now(),
        )
        return await self._start(execution, wait=request.wait)

    async def _start(self, execution: Execution, *, wait: bool) -> Execution:
        """Submit a new execution; return it, or with wait, as it is once it has ended."""
        return await self._waited(await self._executions.submit(execution), wait=wait)

    async def _waited(self, execution: Execution, *, wait: bool) -> Execution:
        """Return execution, or with wait, as it is once it has ended."""
        if not wait or is_terminal(execution.state.current):
            return execution
        async for current in self._executions.watch(execution.id):
            if is_terminal(current.state.current):
                return current
        return execution

    @unary
    async def TriggerWebhook(
        self, request: messages.TriggerWebhookRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggerWebhookResponse:
        try:
            flow, revision = await self._flows.runnable(request.tenant, request.namespace, request.flow_id)
        except FlowUnavailable as error:
            # Kestra's words; a disabled flow is a 404 too, as the issue asks.
            disabled = error.reason == "FLOW_DISABLED"
            message = "Cannot execute a disabled flow" if disabled else "Flow not found"
            raise webhook_not_found(message) from None
        trigger = matching_webhook(flow, request.key)
        if trigger is None:
            raise webhook_not_found()
        call = trigger_variables(
            request.body,
            {name: values.values for name, values in request.headers.items()},
            {name: values.values for name, values in request.parameters.items()},
        )
        variables = {
            "flow": {"id": flow.id, "namespace": flow.namespace, "revision": revision},
            "trigger": call,
        }
        if not conditions_allow(trigger.conditions, variables):
            return messages.TriggerWebhookResponse()
        inputs = resolve_inputs(flow, rendered_inputs(trigger, variables))
        _refuse_blocking_checks(flow, inputs)
        execution = triggered_execution(
            trigger,
            call,
            execution_id=new_execution_id(),
            tenant_id=request.tenant,
            flow=flow,
            flow_revision=revision,
            inputs=inputs,
            now=now(),
        )
        execution = await self._start(execution, wait=trigger.wait)
        if not trigger.wait:
            return messages.TriggerWebhookResponse(execution=execution)
        failed = execution.state.current == StateType.STATE_TYPE_FAILED
        return messages.TriggerWebhookResponse(
            execution=execution,
            return_outputs=trigger.returnOutputs,
            http_status=answer_status(trigger, failed, expression_variables(execution, flow)),
            content_type=(trigger.responseContentType or "") if trigger.returnOutputs else "",
        )

    @unary
    async def GetExecution(
        self, request: messages.GetExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        return await self._get(request.tenant, request.execution_id)

    @unary
    async def ListExecutions(
        self, request: messages.ListExecutionsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListExecutionsResponse:
        offset, limit = page(request.page_size, request.page_token)
        readable = scope()
        if readable.nothing:
            return messages.ListExecutionsResponse()
        query = replace(execution_query(request), readable_namespaces=readable.namespaces)
        executions, total = await self._repository.search_executions(
            request.tenant, query, offset=offset, limit=limit
        )
        return messages.ListExecutionsResponse(
            executions=executions,
            total_size=total,
            next_page_token=next_token(offset, len(executions), total),
        )

    @streaming
    async def FollowExecution(
        self, request: messages.FollowExecutionRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Execution]:
        execution = await self._get(request.tenant, request.execution_id)
        await context.send_initial_metadata(())
        if is_terminal(execution.state.current):
            yield execution
            return
        async for current in self._executions.watch(execution.id):
            yield current
            if is_terminal(current.state.current):
                return

    @unary
    async def KillExecution(
        self, request: messages.KillExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.kill(execution))()

    @unary
    async def RestartExecution(
        self, request: messages.RestartExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.restart(execution))()

    @unary
    async def ReplayExecution(
        self, request: messages.ReplayExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        original = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.replay(original, request.task_run_id, request.revision))()

    @unary
    async def ResumeExecution(
        self, request: messages.ResumeExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        # Refusals and InputsError (naming each input) are answered by api._support.
        given = from_struct(request.inputs)
        async with uploads_cleared(self._storage, request.tenant, given):
            return await (await self._actions.resume(execution, given))()

    @unary
    async def UnqueueExecution(
        self, request: messages.UnqueueExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        refuse_unqueue_state(request.state, "state")
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.unqueue(execution, request.state))()

    @unary
    async def EvaluateExecutionExpression(
        self, request: messages.EvaluateExecutionExpressionRequest, context: grpc.aio.ServicerContext
    ) -> EvaluateExpressionResponse:
        execution = await self._get(request.tenant, request.execution_id)
        flow = await self._flow_of(execution, execution.flow_revision)
        try:
            variables = expression_variables(execution, flow, request.task_run_id)
        except KeyError:
            raise not_found(
                "TASK_RUN_NOT_FOUND", f"Execution {execution.id} has no task run {request.task_run_id}"
            ) from None
        if uses_error_logs(request.template):
            variables[ERROR_LOGS] = await error_logs_of(self._repository, request.tenant, execution.id)
        # What the expression shows of a SECRET input is masked, as in logs.
        masker = input_masker(from_struct(execution.inputs), execution.secret_inputs)
        try:
            return EvaluateExpressionResponse(result=masker.text(render(request.template, variables)))
        except ExpressionError as error:
            return EvaluateExpressionResponse(error=masker.text(str(error)))

    async def _flow_of(self, execution: Execution, revision: int) -> FlowDefinition:
        return await self._actions.flow_of(execution, revision)

    async def _get(self, tenant: str, execution_id: str) -> Execution:
        return await self._actions.find(tenant, execution_id)

    @unary
    async def SetExecutionLabels(
        self, request: messages.SetExecutionLabelsRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        refuse_labels(request.labels)
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.set_labels(execution, request.labels))()

    @unary
    async def DeleteExecution(
        self, request: operations.DeleteExecutionRequest, context: grpc.aio.ServicerContext
    ) -> operations.DeleteExecutionResponse:
        execution = await self._actions.find(request.tenant, request.execution_id)
        logs, files = deleting(request)
        await (await self._actions.delete(execution, logs=logs, files=files))()
        return operations.DeleteExecutionResponse()

    @unary
    async def ReplayExecutionWithInputs(
        self, request: operations.ReplayExecutionWithInputsRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        original = await self._actions.find(request.tenant, request.execution_id)
        given = from_struct(request.inputs)
        async with uploads_cleared(self._storage, request.tenant, given):
            replay = await self._actions.replay(original, request.task_run_id, request.revision, given)
            return await replay()

    @unary
    async def PauseExecution(
        self, request: operations.PauseExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.pause(execution))()

    @unary
    async def ForceRunExecution(
        self, request: operations.ForceRunExecutionRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.force_run(execution))()

    @unary
    async def ChangeExecutionStatus(
        self, request: operations.ChangeExecutionStatusRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        refuse_status(request.status, "status")
        execution = await self._actions.find(request.tenant, request.execution_id)
        return await (await self._actions.change_status(execution, request.status))()

    @unary
    async def ChangeTaskRunState(
        self, request: messages.ChangeTaskRunStateRequest, context: grpc.aio.ServicerContext
    ) -> Execution:
        if request.state not in CHANGEABLE_STATES:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "INVALID_STATE",
                f"A task run can be set to SUCCESS, WARNING or FAILED, not {state_name(request.state)}",
                violations=[("state", f"{state_name(request.state)} is not SUCCESS, WARNING or FAILED")],
            )
        execution = await self._get(request.tenant, request.execution_id)
        flow = await self._flow_of(execution, execution.flow_revision)
        answer = task_run_state_changed(execution, flow, request.task_run_id, request.state, now())
        # As for a restart: the executor applies it once, to what it has stored.
        await self._broker.to_executor(
            execution.id,
            ExecutorMessage(
                change_task_run_state=ChangeTaskRunState(
                    execution=execution, task_run_id=request.task_run_id, state=request.state
                )
            ),
            msg_id=f"state:{execution.id}:{restarts(execution)}:{request.task_run_id}:{request.state}",
        )
        return answer
