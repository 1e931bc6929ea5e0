from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from nats.errors import TimeoutError as NatsTimeoutError

from flowmesh.api._support import not_found, streaming, unary
from flowmesh.engine import is_terminal
from flowmesh.log.v1 import log_messages_pb2 as messages
from flowmesh.log.v1.log_pb2 import LogEntry
from flowmesh.log.v1.log_service_pb2_grpc import LogServiceServicer
from flowmesh.messaging import Broker, log_subject
from flowmesh.repository import Repository
from flowmesh.state import ExecutionStore

# How long a follower waits for the next line before it checks whether the execution has ended.
_IDLE = 0.5


class LogServicer(LogServiceServicer):
    """Lists come from the repository; following reads the log stream itself, from its start."""

    def __init__(self, broker: Broker, repository: Repository) -> None:
        self._broker = broker
        self._executions = ExecutionStore(broker)
        self._repository = repository

    @unary
    async def ListLogs(
        self, request: messages.ListLogsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListLogsResponse:
        entries = await self._repository.list_logs(
            request.tenant,
            request.execution_id,
            min_level=request.min_level,
            task_run_id=request.task_run_id,
            task_id=request.task_id,
        )
        return messages.ListLogsResponse(entries=entries)

    @streaming
    async def FollowLogs(
        self, request: messages.FollowLogsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[LogEntry]:
        ended = await self._ended(request.tenant, request.execution_id)
        if ended is None:
            raise not_found("EXECUTION_NOT_FOUND", f"Execution {request.execution_id} not found")
        await context.send_initial_metadata(())
        subscription = await self._broker.js.subscribe(
            log_subject(request.execution_id), ordered_consumer=True
        )
        try:
            # Workers send their logs before they report an end, so once the
            # execution has ended, a stream idle for a while has nothing more to give.
            while True:
                try:
                    msg = await subscription.next_msg(timeout=_IDLE)
                except (NatsTimeoutError, TimeoutError):
                    if ended:
                        return
                    ended = bool(await self._ended(request.tenant, request.execution_id))
                    continue
                entry = LogEntry.FromString(msg.data)
                if entry.level >= request.min_level:
                    yield entry
        finally:
            await subscription.unsubscribe()

    async def _ended(self, tenant: str, execution_id: str) -> bool | None:
        """Return whether the execution has ended, or None when there is no such execution."""
        stored = await self._executions.get(execution_id)
        if stored is not None:
            return is_terminal(stored.execution.state.current)
        execution = await self._repository.get_execution(tenant, execution_id)
        return None if execution is None else is_terminal(execution.state.current)
