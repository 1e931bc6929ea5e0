"""The operations on many executions, by ids or by query, as Kestra's bulk endpoints.

Each takes the check of the operation on one execution (api._execution_actions) and runs
it on every execution named; when one is refused, none is changed and the answer names
each refused execution with its reason (Kestra's BulkErrorResponse), else every change is
sent and the answer counts them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import grpc
import structlog

from flowmesh.api._execution_actions import (
    Change,
    ExecutionActions,
    deleting,
    refuse_labels,
    refuse_status,
    refuse_unqueue_state,
)
from flowmesh.api._support import MAX_PAGE_SIZE, csv_chunk, csv_rows, streaming, translate, unary
from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine import state_name
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.file.v1.file_messages_pb2 import FileChunk
from flowmesh.repository import state_dates
from flowmesh.rpc import ApiError
from flowmesh.values import iso_duration

log = structlog.get_logger(component="api")

# The check of one operation, for one execution.
Check = Callable[[Execution], Awaitable[Change]]
# Runs ListExecutions: the one reading of a query, whatever filters it has.
Select = Callable[
    [messages.ListExecutionsRequest, grpc.aio.ServicerContext], Awaitable[messages.ListExecutionsResponse]
]

_RUNNING = StateType.STATE_TYPE_RUNNING


class BulkExecutionRpcs:
    """ExecutionService's bulk RPCs; the servicer sets _actions and _select."""

    _actions: ExecutionActions
    _select: Select

    async def _apply(self, tenant: str, ids: Sequence[str], check: Check, what: str, field: str) -> int:
        """Check every execution of ids, then change them all; return how many changed."""
        changes: list[Change] = []
        refused: list[tuple[str, str]] = []
        for index, execution_id in enumerate(dict.fromkeys(ids)):
            try:
                changes.append(await check(await self._actions.find(tenant, execution_id)))
            except Exception as error:
                answer = translate(error)
                if answer is None:
                    raise
                refused.append((f"{field}[{index}]", f"{execution_id}: {answer.message}"))
        if refused:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "BULK_INVALID",
                f"invalid bulk {what}: {len(refused)} of {len(refused) + len(changes)} executions refused",
                refused,
            )
        for change in changes:
            await change()
        return len(changes)

    async def _operation(
        self, tenant: str, ids: Sequence[str], check: Check, what: str, field: str = "execution_ids"
    ) -> operations.ExecutionsOperationResponse:
        operation_id = uuid.uuid4().hex
        count = await self._apply(tenant, ids, check, what, field)
        log.info("bulk_operation_sent", operation=what, operation_id=operation_id, executions=count)
        return operations.ExecutionsOperationResponse(operation_id=operation_id, total_items=count)

    async def _selected(
        self, tenant: str, query: messages.ListExecutionsRequest, context: grpc.aio.ServicerContext
    ) -> list[str]:
        """Return the ids of every execution of tenant that ListExecutions selects with query."""
        return [execution.id async for page in self._pages(tenant, query, context) for execution in page]

    async def _pages(
        self, tenant: str, query: messages.ListExecutionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Sequence[Execution]]:
        """Yield every execution of tenant that ListExecutions selects with query, a page at a time."""
        request = messages.ListExecutionsRequest()
        request.CopyFrom(query)
        request.tenant = tenant
        request.page_size = MAX_PAGE_SIZE
        request.page_token = ""
        while True:
            page = await self._select(request, context)
            yield page.executions
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    @streaming
    async def ExportExecutionsByQuery(
        self, request: operations.ExportExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        first = True
        async for page in self._pages(request.tenant, request.query, context):
            if first:
                yield csv_chunk("executions", CSV_COLUMNS, map(_csv_row, page))
            elif page:
                yield FileChunk(data=csv_rows(None, map(_csv_row, page)))
            first = False

    # ------------------------------------------------------------------------ deletion

    async def _delete(
        self,
        request: operations.DeleteExecutionsByIdsRequest | operations.DeleteExecutionsByQueryRequest,
        ids: Sequence[str],
    ) -> operations.DeleteExecutionsResponse:
        logs, files = deleting(request)

        async def check(execution: Execution) -> Change:
            return await self._actions.delete(execution, logs=logs, files=files)

        count = await self._apply(request.tenant, ids, check, "delete", "execution_ids")
        return operations.DeleteExecutionsResponse(count=count)

    @unary
    async def DeleteExecutionsByIds(
        self, request: operations.DeleteExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.DeleteExecutionsResponse:
        return await self._delete(request, request.execution_ids)

    @unary
    async def DeleteExecutionsByQuery(
        self, request: operations.DeleteExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.DeleteExecutionsResponse:
        return await self._delete(request, await self._selected(request.tenant, request.query, context))

    # ------------------------------------------------------------------------- by ids

    @unary
    async def KillExecutionsByIds(
        self, request: operations.KillExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        return await self._operation(request.tenant, request.execution_ids, self._actions.kill, "kill")

    @unary
    async def RestartExecutionsByIds(
        self, request: operations.RestartExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        return await self._operation(request.tenant, request.execution_ids, self._actions.restart, "restart")

    @unary
    async def ReplayExecutionsByIds(
        self, request: operations.ReplayExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._replay(request.latest_revision)
        return await self._operation(request.tenant, request.execution_ids, check, "replay")

    @unary
    async def ResumeExecutionsByIds(
        self, request: operations.ResumeExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        return await self._operation(request.tenant, request.execution_ids, self._resume, "resume")

    @unary
    async def UnqueueExecutionsByIds(
        self, request: operations.UnqueueExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._unqueue(request.state, "state")
        return await self._operation(request.tenant, request.execution_ids, check, "unqueue")

    @unary
    async def PauseExecutionsByIds(
        self, request: operations.PauseExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        return await self._operation(request.tenant, request.execution_ids, self._actions.pause, "pause")

    @unary
    async def ForceRunExecutionsByIds(
        self, request: operations.ForceRunExecutionsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        return await self._operation(
            request.tenant, request.execution_ids, self._actions.force_run, "force-run"
        )

    @unary
    async def ChangeExecutionsStatusByIds(
        self, request: operations.ChangeExecutionsStatusByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._change_status(request.new_status)
        return await self._operation(request.tenant, request.execution_ids, check, "change status")

    @unary
    async def SetExecutionsLabelsByIds(
        self, request: operations.SetExecutionsLabelsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._labels(request.execution_labels)
        return await self._operation(request.tenant, request.executions_id, check, "labels", "executions_id")

    # ----------------------------------------------------------------------- by query

    @unary
    async def KillExecutionsByQuery(
        self, request: operations.KillExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._actions.kill, "kill")

    @unary
    async def RestartExecutionsByQuery(
        self, request: operations.RestartExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._actions.restart, "restart")

    @unary
    async def ReplayExecutionsByQuery(
        self, request: operations.ReplayExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._replay(request.latest_revision), "replay")

    @unary
    async def ResumeExecutionsByQuery(
        self, request: operations.ResumeExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._resume, "resume")

    @unary
    async def UnqueueExecutionsByQuery(
        self, request: operations.UnqueueExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._unqueue(request.new_state or _RUNNING, "new_state")
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, check, "unqueue")

    @unary
    async def PauseExecutionsByQuery(
        self, request: operations.PauseExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._actions.pause, "pause")

    @unary
    async def ForceRunExecutionsByQuery(
        self, request: operations.ForceRunExecutionsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, self._actions.force_run, "force-run")

    @unary
    async def ChangeExecutionsStatusByQuery(
        self, request: operations.ChangeExecutionsStatusByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._change_status(request.new_status)
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, check, "change status")

    @unary
    async def SetExecutionsLabelsByQuery(
        self, request: operations.SetExecutionsLabelsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> operations.ExecutionsOperationResponse:
        check = self._labels(request.labels)
        ids = await self._selected(request.tenant, request.query, context)
        return await self._operation(request.tenant, ids, check, "labels")

    # ------------------------------------------------- checks that take the request's values

    def _replay(self, latest_revision: bool) -> Check:
        return self._actions.replay_latest if latest_revision else self._actions.replay

    async def _resume(self, execution: Execution) -> Change:
        return await self._actions.resume(execution, {})

    def _unqueue(self, state: StateType, field: str) -> Check:
        refuse_unqueue_state(state, field)

        async def check(execution: Execution) -> Change:
            return await self._actions.unqueue(execution, state)

        return check

    def _change_status(self, state: StateType) -> Check:
        refuse_status(state, "new_status")

        async def check(execution: Execution) -> Change:
            return await self._actions.change_status(execution, state)

        return check

    def _labels(self, labels: Sequence[Label]) -> Check:
        refuse_labels(labels)

        async def check(execution: Execution) -> Change:
            return await self._actions.set_labels(execution, labels)

        return check


# The columns of the CSV export, one row per execution.
CSV_COLUMNS = (
    "id",
    "namespace",
    "flowId",
    "flowRevision",
    "state",
    "startDate",
    "endDate",
    "duration",
    "labels",
)


def _csv_row(execution: Execution) -> tuple[object, ...]:
    start, end = state_dates(execution.state)
    return (
        execution.id,
        execution.namespace,
        execution.flow_id,
        execution.flow_revision,
        state_name(execution.state.current),
        start.isoformat() if start else "",
        end.isoformat() if end else "",
        iso_duration(end - start) if start and end else "",
        ",".join(f"{label.key}:{label.value}" for label in execution.labels),
    )
