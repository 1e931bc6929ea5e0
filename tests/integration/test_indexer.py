"""Integration tests of the indexer: JetStream in, PostgreSQL out, across outages."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres
from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.indexer import Indexer, Retention
from flowmesh.log.v1 import log_pb2
from flowmesh.messaging import (
    FLOWS_BUCKET,
    LOGS_STREAM,
    Broker,
    execution_event_subject,
    flow_key,
    log_subject,
)
from flowmesh.queue.v1 import queue_pb2
from flowmesh.repository import Repository, RepositoryUnavailable, ensure_database
from tests.waiting import eventually as _eventually

pytestmark = pytest.mark.integration

TENANT = "main"
BASE = 1_760_000_000
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], *, within: float = 30.0, what: str = "") -> T:
    return await _eventually(probe, within=within, what=what, ignore=(RepositoryUnavailable,))


def at(seconds: float) -> Timestamp:
    return Timestamp(seconds=BASE + int(seconds), nanos=int((seconds % 1) * 1e9))


def execution(execution_id: str, version: int, changed: list[tuple[str, int]]) -> execution_pb2.Execution:
    """Return the execution at version, carrying the task runs (task id, position) it changed."""
    kind = state_pb2.STATE_TYPE_SUCCESS if version >= 4 else state_pb2.STATE_TYPE_RUNNING
    histories = [
        state_pb2.StateHistory(state=state_pb2.STATE_TYPE_CREATED, date=at(0)),
        state_pb2.StateHistory(state=kind, date=at(version)),
    ]
    runs = [
        execution_pb2.TaskRun(
            id=f"{execution_id}-{task_id}",
            execution_id=execution_id,
            task_id=task_id,
            position=position,
            version=version,
            state=state_pb2.State(current=kind, histories=histories),
        )
        for task_id, position in changed
    ]
    return execution_pb2.Execution(
        tenant_id=TENANT,
        id=execution_id,
        namespace="company.team",
        flow_id="hello",
        flow_revision=1,
        version=version,
        state=state_pb2.State(current=kind, histories=histories),
        task_runs=runs,
    )


def log_entry(entry_id: str, execution_id: str, seconds: float, **fields: str) -> log_pb2.LogEntry:
    return log_pb2.LogEntry(
        id=entry_id,
        tenant_id=TENANT,
        namespace="company.team",
        flow_id="hello",
        execution_id=execution_id,
        timestamp=at(seconds),
        level=log_pb2.LEVEL_INFO,
        message=f"line {entry_id}",
        **fields,
    )


def flow(namespace: str, flow_id: str, revision: int, *, deleted: bool = False) -> flow_pb2.Flow:
    return flow_pb2.Flow(
        tenant_id=TENANT,
        namespace=namespace,
        id=flow_id,
        revision=revision,
        source=f"id: {flow_id}\nnamespace: {namespace}\n# r{revision}\n",
        deleted=deleted,
    )


async def publish_event(broker: Broker, event: execution_pb2.Execution, msg_id: str) -> None:
    message = queue_pb2.ExecutionEvent(execution=event)
    assert await broker.publish(execution_event_subject(event.id), message, msg_id)


async def publish_log(broker: Broker, entry: log_pb2.LogEntry, msg_id: str = "") -> None:
    assert await broker.publish(log_subject(entry.execution_id), entry, msg_id or entry.id)


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    """Yield a broker on a JetStream of its own, so that every test starts from empty streams."""
    async with EmbeddedNats(tmp_path / "nats") as server:
        connected = await Broker.connect(server.url)
        await connected.ensure_topology()
        yield connected
        await connected.close()


@pytest.fixture
async def repo(pg_dsn_fresh: str) -> AsyncIterator[Repository]:
    repository = await Repository.connect(pg_dsn_fresh)
    await repository.migrate()
    yield repository
    await repository.close()


@asynccontextmanager
async def running(indexer: Indexer) -> AsyncIterator[Indexer]:
    """Run indexer in the background; stop it on exit and check that it stops promptly."""
    stopping = asyncio.Event()
    task = asyncio.create_task(indexer.run(stopping))
    try:
        yield indexer
    finally:
        stopping.set()
        await asyncio.wait_for(task, timeout=15)


async def test_execution_events_end_at_the_newest_versions(broker: Broker, repo: Repository) -> None:
    changes = {1: [("t1", 1)], 2: [("t0", 0)], 3: [("t1", 1), ("t2", 2)], 4: [("t0", 0)]}
    events = [execution("exec-a", version, runs) for version, runs in changes.items()]
    # Each event twice under distinct message ids, so that JetStream keeps both copies.
    arrivals = [(e, f"{e.id}:{e.version}:{copy}") for e in events for copy in (1, 2)]
    random.Random(3).shuffle(arrivals)

    async with running(Indexer(broker, repo, batch_size=3)):
        for event, msg_id in arrivals:
            await publish_event(broker, event, msg_id)

        async def final() -> execution_pb2.Execution | None:
            stored = await repo.get_execution(TENANT, "exec-a")
            done = stored is not None and stored.version == 4
            return stored if done and [r.version for r in stored.task_runs] == [4, 3, 3] else None

        stored = await eventually(final, what="execution exec-a at version 4")

    assert stored.state == events[-1].state
    assert [run.task_id for run in stored.task_runs] == ["t0", "t1", "t2"]
    assert list(stored.task_runs) == [events[3].task_runs[0], *events[2].task_runs]


async def test_logs_and_flows_are_indexed(broker: Broker, repo: Repository) -> None:
    kv = await broker.kv(FLOWS_BUCKET)
    key = flow_key(TENANT, "company.team", "hello")
    async with running(Indexer(broker, repo)):
        entries = [log_entry(f"log-{i}", "exec-b", i) for i in range(5)]
        for entry in entries:
            await publish_log(broker, entry)
        await publish_log(broker, entries[0], msg_id="again")  # a duplicate past deduplication
        await kv.put(key, flow("company.team", "hello", 1).SerializeToString())
        await kv.put(key, flow("company.team", "hello", 2).SerializeToString())
        await kv.put(flow_key(TENANT, "company", "bye"), flow("company", "bye", 1).SerializeToString())

        async def logs() -> list[log_pb2.LogEntry] | None:
            stored = await repo.list_logs(TENANT, "exec-b")
            return stored if len(stored) == len(entries) else None

        assert await eventually(logs, what="five logs") == entries

        async def two_flows() -> list[flow_pb2.Flow] | None:
            page, total = await repo.list_flows(TENANT)
            return page if total == 2 and page[1].revision == 2 else None

        await eventually(two_flows, what="the flows of the bucket")
        assert await repo.get_flow(TENANT, "company.team", "hello", 1) == flow("company.team", "hello", 1)

        # The api deletes a flow by writing a deleted revision; the bucket's own delete
        # marker that may follow carries nothing to index and must be skipped.
        await kv.put(key, flow("company.team", "hello", 3, deleted=True).SerializeToString())
        await kv.delete(key)

        async def one_flow() -> list[flow_pb2.Flow] | None:
            page, total = await repo.list_flows(TENANT)
            return page if total == 1 else None

        assert await eventually(one_flow, what="the deletion") == [flow("company", "bye", 1)]
        assert await repo.get_flow(TENANT, "company.team", "hello") is None


async def test_bad_messages_are_terminated_and_do_not_block(broker: Broker, repo: Repository) -> None:
    async with running(Indexer(broker, repo)):
        await broker.js.publish(log_subject("exec-c"), b"\xff\xff not protobuf")
        await broker.js.publish(log_subject("exec-c"), log_pb2.LogEntry().SerializeToString())
        # The database refuses a NUL character in text: only that entry is dropped.
        await publish_log(broker, log_entry("bad", "exec-c", 1, task_id="t\x00"))
        await publish_log(broker, log_entry("good", "exec-c", 2))
        await publish_log(broker, log_entry("late", "exec-c", 3))

        async def logs() -> list[str] | None:
            ids = [entry.id for entry in await repo.list_logs(TENANT, "exec-c")]
            return ids if len(ids) == 2 else None

        assert await eventually(logs, what="the good logs") == ["good", "late"]

        async def settled() -> bool:
            info = await broker.js.consumer_info(LOGS_STREAM, "indexer-logs")
            return info.num_ack_pending == 0 and info.num_pending == 0 and info.num_redelivered == 0

        await eventually(settled, what="every log message settled once")


async def test_indexer_survives_a_repository_outage(broker: Broker, pg_data_dir: Path) -> None:
    server = EmbeddedPostgres(pg_data_dir)
    await server.start()
    dsn = server.dsn.rsplit("/", 1)[0] + "/flowmesh"
    await ensure_database(dsn)
    repository = await Repository.connect(dsn)
    await repository.migrate()
    try:
        async with running(Indexer(broker, repository, batch_size=10)) as indexer:
            await publish_log(broker, log_entry("before", "exec-d", 1))

            async def logged(count: int) -> Callable[[], Awaitable[list[str] | None]]:
                async def probe() -> list[str] | None:
                    ids = [entry.id for entry in await repository.list_logs(TENANT, "exec-d")]
                    return ids if len(ids) == count else None

                return probe

            await eventually(await logged(1), what="the first log")
            assert indexer.healthy

            await server.stop()
            for i in range(15):
                await publish_log(broker, log_entry(f"during-{i:02d}", "exec-d", 2 + i))
            await publish_event(broker, execution("exec-d", 1, [("t0", 0)]), "exec-d:1")

            async def unhealthy() -> bool:
                return not indexer.healthy

            await eventually(unhealthy, what="healthy turning False")

            async def held() -> bool:
                info = await broker.js.consumer_info(LOGS_STREAM, "indexer-logs")
                return info.num_ack_pending > 0

            await eventually(held, what="the batch held unacked")

            await server.start()  # same port, same data directory
            ids = await eventually(await logged(16), what="the logs written during the outage")
            assert ids == ["before"] + [f"during-{i:02d}" for i in range(15)]

            async def indexed() -> execution_pb2.Execution | None:
                return await repository.get_execution(TENANT, "exec-d")

            assert (await eventually(indexed, what="the execution")).task_runs[0].task_id == "t0"

            async def healthy() -> bool:
                return indexer.healthy

            await eventually(healthy, what="healthy turning True again")
    finally:
        await repository.close()
        await server.stop()


async def test_stopping_during_an_outage_hands_the_batch_back(broker: Broker, pg_data_dir: Path) -> None:
    server = EmbeddedPostgres(pg_data_dir)
    await server.start()
    repository = await Repository.connect(server.dsn)
    await repository.migrate()
    try:
        indexer = Indexer(broker, repository)
        async with running(indexer):
            await server.stop()
            await publish_log(broker, log_entry("held", "exec-e", 1))

            async def unhealthy() -> bool:
                return not indexer.healthy

            await eventually(unhealthy, what="healthy turning False")
        # running() has checked that run() returned although the batch was never written.

        await server.start()
        async with running(Indexer(broker, repository)):

            async def logged() -> list[log_pb2.LogEntry]:
                return await repository.list_logs(TENANT, "exec-e")

            assert [entry.id for entry in await eventually(logged, what="the log")] == ["held"]
    finally:
        await repository.close()
        await server.stop()


async def test_the_indexer_purges_what_ended_before_the_retention(broker: Broker, repo: Repository) -> None:
    await repo.save_executions([execution("old", 4, [("t0", 0)])])  # ended over a year ago
    await repo.save_logs([log_entry("old-1", "old", 1)])
    retention = Retention(timedelta(days=1), interval=0.1)
    async with running(Indexer(broker, repo, retention=retention)):
        await publish_event(broker, execution("live", 1, [("t0", 0)]), "live:1")  # still running

        async def purged() -> execution_pb2.Execution | None:
            gone = await repo.get_execution(TENANT, "old", allow_deleted=True) is None
            live = await repo.get_execution(TENANT, "live")
            return live if gone and live is not None else None

        await eventually(purged, what="old purged and live indexed")
    assert await repo.list_logs(TENANT, "old") == []


async def test_without_a_retention_the_indexer_keeps_everything(broker: Broker, repo: Repository) -> None:
    await repo.save_executions([execution("old", 4, [("t0", 0)])])
    async with running(Indexer(broker, repo)):
        await publish_event(broker, execution("live", 1, [("t0", 0)]), "live:1")
        await eventually(lambda: repo.get_execution(TENANT, "live"), what="live indexed")
    assert await repo.get_execution(TENANT, "old") is not None
