"""The repository's searches, statistics and retention purge against each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_pb2
from flowmesh.indexer import Retention, purge_once
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import (
    ChildFilter,
    ExecutionQuery,
    LogQuery,
    Repository,
    RepositoryBackend,
    Sort,
)
from flowmesh.repository._filters import execution_conditions
from flowmesh.repository._sql import Where

pytestmark = pytest.mark.integration

TENANT = "main"
DAY = datetime(2026, 3, 1, tzinfo=UTC)
S = state_pb2


def at(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def execution(
    execution_id: str,
    *,
    current: int = S.STATE_TYPE_SUCCESS,
    namespace: str = "company.team",
    flow_id: str = "hello",
    started: datetime = DAY,
    seconds: float = 10.0,
    labels: dict[str, str] | None = None,
    parent: str = "",
) -> execution_pb2.Execution:
    histories = [S.StateHistory(state=S.STATE_TYPE_CREATED, date=at(started))]
    histories.append(S.StateHistory(state=current, date=at(started + timedelta(seconds=seconds))))
    trigger = execution_pb2.ExecutionTrigger()
    if parent:
        variables = Struct()
        variables.update({"executionId": parent})
        trigger = execution_pb2.ExecutionTrigger(
            id="sub", type="io.kestra.plugin.core.flow.Subflow", variables=variables
        )
    return execution_pb2.Execution(
        tenant_id=TENANT,
        id=execution_id,
        namespace=namespace,
        flow_id=flow_id,
        flow_revision=1,
        version=1,
        state=S.State(current=current, histories=histories),
        labels=[S.Label(key=k, value=v) for k, v in (labels or {}).items()],
        trigger=trigger,
        task_runs=[
            execution_pb2.TaskRun(
                id=f"{execution_id}-t",
                task_id="t",
                state=S.State(current=current, histories=histories),
            )
        ],
    )


def entry(
    entry_id: str, execution_id: str, message: str, *, level: int = log_pb2.LEVEL_INFO, minute: int = 0
) -> log_pb2.LogEntry:
    return log_pb2.LogEntry(
        id=entry_id,
        tenant_id=TENANT,
        namespace="company.team",
        flow_id="hello",
        execution_id=execution_id,
        task_run_id=f"{execution_id}-t",
        attempt_number=1,
        timestamp=at(DAY + timedelta(minutes=minute)),
        level=level,  # type: ignore[arg-type]
        message=message,
    )


@pytest.fixture
async def repo(repo: RepositoryBackend) -> RepositoryBackend:
    """The repository of each backend (tests/integration/conftest.py), with four executions."""
    await repo.save_executions(
        [
            execution("alpha-1", labels={"team": "data", "env": "prod"}),
            execution("alpha-2", current=S.STATE_TYPE_FAILED, started=DAY + timedelta(days=1), seconds=30),
            execution("beta-1", namespace="company.team.sub", flow_id="other", labels={"team": "ops"}),
            execution("gamma-1", namespace="elsewhere", current=S.STATE_TYPE_RUNNING, parent="alpha-1"),
        ]
    )
    return repo


async def ids(repo: RepositoryBackend, **filters: object) -> list[str]:
    found, total = await repo.search_executions(TENANT, ExecutionQuery(**filters))  # type: ignore[arg-type]
    assert total == len(found)
    return [e.id for e in found]


async def test_each_execution_filter_selects_what_it_names(repo: RepositoryBackend) -> None:
    assert await ids(repo) == ["alpha-2", "gamma-1", "beta-1", "alpha-1"]  # newest first, then id desc
    assert await ids(repo, states=[S.STATE_TYPE_FAILED]) == ["alpha-2"]
    assert await ids(repo, namespace="company.team") == ["alpha-2", "beta-1", "alpha-1"]
    assert await ids(repo, namespace="company.team", flow_id="other") == ["beta-1"]
    assert await ids(repo, labels=[("team", "data")]) == ["alpha-1"]
    assert await ids(repo, labels=[("team", "data"), ("env", "dev")]) == []
    assert await ids(repo, query="ALPHA") == ["alpha-2", "alpha-1"]
    assert await ids(repo, query="sub") == ["beta-1"]  # the namespace
    assert await ids(repo, query="100%") == []  # LIKE's wildcards are literal
    assert await ids(repo, started_from=DAY + timedelta(hours=1)) == ["alpha-2"]
    assert await ids(repo, ended_until=DAY + timedelta(minutes=1)) == ["beta-1", "alpha-1"]
    assert await ids(repo, trigger_execution_id="alpha-1") == ["gamma-1"]
    assert await ids(repo, child=ChildFilter.CHILD) == ["gamma-1"]
    assert "gamma-1" not in await ids(repo, child=ChildFilter.MAIN)


async def test_readable_namespaces_keep_those_and_their_children_only(repo: RepositoryBackend) -> None:
    assert await ids(repo, readable_namespaces=("company.team.sub",)) == ["beta-1"]
    assert await ids(repo, readable_namespaces=("elsewhere", "company.team.sub")) == ["gamma-1", "beta-1"]
    # A namespace is matched whole: `company` covers `company.team`, `company.te` nothing.
    assert await ids(repo, readable_namespaces=("company",)) == ["alpha-2", "beta-1", "alpha-1"]
    assert await ids(repo, readable_namespaces=("company.te", "company_team")) == []
    assert await ids(repo, namespace="company", readable_namespaces=("elsewhere",)) == []
    await repo.save_logs([entry("1", "alpha-1", "mine")])
    found, _ = await repo.search_logs(TENANT, LogQuery(readable_namespaces=("company",)))
    assert [e.id for e in found] == ["1"]
    assert (await repo.search_logs(TENANT, LogQuery(readable_namespaces=("elsewhere",))))[1] == 0
    days = await repo.daily_statistics(
        TENANT, "executions", start=DAY, end=DAY + timedelta(days=2), readable_namespaces=("elsewhere",)
    )
    assert [d.counts for d in days if d.counts] == [{S.STATE_TYPE_RUNNING: 1}]


async def test_readable_namespaces_are_searched_through_the_postgresql_namespace_index(
    pg_dsn_fresh: str,
) -> None:
    repository = await Repository.connect(pg_dsn_fresh)
    await repository.migrate()
    try:
        await repository.save_executions(
            [execution(f"e-{n}", namespace=f"ns{n % 50}.team") for n in range(2000)]
        )
        async with repository._pool.acquire() as conn:
            await conn.execute("ANALYZE executions")
            where = Where(TENANT)
            execution_conditions(where, ExecutionQuery(readable_namespaces=("ns1", "ns2")))
            plan = "\n".join(
                row[0] for row in await conn.fetch("EXPLAIN " + where.count("executions"), *where.args)
            )
    finally:
        await repository.close()
    assert "executions_namespace_prefix" in plan, plan
    assert "Seq Scan" not in plan, plan


async def test_executions_sort_and_page(repo: RepositoryBackend) -> None:
    by_duration = await ids(repo, sort=[Sort("state.duration", True)])
    assert by_duration[0] == "alpha-2"
    page, total = await repo.search_executions(
        TENANT, ExecutionQuery(sort=[Sort("id", False)]), offset=1, limit=2
    )
    assert [e.id for e in page] == ["alpha-2", "beta-1"]
    assert total == 4


async def test_logs_full_text_level_and_time(repo: RepositoryBackend) -> None:
    await repo.save_logs(
        [
            entry("1", "alpha-1", "Connecting to the warehouse", minute=1),
            entry("2", "alpha-1", "warehouse refused the connection", level=log_pb2.LEVEL_ERROR, minute=2),
            entry("3", "alpha-2", "all good", minute=3),
            entry("4", "alpha-2", "bad\x00byte in warehouse", minute=4),
        ]
    )

    async def found(**filters: object) -> list[str]:
        entries, total = await repo.search_logs(TENANT, LogQuery(**filters))  # type: ignore[arg-type]
        assert total == len(entries)
        return [e.id for e in entries]

    assert await found(query="warehouse") == ["4", "2", "1"]
    assert await found(query='"refused the"') == ["2"]
    assert await found(query="warehouse -refused") == ["4", "1"]
    assert await found(min_level=log_pb2.LEVEL_ERROR) == ["2"]
    assert await found(execution_id="alpha-2", descending=False) == ["3", "4"]
    assert await found(since=DAY + timedelta(minutes=2), until=DAY + timedelta(minutes=3)) == ["3", "2"]
    assert await found(namespace="elsewhere") == []

    assert await repo.delete_logs(TENANT, LogQuery(execution_id="alpha-1", min_level=log_pb2.LEVEL_WARN)) == 1
    assert [e.id for e in await repo.list_logs(TENANT, "alpha-1")] == ["1"]
    assert await repo.delete_flow_logs(TENANT, "company.team", "hello", trigger_id="no-such-trigger") == 0
    assert await repo.delete_flow_logs(TENANT, "company.team", "hello") == 3


async def test_daily_statistics_count_states_and_durations(repo: RepositoryBackend) -> None:
    days = await repo.daily_statistics(TENANT, "executions", start=DAY, end=DAY + timedelta(days=2))
    first, second = days
    assert first.day == DAY
    assert first.counts == {S.STATE_TYPE_SUCCESS: 2, S.STATE_TYPE_RUNNING: 1}
    assert first.duration.count == 2  # the RUNNING one has not ended
    assert first.duration.sum == pytest.approx(20.0)
    assert second.counts == {S.STATE_TYPE_FAILED: 1}
    assert second.duration.p95 == pytest.approx(30.0)
    runs = await repo.daily_statistics(TENANT, "task_runs", start=DAY, end=DAY + timedelta(days=1))
    assert runs[0].counts == first.counts
    grouped = await repo.daily_statistics(
        TENANT, "executions", start=DAY, end=DAY + timedelta(days=2), namespace="company", by_flow=True
    )
    assert {(d.namespace, d.flow_id, d.day) for d in grouped} == {
        ("company.team", "hello", DAY),
        ("company.team", "hello", DAY + timedelta(days=1)),
        ("company.team.sub", "other", DAY),
    }


async def test_latest_execution_of_each_flow(repo: RepositoryBackend) -> None:
    latest = await repo.latest_executions(TENANT, [("company.team", "hello"), ("nowhere", "none")])
    assert [e.id for e in latest] == ["alpha-2"]


async def test_purge_removes_ended_executions_with_their_runs_and_logs(repo: RepositoryBackend) -> None:
    await repo.save_logs([entry("1", "alpha-1", "old"), entry("2", "gamma-1", "still running")])
    # Everything ended before DAY + 1 day; alpha-2 ended later and gamma-1 has not ended.
    keep = datetime.now(UTC) - (DAY + timedelta(hours=12))
    assert await purge_once(repo, Retention(keep, 3600)) == 2
    assert sorted(await ids(repo)) == ["alpha-2", "gamma-1"]
    assert await repo.get_execution(TENANT, "alpha-1", allow_deleted=True) is None
    assert await repo.list_logs(TENANT, "alpha-1") == []
    assert [e.id for e in await repo.list_logs(TENANT, "gamma-1")] == ["2"]
    runs = await repo.daily_statistics(TENANT, "task_runs", start=DAY, end=DAY + timedelta(days=1))
    assert runs[0].counts == {S.STATE_TYPE_RUNNING: 1}
    assert await purge_once(repo, Retention(keep, 3600)) == 0
