"""make bench, search scenario: the repository's searches over 100,000 executions and 1,000,000 log lines.

The rows are made as the indexer makes them (flowmesh.repository's row functions) and
loaded with COPY into a real PostgreSQL (embedded) migrated as in production; then each
filter kind is searched through the Repository the api uses, a page of 25 with its total,
and the latency p50/p95 of each is printed. The goal is a p95 under 200 ms.

Run alone: `python tools/bench_search.py [--executions N] [--logs N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.embedded import EmbeddedPostgres
from flowmesh.execution.v1.execution_pb2 import Execution, ExecutionTrigger
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import ExecutionQuery, LogQuery, Repository, Sort, ensure_database
from flowmesh.repository._rows import execution_row, log_row

EXECUTIONS = 100_000
LOGS = 1_000_000
SAMPLES = 100  # searches timed per filter kind, each with other values
PAGE = 25
BATCH = 50_000  # rows per COPY
TENANT = "main"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAYS = 30
NAMESPACES = [f"company.team{t}.{sub}" for t in range(10) for sub in ("etl", "ml", "ops", "web", "api")]
FLOWS = [f"flow_{n}" for n in range(4)]  # per namespace: 200 flows in all
STATES = [
    (state_pb2.STATE_TYPE_SUCCESS, 70),
    (state_pb2.STATE_TYPE_FAILED, 12),
    (state_pb2.STATE_TYPE_WARNING, 5),
    (state_pb2.STATE_TYPE_RUNNING, 5),
    (state_pb2.STATE_TYPE_KILLED, 3),
    (state_pb2.STATE_TYPE_CREATED, 3),
    (state_pb2.STATE_TYPE_PAUSED, 2),
]
WORDS = [
    "processing",
    "batch",
    "record",
    "row",
    "file",
    "upload",
    "download",
    "query",
    "table",
    "warehouse",
    "customer",
    "order",
    "invoice",
    "payment",
    "shipment",
    "retry",
    "connection",
    "socket",
    "cache",
    "index",
    "partition",
    "worker",
    "task",
    "success",
    "finished",
    "started",
    "reading",
    "writing",
    "parsing",
    "validating",
    "transforming",
    "loading",
]
RARE_WORDS = ["timeout", "deadlock", "refused", "overflow", "corrupted", "throttled"]
EXECUTION_COLUMNS = [
    "tenant_id",
    "id",
    "namespace",
    "flow_id",
    "flow_revision",
    "state",
    "start_date",
    "end_date",
    "labels",
    "parent_id",
    "original_id",
    "deleted",
    "version",
    "value",
    "trigger_execution_id",
    "trigger_id",
]
LOG_COLUMNS = [
    "id",
    "tenant_id",
    "namespace",
    "flow_id",
    "execution_id",
    "task_run_id",
    "task_id",
    "attempt_number",
    "level",
    "timestamp",
    "timestamp_ns",
    "value",
    "message",
]


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _execution_id(n: int) -> str:
    return f"{n:08d}{n * 2_654_435_761 % 2**40:010x}"  # unique, and not in order


def make_execution(n: int, rng: random.Random) -> Execution:
    """Return the n-th execution: spread over DAYS days, namespaces, flows, states and labels."""
    state = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
    started = NOW - timedelta(seconds=rng.uniform(0, DAYS * 86_400))
    histories = [state_pb2.StateHistory(state=state_pb2.STATE_TYPE_CREATED, date=_stamp(started))]
    if state not in (state_pb2.STATE_TYPE_CREATED, state_pb2.STATE_TYPE_RUNNING, state_pb2.STATE_TYPE_PAUSED):
        ended = started + timedelta(seconds=rng.expovariate(1 / 30))
        histories.append(state_pb2.StateHistory(state=state, date=_stamp(ended)))
    labels = [state_pb2.Label(key="env", value=rng.choice(["prod", "dev", "staging"]))]
    labels.append(state_pb2.Label(key="team", value=f"t{rng.randrange(50)}"))
    labels.append(state_pb2.Label(key="customer", value=f"c{rng.randrange(2000)}"))
    trigger = ExecutionTrigger()
    if n and rng.random() < 0.2:  # a subflow of an earlier execution
        variables = Struct()
        variables.update({"executionId": _execution_id(rng.randrange(n))})
        trigger = ExecutionTrigger(id="child", type="io.kestra.plugin.core.flow.Subflow", variables=variables)
    return Execution(
        tenant_id=TENANT,
        id=_execution_id(n),
        namespace=rng.choice(NAMESPACES),
        flow_id=rng.choice(FLOWS),
        flow_revision=1,
        version=len(histories),
        state=state_pb2.State(current=state, histories=histories),
        labels=labels,
        trigger=trigger,
    )


def make_logs(execution: Execution, count: int, rng: random.Random) -> Iterator[log_pb2.LogEntry]:
    """Return count log lines of an execution: mostly INFO, a few WARN and ERROR."""
    start = execution.state.histories[0].date.ToDatetime(tzinfo=UTC)
    for i in range(count):
        level = rng.choices(
            [log_pb2.LEVEL_DEBUG, log_pb2.LEVEL_INFO, log_pb2.LEVEL_WARN, log_pb2.LEVEL_ERROR],
            weights=[10, 80, 8, 2],
        )[0]
        words = rng.choices(WORDS, k=rng.randrange(4, 12))
        if rng.random() < 0.01:
            words.append(rng.choice(RARE_WORDS))
        yield log_pb2.LogEntry(
            id=f"{execution.id}-{i}",
            tenant_id=TENANT,
            namespace=execution.namespace,
            flow_id=execution.flow_id,
            execution_id=execution.id,
            task_run_id=f"{execution.id}-t{i % 3}",
            task_id=f"task{i % 3}",
            attempt_number=1,
            timestamp=_stamp(start + timedelta(milliseconds=50 * i)),
            level=level,  # type: ignore[arg-type]
            message=" ".join(words) + f" #{i}",
        )


async def load(repository: Repository, dsn: str, executions: int, logs: int) -> list[Execution]:
    """COPY the executions and their logs in; return the executions (for the searches' values)."""
    import asyncpg

    rng = random.Random(7)  # noqa: S311 - a reproducible data set, no secret
    made = [make_execution(n, rng) for n in range(executions)]
    per_execution = max(1, logs // max(executions, 1))
    conn = await asyncpg.connect(dsn)
    try:
        for first in range(0, executions, BATCH):
            rows = [execution_row(execution) for execution in made[first : first + BATCH]]
            await conn.copy_records_to_table("executions", records=rows, columns=EXECUTION_COLUMNS)
        # The logs go through an unlogged table: COPY cannot compute the tsvector column.
        await conn.execute(
            "CREATE UNLOGGED TABLE staged_logs AS SELECT id, tenant_id, namespace, flow_id,"
            " execution_id, task_run_id, task_id, attempt_number, level, timestamp, timestamp_ns,"
            " value, ''::text AS message FROM logs WITH NO DATA"
        )
        batch: list[tuple[object, ...]] = []
        for execution in made:
            batch += [log_row(entry) for entry in make_logs(execution, per_execution, rng)]
            if len(batch) >= BATCH:
                await conn.copy_records_to_table("staged_logs", records=batch, columns=LOG_COLUMNS)
                batch = []
        if batch:
            await conn.copy_records_to_table("staged_logs", records=batch, columns=LOG_COLUMNS)
        await conn.execute(
            "INSERT INTO logs (id, tenant_id, namespace, flow_id, execution_id, task_run_id, task_id,"
            " attempt_number, level, timestamp, timestamp_ns, value, message_search)"
            " SELECT id, tenant_id, namespace, flow_id, execution_id, task_run_id, task_id,"
            " attempt_number, level, timestamp, timestamp_ns, value, to_tsvector('simple', message)"
            " FROM staged_logs"
        )
        await conn.execute("DROP TABLE staged_logs")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return made


Search = Callable[[random.Random], Awaitable[Any]]


def searches(repository: Repository, made: list[Execution]) -> dict[str, Search]:
    """Return one search per filter kind, each picking its values from rng."""

    def executions(make: Callable[[random.Random], ExecutionQuery]) -> Search:
        return lambda rng: repository.search_executions(TENANT, make(rng), limit=PAGE)

    def logs(make: Callable[[random.Random], LogQuery]) -> Search:
        return lambda rng: repository.search_logs(TENANT, make(rng), limit=PAGE)

    def since(rng: random.Random) -> datetime:
        return NOW - timedelta(days=rng.uniform(1, DAYS))

    return {
        "executions, no filter": executions(lambda rng: ExecutionQuery()),
        "executions by state": executions(lambda rng: ExecutionQuery(states=[rng.choice(STATES)[0]])),
        "executions by namespace prefix": executions(
            lambda rng: ExecutionQuery(namespace=rng.choice(NAMESPACES).rsplit(".", 1)[0])
        ),
        "executions by flow": executions(
            lambda rng: ExecutionQuery(namespace=rng.choice(NAMESPACES), flow_id=rng.choice(FLOWS))
        ),
        "executions by label": executions(
            lambda rng: ExecutionQuery(labels=[("customer", f"c{rng.randrange(2000)}")])
        ),
        "executions by two labels": executions(
            lambda rng: ExecutionQuery(labels=[("env", "prod"), ("team", f"t{rng.randrange(50)}")])
        ),
        "executions by date range": executions(
            lambda rng: ExecutionQuery(started_from=since(rng), sort=[Sort("state.startDate", False)])
        ),
        "executions by q": executions(lambda rng: ExecutionQuery(query=rng.choice(made).id[:10])),
        "executions by trigger execution": executions(
            lambda rng: ExecutionQuery(trigger_execution_id=rng.choice(made).id)
        ),
        "executions by state and namespace": executions(
            lambda rng: ExecutionQuery(
                states=[state_pb2.STATE_TYPE_FAILED], namespace=rng.choice(NAMESPACES).rsplit(".", 1)[0]
            )
        ),
        # A viewer of two namespace trees searching without naming one (the api's scoping).
        "executions of a viewer's namespaces": executions(
            lambda rng: ExecutionQuery(
                readable_namespaces=tuple(n.rsplit(".", 1)[0] for n in rng.sample(NAMESPACES, 2))
            )
        ),
        "logs of a viewer's namespaces": logs(
            lambda rng: LogQuery(
                min_level=log_pb2.LEVEL_WARN,
                readable_namespaces=tuple(n.rsplit(".", 1)[0] for n in rng.sample(NAMESPACES, 2)),
            )
        ),
        "logs full text, rare word": logs(lambda rng: LogQuery(query=rng.choice(RARE_WORDS))),
        "logs full text, common word": logs(lambda rng: LogQuery(query=rng.choice(WORDS))),
        "logs full text and namespace": logs(
            lambda rng: LogQuery(query=rng.choice(WORDS), namespace=rng.choice(NAMESPACES))
        ),
        "logs by execution": lambda rng: repository.list_logs(TENANT, rng.choice(made).id),
        "logs by level ERROR": logs(lambda rng: LogQuery(min_level=log_pb2.LEVEL_ERROR)),
        "logs by level WARN, flow": logs(
            lambda rng: LogQuery(
                min_level=log_pb2.LEVEL_WARN, namespace=rng.choice(NAMESPACES), flow_id=rng.choice(FLOWS)
            )
        ),
        "logs by time range": logs(lambda rng: LogQuery(since=since(rng), until=NOW)),
    }


async def measure(search: Search) -> tuple[float, float]:
    """Return the p50 and p95 in milliseconds of SAMPLES searches (after one warm-up)."""
    rng = random.Random(11)  # noqa: S311 - reproducible searches, no secret
    await search(rng)
    times = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        await search(rng)
        times.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


async def bench_search(work: Path, executions: int = EXECUTIONS, logs: int = LOGS) -> list[str]:
    """Load the rows into a fresh embedded PostgreSQL, then time each filter kind."""
    lines = [f"== search: {executions:,} executions, {logs:,} log lines, pages of {PAGE} with totals"]
    async with EmbeddedPostgres(work) as server:
        dsn = server.dsn.rsplit("/", 1)[0] + "/flowmesh"
        await ensure_database(dsn)
        repository = await Repository.connect(dsn)
        try:
            await repository.migrate()
            began = time.perf_counter()
            made = await load(repository, dsn, executions, logs)
            lines.append(f"  loaded (COPY, indexes, VACUUM ANALYZE) in {time.perf_counter() - began:.0f} s")
            worst = 0.0
            for name, search in searches(repository, made).items():
                p50, p95 = await measure(search)
                worst = max(worst, p95)
                lines.append(f"  {name:<36} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
            verdict = "met" if worst < 200 else "NOT met"
            lines.append(f"  worst p95 {worst:.1f} ms: the goal p95 < 200 ms is {verdict}")
            load1, load5, _ = os.getloadavg()
            lines.append(f"  (load average meanwhile {load1:.1f} / {load5:.1f} on {os.cpu_count()} cores)")
        finally:
            await repository.close()
    return lines


async def _main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=EXECUTIONS)
    parser.add_argument("--logs", type=int, default=LOGS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flowmesh-bench-search-"))
    work.chmod(0o711)  # the embedded PostgreSQL runs as nobody when we are root
    try:
        print("\n".join(await bench_search(work, args.executions, args.logs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(_main())
