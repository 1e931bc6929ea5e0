"""Integration tests of the repository against real servers: PostgreSQL, and OpenSearch where one is given."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path

import asyncpg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.embedded import EmbeddedPostgres, free_port
from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import (
    ExecutionQuery,
    InvalidRecord,
    Repository,
    RepositoryBackend,
    RepositoryUnavailable,
    ensure_database,
)

pytestmark = pytest.mark.integration

TENANT = "main"
BASE = 1_760_000_000  # an arbitrary epoch second all test dates count from


def at(seconds: float) -> Timestamp:
    """Return the timestamp `seconds` after BASE."""
    whole = int(seconds)
    return Timestamp(seconds=BASE + whole, nanos=round((seconds - whole) * 1e9))


def state(*steps: tuple[int, float]) -> state_pb2.State:
    """Return a State that went through (state type, seconds after BASE) steps."""
    histories = [state_pb2.StateHistory(state=kind, date=at(when)) for kind, when in steps]
    return state_pb2.State(current=steps[-1][0], histories=histories)


def flow(namespace: str, flow_id: str, revision: int, **fields: object) -> flow_pb2.Flow:
    return flow_pb2.Flow(
        tenant_id=fields.pop("tenant_id", TENANT),  # type: ignore[arg-type]
        namespace=namespace,
        id=flow_id,
        revision=revision,
        source=f"id: {flow_id}\nnamespace: {namespace}\n# r{revision}\n",
        updated=at(revision),
        **fields,  # type: ignore[arg-type]
    )


def task_run(
    execution_id: str, task_id: str, position: int, version: int, kind: int
) -> execution_pb2.TaskRun:
    return execution_pb2.TaskRun(
        id=f"{execution_id}-{task_id}",
        execution_id=execution_id,
        namespace="company.team",
        flow_id="hello",
        task_id=task_id,
        position=position,
        version=version,
        state=state((state_pb2.STATE_TYPE_CREATED, version), (kind, version + 0.5)),
    )


def execution(
    execution_id: str,
    version: int,
    *,
    started: float = 0.0,
    current: int = state_pb2.STATE_TYPE_RUNNING,
    namespace: str = "company.team",
    flow_id: str = "hello",
    task_runs: tuple[execution_pb2.TaskRun, ...] = (),
) -> execution_pb2.Execution:
    return execution_pb2.Execution(
        tenant_id=TENANT,
        id=execution_id,
        namespace=namespace,
        flow_id=flow_id,
        flow_revision=1,
        version=version,
        state=state((state_pb2.STATE_TYPE_CREATED, started), (current, started + version)),
        task_runs=list(task_runs),
    )


def log_entry(
    entry_id: str, execution_id: str, seconds: float, level: int, **fields: str
) -> log_pb2.LogEntry:
    return log_pb2.LogEntry(
        id=entry_id,
        tenant_id=TENANT,
        namespace="company.team",
        flow_id="hello",
        execution_id=execution_id,
        timestamp=at(seconds),
        level=level,  # type: ignore[arg-type]
        message=f"line {entry_id}",
        **fields,
    )


# Migrations and databases


async def _applied(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return [row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")]
    finally:
        await conn.close()


async def test_migrate_twice_applies_each_file_once(pg_dsn_fresh: str) -> None:
    repository = await Repository.connect(pg_dsn_fresh)
    try:
        await repository.migrate()
        await repository.migrate()
    finally:
        await repository.close()
    assert await _applied(pg_dsn_fresh) == ["0001_initial.sql", "0002_search.sql"]


async def test_concurrent_migrations_are_serialised(pg_dsn_fresh: str) -> None:
    repositories = [await Repository.connect(pg_dsn_fresh, max_size=2) for _ in range(4)]
    try:
        await asyncio.gather(*(repository.migrate() for repository in repositories))
        await repositories[0].save_flows([flow("company", "hello", 1)])
        assert await repositories[1].get_flow(TENANT, "company", "hello") is not None
    finally:
        for repository in repositories:
            await repository.close()
    assert await _applied(pg_dsn_fresh) == ["0001_initial.sql", "0002_search.sql"]


async def test_ensure_database_creates_a_missing_database(
    postgres_server: EmbeddedPostgres,
) -> None:
    name = f"t_ensure_{uuid.uuid4().hex[:12]}"
    dsn = postgres_server.dsn.rsplit("/", 1)[0] + "/" + name
    try:
        await ensure_database(dsn)
        await ensure_database(dsn)  # present already: nothing to do
        repository = await Repository.connect(dsn)
        await repository.migrate()
        await repository.close()
    finally:
        admin = await asyncpg.connect(postgres_server.dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_unreachable_server_raises_repository_unavailable() -> None:
    dsn = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(RepositoryUnavailable):
        await Repository.connect(dsn)
    with pytest.raises(RepositoryUnavailable):
        await ensure_database(dsn)


async def test_repository_unavailable_after_the_server_stops(pg_data_dir: Path) -> None:
    server = EmbeddedPostgres(pg_data_dir)
    await server.start()
    repository = await Repository.connect(server.dsn)
    try:
        await repository.migrate()
        await server.stop()
        with pytest.raises(RepositoryUnavailable):
            await repository.save_flows([flow("company", "hello", 1)])
        with pytest.raises(RepositoryUnavailable):
            await repository.list_flows(TENANT)
        await server.start()  # same port, same data directory
        await repository.save_flows([flow("company", "hello", 1)])
        assert await repository.get_flow(TENANT, "company", "hello") is not None
    finally:
        await repository.close()
        await server.stop()


# Flows


async def test_flow_revisions_latest_and_exact(repo: RepositoryBackend) -> None:
    await repo.save_flows([flow("company", "hello", 2), flow("company", "hello", 1)])
    await repo.save_flows([flow("company", "hello", 3)])

    latest = await repo.get_flow(TENANT, "company", "hello")
    assert latest == flow("company", "hello", 3)
    assert await repo.get_flow(TENANT, "company", "hello", 1) == flow("company", "hello", 1)
    assert await repo.get_flow(TENANT, "company", "hello", 9) is None
    assert await repo.get_flow(TENANT, "company", "other") is None
    assert await repo.get_flow("other-tenant", "company", "hello") is None


async def test_saving_a_revision_again_changes_nothing(repo: RepositoryBackend) -> None:
    original = flow("company", "hello", 1)
    await repo.save_flows([original])
    changed = flow("company", "hello", 1, description="rewritten")
    await repo.save_flows([changed, original, changed])
    assert await repo.get_flow(TENANT, "company", "hello") == original


async def test_deleted_flow_is_hidden_until_recreated(repo: RepositoryBackend) -> None:
    await repo.save_flows([flow("company", "hello", 1), flow("company", "hello", 2)])
    await repo.save_flows([flow("company", "hello", 3, deleted=True)])

    assert await repo.get_flow(TENANT, "company", "hello") is None
    deleted = await repo.get_flow(TENANT, "company", "hello", allow_deleted=True)
    assert deleted is not None
    assert deleted.deleted
    assert await repo.get_flow(TENANT, "company", "hello", 2) == flow("company", "hello", 2)
    assert await repo.list_flows(TENANT) == ([], 0)

    await repo.save_flows([flow("company", "hello", 4)])
    assert await repo.list_flows(TENANT) == ([flow("company", "hello", 4)], 1)


async def test_deletion_may_mark_the_last_revision_itself(repo: RepositoryBackend) -> None:
    await repo.save_flows([flow("company", "hello", 1)])
    await repo.save_flows([flow("company", "hello", 1, deleted=True)])
    await repo.save_flows([flow("company", "hello", 1)])  # a late duplicate cannot undo it

    assert await repo.get_flow(TENANT, "company", "hello") is None
    assert await repo.list_flows(TENANT) == ([], 0)


async def test_list_flows_pages_latest_revisions_in_order(repo: RepositoryBackend) -> None:
    names = [("company.team", f"flow{i:02d}") for i in range(7)]
    flows = [flow(ns, name, revision) for ns, name in names for revision in (1, 2)]
    random.Random(7).shuffle(flows)
    await repo.save_flows(flows)

    pages = []
    for offset in range(0, 8, 3):
        page, total = await repo.list_flows(TENANT, offset=offset, limit=3)
        assert total == 7
        pages.extend(page)
    assert pages == [flow(ns, name, 2) for ns, name in names]
    assert await repo.list_flows(TENANT, offset=50) == ([], 7)


async def test_list_flows_namespace_covers_children_only(repo: RepositoryBackend) -> None:
    namespaces = ["company", "company.team", "company.team.sub", "companyx", "company_x"]
    await repo.save_flows([flow(ns, "hello", 1) for ns in namespaces])
    await repo.save_flows([flow("comp_ny.team", "hello", 1), flow("compXny.team", "hello", 1)])

    page, total = await repo.list_flows(TENANT, namespace="company")
    assert [f.namespace for f in page] == ["company", "company.team", "company.team.sub"]
    assert total == 3
    page, total = await repo.list_flows(TENANT, namespace="company.team")
    assert [f.namespace for f in page] == ["company.team", "company.team.sub"]
    # LIKE wildcards in a namespace are taken literally.
    page, _ = await repo.list_flows(TENANT, namespace="comp_ny")
    assert [f.namespace for f in page] == ["comp_ny.team"]


async def test_list_flows_query_matches_id_or_namespace_ignoring_case(repo: RepositoryBackend) -> None:
    await repo.save_flows(
        [
            flow("company.team", "Hello", 1),
            flow("company.marketing", "report", 1),
            flow("other", "team_sync", 1),
            flow("other", "unrelated", 1),
        ]
    )
    page, total = await repo.list_flows(TENANT, query="TEAM")
    assert [(f.namespace, f.id) for f in page] == [
        ("company.team", "Hello"),
        ("other", "team_sync"),
    ]
    assert total == 2
    page, _ = await repo.list_flows(TENANT, namespace="company", query="hell")
    assert [f.id for f in page] == ["Hello"]


async def test_list_flows_keeps_those_whose_latest_revision_has_every_label(repo: RepositoryBackend) -> None:
    def labeled(
        flow_id: str, revision: int, namespace: str = "company.team", deleted: bool = False, **labels: str
    ) -> flow_pb2.Flow:
        pairs = [state_pb2.Label(key=key, value=value) for key, value in labels.items()]
        return flow(namespace, flow_id, revision, labels=pairs, deleted=deleted)

    await repo.save_flows(
        [
            labeled("both", 1, team="data", env="prod"),
            labeled("team-only", 1, team="data"),
            labeled("crossed", 1, team="prod", env="data"),  # each value under the other key
            labeled("elsewhere", 1, namespace="other", team="data"),
            # The label was on an earlier revision only, or only on the latest.
            labeled("dropped", 1, team="data"),
            labeled("dropped", 2),
            labeled("added", 1),
            labeled("added", 2, team="data"),
            labeled("removed", 1, team="data"),
            labeled("removed", 2, deleted=True, team="data"),
        ]
    )

    async def named(*labels: tuple[str, str], namespace: str = "") -> tuple[list[str], int]:
        page, total = await repo.list_flows(TENANT, namespace=namespace, labels=labels)
        return [f.id for f in page], total

    assert await named(("team", "data")) == (["added", "both", "team-only", "elsewhere"], 4)
    assert await named(("team", "data"), ("env", "prod")) == (["both"], 1)
    assert await named(("env", "data")) == (["crossed"], 1)
    assert await named(("team", "data"), namespace="company") == (["added", "both", "team-only"], 3)
    assert await named(("team", "nobody")) == ([], 0)
    page, total = await repo.list_flows(TENANT, labels=[("team", "data")], offset=1, limit=2)
    assert ([f.id for f in page], total) == (["both", "team-only"], 4)


async def test_flows_of_other_tenants_stay_apart(repo: RepositoryBackend) -> None:
    other = flow("company", "hello", 5, tenant_id="t2")
    await repo.save_flows([flow("company", "hello", 1), other])
    assert await repo.get_flow(TENANT, "company", "hello") == flow("company", "hello", 1)
    assert await repo.list_flows("t2") == ([other], 1)


# Executions


def _history(execution_id: str) -> tuple[list[execution_pb2.Execution], execution_pb2.Execution]:
    """Return the events of one execution in order, and what the repository should end with.

    Task runs are created out of position order, and change at various versions.
    """
    changes = {  # version -> (task id, position, state) of the task runs it changes
        1: [("t2", 2, state_pb2.STATE_TYPE_CREATED)],
        2: [("t0", 0, state_pb2.STATE_TYPE_RUNNING), ("t2", 2, state_pb2.STATE_TYPE_RUNNING)],
        3: [("t1", 1, state_pb2.STATE_TYPE_CREATED)],
        4: [("t0", 0, state_pb2.STATE_TYPE_SUCCESS)],
        5: [("t1", 1, state_pb2.STATE_TYPE_FAILED), ("t3", 3, state_pb2.STATE_TYPE_CREATED)],
        6: [],
    }
    events = []
    latest: dict[str, execution_pb2.TaskRun] = {}
    for version, runs in changes.items():
        current = state_pb2.STATE_TYPE_FAILED if version == 6 else state_pb2.STATE_TYPE_RUNNING
        changed = tuple(task_run(execution_id, t, p, version, s) for t, p, s in runs)
        latest.update({run.task_id: run for run in changed})
        events.append(execution(execution_id, version, current=current, task_runs=changed))
    final = execution_pb2.Execution()
    final.CopyFrom(events[-1])
    final.task_runs.extend(sorted(latest.values(), key=lambda run: run.position))
    return events, final


async def test_duplicated_shuffled_events_end_at_the_newest_versions(repo: RepositoryBackend) -> None:
    events, final = _history("exec-1")
    arrivals = events * 3
    random.Random(42).shuffle(arrivals)
    for start in range(0, len(arrivals), 4):
        await repo.save_executions(arrivals[start : start + 4])

    stored = await repo.get_execution(TENANT, "exec-1")
    assert stored == final
    assert [run.task_id for run in final.task_runs] == ["t0", "t1", "t2", "t3"]
    assert [run.version for run in final.task_runs] == [4, 5, 2, 5]


async def test_every_arrival_order_gives_the_same_result(repo: RepositoryBackend) -> None:
    events, final = _history("exec-2")
    await repo.save_executions(list(reversed(events)))
    assert await repo.get_execution(TENANT, "exec-2") == final
    assert await repo.get_execution(TENANT, "missing") is None
    assert await repo.get_execution("other-tenant", "exec-2") is None


async def test_list_executions_newest_first_with_filters(repo: RepositoryBackend) -> None:
    running, failed = state_pb2.STATE_TYPE_RUNNING, state_pb2.STATE_TYPE_FAILED
    rows = [
        execution("e1", 1, started=10, current=running),
        execution("e2", 1, started=30, current=failed),
        execution("e3", 1, started=20, current=running, namespace="company.team.sub"),
        execution("e4", 1, started=20, current=failed, flow_id="other"),
        execution("e5", 1, started=40, current=running, namespace="elsewhere"),
    ]
    rows[0].task_runs.append(task_run("e1", "t0", 0, 1, running))
    await repo.save_executions(rows)

    page, total = await repo.search_executions(TENANT, ExecutionQuery())
    assert [e.id for e in page] == ["e5", "e2", "e4", "e3", "e1"]  # same start: id descending
    assert total == 5
    assert all(not e.task_runs for e in page)

    page, total = await repo.search_executions(
        TENANT, ExecutionQuery(namespace="company.team"), offset=1, limit=2
    )
    assert [e.id for e in page] == ["e4", "e3"]
    assert total == 4
    page, total = await repo.search_executions(
        TENANT, ExecutionQuery(namespace="company.team", flow_id="hello")
    )
    assert [e.id for e in page] == ["e2", "e3", "e1"]
    page, total = await repo.search_executions(TENANT, ExecutionQuery(states=[failed]))
    assert ([e.id for e in page], total) == (["e2", "e4"], 2)
    page, total = await repo.search_executions(TENANT, ExecutionQuery(states=[failed, running]), limit=1)
    assert ([e.id for e in page], total) == (["e5"], 5)


async def test_deleted_execution_leaves_lists_and_gets(repo: RepositoryBackend) -> None:
    await repo.save_executions([execution("e1", 1)])
    deleted = execution("e1", 2)
    deleted.deleted = True
    await repo.save_executions([deleted, execution("e1", 1)])
    assert await repo.get_execution(TENANT, "e1") is None
    assert await repo.get_execution(TENANT, "e1", allow_deleted=True) == deleted
    assert await repo.search_executions(TENANT, ExecutionQuery()) == ([], 0)


# Logs


async def test_logs_are_stored_once_in_time_order(repo: RepositoryBackend) -> None:
    info, warn, error = log_pb2.LEVEL_INFO, log_pb2.LEVEL_WARN, log_pb2.LEVEL_ERROR
    entries = [
        log_entry("b", "e1", 2.0, info, task_id="t0", task_run_id="tr0"),
        log_entry("a", "e1", 2.0, warn, task_id="t1", task_run_id="tr1"),
        log_entry("c", "e1", 1.000000001, error, task_id="t1", task_run_id="tr1"),
        log_entry("d", "e1", 1.0, log_pb2.LEVEL_DEBUG, task_id="t0", task_run_id="tr0"),
        log_entry("x", "e2", 0.5, error),
    ]
    await repo.save_logs(entries + entries[:2])
    await repo.save_logs(list(reversed(entries)))

    stored = await repo.list_logs(TENANT, "e1")
    assert [entry.id for entry in stored] == ["d", "c", "a", "b"]  # nanoseconds count
    assert stored[1] == entries[2]
    warnings = await repo.list_logs(TENANT, "e1", min_level=warn)
    assert [entry.id for entry in warnings] == ["c", "a"]
    assert [e.id for e in await repo.list_logs(TENANT, "e1", task_run_id="tr0")] == ["d", "b"]
    assert [e.id for e in await repo.list_logs(TENANT, "e1", task_id="t1")] == ["c", "a"]
    assert await repo.list_logs("other-tenant", "e1") == []


async def test_a_record_the_database_refuses_raises_invalid_record(repo: RepositoryBackend) -> None:
    postgres = isinstance(repo, Repository)
    if postgres:  # text cannot hold NUL
        bad = log_entry("nul", "e1", 1.0, log_pb2.LEVEL_INFO, task_id="t\x000")
    else:  # a document id is 512 bytes at most
        bad = log_entry("x" * 600, "e1", 1.0, log_pb2.LEVEL_INFO)
    with pytest.raises(InvalidRecord):
        await repo.save_logs([log_entry("ok", "e1", 1.0, log_pb2.LEVEL_INFO), bad])
    if postgres:  # one transaction; an OpenSearch bulk write is not all or nothing
        assert await repo.list_logs(TENANT, "e1") == []
