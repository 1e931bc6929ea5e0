from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import grpc
from google.protobuf.empty_pb2 import Empty
from nats.errors import TimeoutError as NatsTimeoutError

from flowmesh.api._search import log_query
from flowmesh.api._support import next_token, not_found, page, streaming, unary
from flowmesh.auth import scope
from flowmesh.engine import is_terminal
from flowmesh.file.v1.file_messages_pb2 import FileChunk
from flowmesh.log.v1 import log_messages_pb2 as messages
from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.log.v1.log_service_pb2_grpc import LogServiceServicer
from flowmesh.messaging import Broker, log_subject
from flowmesh.repository import LogQuery, RepositoryBackend
from flowmesh.state import ExecutionStore

# How long a follower waits for the next line before it checks whether the execution has ended.
_IDLE = 0.5
# A download is sent in chunks of about this many bytes.
_DOWNLOAD_CHUNK = 64 * 1024


def log_line(entry: LogEntry) -> str:
    """Return one entry as a line of a downloaded log: date, level, message (as Kestra's)."""
    level = Level.Name(entry.level).removeprefix("LEVEL_")
    return f"{entry.timestamp.ToJsonString()} {level} {entry.message}\n"


class LogServicer(LogServiceServicer):
    """Lists come from the repository; following reads the log stream itself, from its start."""

    def __init__(self, broker: Broker, repository: RepositoryBackend) -> None:
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

    @unary
    async def SearchLogs(
        self, request: messages.SearchLogsRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchLogsResponse:
        offset, limit = page(request.page_size, request.page_token)
        readable = scope()
        if readable.nothing:
            return messages.SearchLogsResponse()
        query = replace(log_query(request), readable_namespaces=readable.namespaces)
        entries, total = await self._repository.search_logs(request.tenant, query, offset=offset, limit=limit)
        return messages.SearchLogsResponse(
            entries=entries, total_size=total, next_page_token=next_token(offset, len(entries), total)
        )

    @streaming
    async def DownloadLogs(
        self, request: messages.DownloadLogsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        if await self._ended(request.tenant, request.execution_id) is None:
            raise not_found("EXECUTION_NOT_FOUND", f"Execution {request.execution_id} not found")
        entries = await self._repository.list_logs(
            request.tenant,
            request.execution_id,
            min_level=request.min_level,
            task_run_id=request.task_run_id,
            task_id=request.task_id,
        )
        name, content_type = f"{request.execution_id}.log", "text/plain; charset=utf-8"
        chunk = bytearray()
        for entry in entries:
            chunk += log_line(entry).encode()
            if len(chunk) >= _DOWNLOAD_CHUNK:
                yield FileChunk(filename=name, content_type=content_type, data=bytes(chunk))
                chunk.clear()
        if chunk or not entries:  # an execution without logs is an empty file
            yield FileChunk(filename=name, content_type=content_type, data=bytes(chunk))

    @unary
    async def DeleteLogs(
        self, request: messages.DeleteLogsRequest, context: grpc.aio.ServicerContext
    ) -> Empty:
        query = LogQuery(
            execution_id=request.execution_id,
            min_level=request.min_level,
            task_run_id=request.task_run_id,
            task_id=request.task_id,
        )
        attempt = request.attempt if request.HasField("attempt") else None
        await self._repository.delete_logs(request.tenant, query, attempt=attempt)
        return Empty()

    @unary
    async def DeleteFlowLogs(
        self, request: messages.DeleteFlowLogsRequest, context: grpc.aio.ServicerContext
    ) -> Empty:
        await self._repository.delete_flow_logs(
            request.tenant, request.namespace, request.flow_id, request.trigger_id
        )
        return Empty()

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
