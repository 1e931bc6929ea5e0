"""What every repository backend offers: PostgreSQL (the default) or OpenSearch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository._filters import ExecutionQuery, LogQuery
from flowmesh.repository._stats import DailyStats


class RepositoryBackend(Protocol):
    """The indexer writes through it; the api reads, searches and aggregates through it.

    Writes are idempotent (a record saved twice is kept once, an older version never
    replaces a newer one). Failures raise RepositoryUnavailable (try later) or
    InvalidRecord (the record itself is refused).
    """

    async def close(self) -> None: ...

    async def migrate(self) -> None: ...

    async def ping(self) -> None: ...

    async def save_flows(self, flows: Sequence[flow_pb2.Flow]) -> None: ...

    async def save_executions(self, executions: Sequence[execution_pb2.Execution]) -> None: ...

    async def save_logs(self, entries: Sequence[log_pb2.LogEntry]) -> None: ...

    async def get_flow(
        self,
        tenant: str,
        namespace: str,
        flow_id: str,
        revision: int = 0,
        *,
        allow_deleted: bool = False,
    ) -> flow_pb2.Flow | None: ...

    async def list_flows(
        self,
        tenant: str,
        *,
        namespace: str = "",
        query: str = "",
        labels: Sequence[tuple[str, str]] = (),
        offset: int = 0,
        limit: int = 25,
        readable_namespaces: tuple[str, ...] = (),
    ) -> tuple[list[flow_pb2.Flow], int]: ...

    async def get_execution(
        self, tenant: str, execution_id: str, *, allow_deleted: bool = False
    ) -> execution_pb2.Execution | None: ...

    async def search_executions(
        self, tenant: str, query: ExecutionQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[execution_pb2.Execution], int]: ...

    async def list_logs(
        self,
        tenant: str,
        execution_id: str,
        *,
        min_level: int = 0,
        task_run_id: str = "",
        task_id: str = "",
    ) -> list[log_pb2.LogEntry]: ...

    async def search_logs(
        self, tenant: str, query: LogQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[log_pb2.LogEntry], int]: ...

    async def delete_logs(self, tenant: str, query: LogQuery, *, attempt: int | None = None) -> int: ...

    async def delete_execution_logs(self, tenant: str, execution_id: str) -> int: ...

    async def delete_flow_logs(
        self, tenant: str, namespace: str, flow_id: str, trigger_id: str = ""
    ) -> int: ...

    async def purge_ended(self, before: datetime, *, batch: int = 1000) -> int: ...

    async def daily_statistics(
        self,
        tenant: str,
        table: str,
        *,
        start: datetime,
        end: datetime,
        namespace: str = "",
        flow_id: str = "",
        by_flow: bool = False,
        readable_namespaces: tuple[str, ...] = (),
    ) -> list[DailyStats]: ...

    async def latest_executions(
        self, tenant: str, flows: Sequence[tuple[str, str]]
    ) -> list[execution_pb2.Execution]: ...
