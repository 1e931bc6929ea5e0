"""The PostgreSQL repository: idempotent batch writes for the indexer, queries for the api."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import _filters, _rows, _sql, _stats
from flowmesh.repository._errors import RepositoryUnavailable, translate_errors
from flowmesh.repository._filters import ExecutionQuery, LogQuery
from flowmesh.repository._migrations import apply_migrations
from flowmesh.repository._stats import DailyStats
from flowmesh.telemetry import get_logger

log = get_logger("repository")

# asyncpg ships no complete type stubs: connections are typed Any below.
Connection = Any

# A logs search counts at most this many matches: a total this high means "at least".
LOG_COUNT_LIMIT = 10_000

# How often a write is tried again when it loses a deadlock or serialization race.
_WRITE_ATTEMPTS = 3


def _database_name(dsn: str) -> str:
    parsed = urllib.parse.urlparse(dsn)
    name = urllib.parse.unquote(parsed.path.lstrip("/"))
    if not name:
        query = urllib.parse.parse_qs(parsed.query)
        name = (query.get("dbname") or query.get("database") or [""])[0]
    if not name:
        raise ValueError("the DSN names no database")
    return name


async def ensure_database(dsn: str) -> None:
    """Create the DSN's database when it is missing (through the 'postgres' database)."""
    name = _database_name(dsn)
    with translate_errors():
        conn = await asyncpg.connect(dsn, database="postgres")
        try:
            if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return
            quoted = name.replace('"', '""')
            try:
                await conn.execute(f'CREATE DATABASE "{quoted}"')
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                return  # created meanwhile by another process (a race fails on pg_database's index)
            log.info("database_created", database=name)
        finally:
            await conn.close()


class Repository:
    """Flows, executions, task runs and logs in PostgreSQL, each kept as its protobuf bytes."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, dsn: str, *, max_size: int = 10) -> Repository:
        """Open a connection pool to dsn; raise RepositoryUnavailable when unreachable."""
        # No floor of idle connections: asyncpg would otherwise log a traceback each
        # second of an outage while it tries to restore that floor.
        with translate_errors():
            pool = await asyncpg.create_pool(
                dsn, min_size=0, max_size=max_size, timeout=10.0, command_timeout=60.0
            )
        repository = cls(pool)
        try:
            await repository.ping()
        except RepositoryUnavailable:
            await pool.close()
            raise
        return repository

    async def close(self) -> None:
        """Close every connection of the pool."""
        await self._pool.close()

    async def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes start at once."""
        with translate_errors():
            async with self._pool.acquire() as conn:
                await apply_migrations(conn)

    async def ping(self) -> None:
        """Raise RepositoryUnavailable unless the database answers."""
        with translate_errors():
            async with self._pool.acquire() as conn:
                await conn.fetchval("SELECT 1")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        with translate_errors():
            async with (
                self._pool.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                yield conn

    async def _write(self, batches: Sequence[tuple[str, list[_rows.Row]]]) -> None:
        """Run each (statement, rows) batch in one transaction, retrying lost races."""
        batches = [(sql, rows) for sql, rows in batches if rows]
        if not batches:
            return
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                with translate_errors():
                    async with self._pool.acquire() as conn, conn.transaction():
                        for sql, rows in batches:
                            await conn.executemany(sql, rows)
                return
            except asyncpg.TransactionRollbackError as exc:
                if attempt == _WRITE_ATTEMPTS:
                    raise RepositoryUnavailable(str(exc)) from exc
                log.info("write_retried", reason=type(exc).__name__, attempt=attempt)

    async def save_flows(self, flows: Sequence[flow_pb2.Flow]) -> None:
        """Record flow revisions; saving a revision again is a no-op, except to delete it."""
        with translate_errors():
            rows = _rows.sorted_rows([_rows.flow_row(flow) for flow in flows], 4)
        await self._write([(_sql.UPSERT_FLOW, rows)])

    async def save_executions(self, executions: Sequence[execution_pb2.Execution]) -> None:
        """Record execution events: each row keeps the highest version it has seen."""
        with translate_errors():
            headers = [_rows.execution_row(execution) for execution in executions]
            runs = [row for execution in executions for row in _rows.task_run_rows(execution)]
        await self._write(
            [
                (_sql.UPSERT_EXECUTION, _rows.sorted_rows(headers, 2)),
                (_sql.UPSERT_TASK_RUN, _rows.sorted_rows(runs, 3)),
            ]
        )

    async def save_logs(self, entries: Sequence[log_pb2.LogEntry]) -> None:
        """Record log entries; an id seen before is ignored."""
        with translate_errors():
            rows = _rows.sorted_rows([_rows.log_row(entry) for entry in entries], 1)
        await self._write([(_sql.INSERT_LOG, rows)])

    async def delete_execution_logs(self, tenant: str, execution_id: str) -> int:
        """Delete every log entry of an execution; return how many went."""
        with translate_errors():
            async with self._pool.acquire() as conn:
                done = await conn.execute(
                    "DELETE FROM logs WHERE tenant_id = $1 AND execution_id = $2", tenant, execution_id
                )
        return int(done.split()[-1])

    async def get_flow(
        self,
        tenant: str,
        namespace: str,
        flow_id: str,
        revision: int = 0,
        *,
        allow_deleted: bool = False,
    ) -> flow_pb2.Flow | None:
        """Return a flow revision (0: the latest), or None when missing or deleted."""
        where = _sql.Where(tenant, namespace, flow_id)
        where.add("tenant_id = $1 AND namespace = $2 AND id = $3")
        if revision:
            where.add("revision = {0}", revision)
        sql = where.select("deleted, value FROM flows", " ORDER BY revision DESC LIMIT 1")
        async with self._reading() as conn:
            row = await conn.fetchrow(sql, *where.args)
        if row is None or (row["deleted"] and not allow_deleted):
            return None
        return flow_pb2.Flow.FromString(row["value"])

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
    ) -> tuple[list[flow_pb2.Flow], int]:
        """Return a page of the latest revision of each flow not deleted, and the total.

        labels: only flows whose latest revision has every one of them.
        """
        where = _sql.Where(tenant)
        where.add("tenant_id = $1")
        where.namespace(namespace)
        where.within(readable_namespaces)
        if query:
            where.add(
                "(strpos(lower(id), lower({0})) > 0 OR strpos(lower(namespace), lower({0})) > 0)",
                query,
            )
        revisions = where.select(
            "DISTINCT ON (namespace, id) namespace, id, deleted, labels, value FROM flows",
            " ORDER BY namespace, id, revision DESC",
        )
        # What the latest revisions must be: an earlier revision's labels do not count.
        kept = _sql.Where(*where.args)
        kept.add("NOT deleted")
        _filters.add_labels(kept, labels)
        latest = f"WITH latest AS ({revisions}) "
        page = latest + kept.select("value FROM latest", " ORDER BY namespace, id" + kept.page())
        count = latest + kept.select("count(*) FROM latest")
        async with self._reading() as conn:
            rows = await conn.fetch(page, *kept.args, max(offset, 0), max(limit, 0))
            total = await conn.fetchval(count, *kept.args)
        return [flow_pb2.Flow.FromString(row["value"]) for row in rows], total

    async def get_execution(
        self, tenant: str, execution_id: str, *, allow_deleted: bool = False
    ) -> execution_pb2.Execution | None:
        """Return an execution with all its task runs in position order, or None."""
        async with self._reading() as conn:
            row = await conn.fetchrow(
                "SELECT deleted, value FROM executions WHERE tenant_id = $1 AND id = $2",
                tenant,
                execution_id,
            )
            if row is None or (row["deleted"] and not allow_deleted):
                return None
            runs = await conn.fetch(
                "SELECT value FROM task_runs WHERE tenant_id = $1 AND execution_id = $2"
                " ORDER BY position, id",
                tenant,
                execution_id,
            )
        execution = execution_pb2.Execution.FromString(row["value"])
        for run in runs:
            execution.task_runs.add().ParseFromString(run["value"])
        return execution

    async def list_executions(
        self,
        tenant: str,
        *,
        namespace: str = "",
        flow_id: str = "",
        states: Sequence[int] = (),
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[execution_pb2.Execution], int]:
        """Return a page of executions not deleted, newest first, without task runs."""
        query = ExecutionQuery(namespace=namespace, flow_id=flow_id, states=states)
        return await self.search_executions(tenant, query, offset=offset, limit=limit)

    async def search_executions(
        self, tenant: str, query: ExecutionQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[execution_pb2.Execution], int]:
        """Return a page of the executions matching query (not deleted, no task runs), and the total."""
        where = _sql.Where(tenant)
        _filters.execution_conditions(where, query)
        count = where.count("executions")
        page = where.select("value FROM executions", _filters.execution_order(query.sort) + where.page())
        async with self._reading() as conn:
            rows = await conn.fetch(page, *where.args, max(offset, 0), max(limit, 0))
            total = await conn.fetchval(count, *where.args)
        return [execution_pb2.Execution.FromString(row["value"]) for row in rows], total

    async def search_logs(
        self, tenant: str, query: LogQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[log_pb2.LogEntry], int]:
        """Return a page of the log entries matching query, and the total up to LOG_COUNT_LIMIT.

        Counting every match of a common word among millions of lines would cost more
        than the page itself; as search engines do, the count stops at a limit.
        """
        where = _sql.Where(tenant)
        _filters.log_conditions(where, query)
        count = where.count("logs", LOG_COUNT_LIMIT)
        page = where.select("value FROM logs", _filters.log_order(query) + where.page())
        async with self._reading() as conn:
            rows = await conn.fetch(page, *where.args, max(offset, 0), max(limit, 0))
            total = await conn.fetchval(count, *where.args)
        return [log_pb2.LogEntry.FromString(row["value"]) for row in rows], total

    async def delete_logs(self, tenant: str, query: LogQuery, *, attempt: int | None = None) -> int:
        """Delete the log entries matching query (and attempt, when given); return how many."""
        where = _sql.Where(tenant)
        _filters.log_conditions(where, query)
        if attempt is not None:
            where.add("attempt_number = {0}", attempt)
        with translate_errors():
            async with self._pool.acquire() as conn:
                status = await conn.execute(where.delete("logs"), *where.args)
        return int(status.split()[-1])

    async def delete_flow_logs(self, tenant: str, namespace: str, flow_id: str, trigger_id: str = "") -> int:
        """Delete the logs of a flow's executions (those its trigger started, when given)."""
        where = _sql.Where(tenant, namespace, flow_id)
        where.add("l.tenant_id = $1 AND l.namespace = $2 AND l.flow_id = $3")
        if trigger_id:
            where.add(
                "EXISTS (SELECT 1 FROM executions e WHERE e.tenant_id = l.tenant_id"
                " AND e.id = l.execution_id AND e.trigger_id = {0})",
                trigger_id,
            )
        with translate_errors():
            async with self._pool.acquire() as conn:
                status = await conn.execute(where.delete("logs l"), *where.args)
        return int(status.split()[-1])

    async def purge_ended(self, before: datetime, *, batch: int = 1000) -> int:
        """Delete executions ended before `before`, with their task runs and logs; return how many.

        Works in batches of `batch` executions, each its own transaction, so that a
        large purge neither holds locks long nor builds one huge transaction.
        """
        purged = 0
        while True:
            with translate_errors():
                async with self._pool.acquire() as conn, conn.transaction():
                    done = await conn.fetchval(_sql.PURGE_ENDED, before, batch)
            purged += int(done)
            if done < batch:
                return purged

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
    ) -> list[DailyStats]:
        """Return counts per state and durations of what started each day in [start, end)."""
        where = _sql.Where(tenant)
        _stats.daily_conditions(where, table, namespace, flow_id, start, end)
        where.within(readable_namespaces)
        async with self._reading() as conn:
            rows = await conn.fetch(_stats.daily_sql(table, where, by_flow=by_flow), *where.args)
        return _stats.daily_stats(rows, by_flow=by_flow)

    async def latest_executions(
        self, tenant: str, flows: Sequence[tuple[str, str]]
    ) -> list[execution_pb2.Execution]:
        """Return the newest execution of each (namespace, flow id) that has one."""
        namespaces = [namespace for namespace, _ in flows]
        flow_ids = [flow_id for _, flow_id in flows]
        async with self._reading() as conn:
            rows = await conn.fetch(_stats.LATEST_SQL, tenant, namespaces, flow_ids)
        return [execution_pb2.Execution.FromString(row["value"]) for row in rows]

    async def list_logs(
        self,
        tenant: str,
        execution_id: str,
        *,
        min_level: int = 0,
        task_run_id: str = "",
        task_id: str = "",
    ) -> list[log_pb2.LogEntry]:
        """Return an execution's log entries at min_level or above, oldest first."""
        query = LogQuery(
            execution_id=execution_id,
            min_level=min_level,
            task_run_id=task_run_id,
            task_id=task_id,
            descending=False,
        )
        where = _sql.Where(tenant)
        _filters.log_conditions(where, query)
        sql = where.select("value FROM logs", _filters.log_order(query))
        async with self._reading() as conn:
            rows = await conn.fetch(sql, *where.args)
        return [log_pb2.LogEntry.FromString(row["value"]) for row in rows]
