"""The OpenSearch repository's queries, checked on what they select from documents it makes."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import ChildFilter, ExecutionQuery, LogQuery, Sort
from flowmesh.repository import _opensearch_queries as q
from flowmesh.repository._opensearch_docs import (
    decode,
    doc_id,
    execution_doc,
    flow_doc,
    flow_versions,
    log_doc,
    task_run_doc,
)
from tests.integration.test_repository_search import DAY, TENANT, at
from tests.integration.test_repository_search import execution as integration_execution
from tests.unit.repository.dsl import matches, ordered, select

S = state_pb2


def execution(
    execution_id: str, *, tenant: str = TENANT, deleted: bool = False, **fields: Any
) -> execution_pb2.Execution:
    """The executions of the integration tests, of any tenant, deleted or not."""
    made = integration_execution(execution_id, **fields)
    made.tenant_id, made.deleted = tenant, deleted
    return made


EXECUTIONS = [
    execution_doc(e)
    for e in [
        execution("alpha-1", labels={"team": "data", "env": "prod"}),
        execution("alpha-2", current=S.STATE_TYPE_FAILED, started=DAY + timedelta(days=1), seconds=30),
        execution("beta-1", namespace="company.team.sub", flow_id="other", labels={"team": "ops"}),
        execution("gamma-1", namespace="elsewhere", current=S.STATE_TYPE_RUNNING, parent="alpha-1"),
        execution("x*y?1", namespace="companyx", started=DAY - timedelta(days=1)),
        execution("gone-1", deleted=True),
        execution("theirs-1", tenant="other"),
    ]
]


def ids(**filters: Any) -> list[str]:
    query = ExecutionQuery(**filters)
    return select(EXECUTIONS, q.execution_query(TENANT, query), q.execution_sort(query.sort))


def test_each_execution_filter_selects_what_it_names() -> None:
    assert ids() == ["alpha-2", "gamma-1", "beta-1", "alpha-1", "x*y?1"]  # no deleted, no other tenant
    assert ids(states=[S.STATE_TYPE_FAILED, S.STATE_TYPE_RUNNING]) == ["alpha-2", "gamma-1"]
    assert ids(namespace="company.team") == ["alpha-2", "beta-1", "alpha-1"]
    assert ids(namespace="company") == ["alpha-2", "beta-1", "alpha-1"]  # not companyx
    assert ids(namespace="company.team", flow_id="other") == ["beta-1"]
    assert ids(labels=[("team", "data")]) == ["alpha-1"]
    assert ids(labels=[("team", "data"), ("env", "prod")]) == ["alpha-1"]
    assert ids(labels=[("team", "data"), ("env", "ops")]) == []
    assert ids(labels=[("team", "prod")]) == []  # a key and a value of different labels
    assert ids(query="ALPHA") == ["alpha-2", "alpha-1"]
    assert ids(query="team.s") == ["beta-1"]  # the namespace
    assert ids(query="OTHER") == ["beta-1"]  # the flow id
    assert ids(query="*") == ["x*y?1"]  # wildcards are literal
    assert ids(query="y?") == ["x*y?1"]
    assert ids(query="a?p") == []
    assert ids(started_from=DAY + timedelta(hours=1)) == ["alpha-2"]
    assert ids(ended_until=DAY + timedelta(seconds=10)) == ["beta-1", "alpha-1", "x*y?1"]
    assert ids(trigger_execution_id="alpha-1") == ["gamma-1"]
    assert ids(child=ChildFilter.CHILD) == ["gamma-1"]
    assert "gamma-1" not in ids(child=ChildFilter.MAIN)
    assert len(ids(child=ChildFilter.MAIN)) == 4


def test_readable_namespaces_are_those_named_and_below() -> None:
    assert ids(readable_namespaces=("company.team",)) == ["alpha-2", "beta-1", "alpha-1"]
    assert ids(readable_namespaces=("company",)) == ["alpha-2", "beta-1", "alpha-1"]
    assert ids(readable_namespaces=("elsewhere", "company.team.sub")) == ["gamma-1", "beta-1"]
    assert ids(readable_namespaces=("company.team.sub",), namespace="company") == ["beta-1"]
    assert ids(readable_namespaces=("compan",)) == []
    assert len(ids(readable_namespaces=())) == 5  # empty: no restriction


def test_execution_sorts_put_missing_values_where_postgresql_puts_nulls() -> None:
    # gamma-1 is RUNNING: no end date, no duration.
    assert ids(sort=[Sort("state.duration", True)]) == ["alpha-2", "x*y?1", "beta-1", "alpha-1", "gamma-1"]
    assert ids(sort=[Sort("state.duration", False)])[0] == "gamma-1"
    assert ids(sort=[Sort("state.endDate", False), Sort("id", True)])[:2] == ["gamma-1", "x*y?1"]
    assert ids(sort=[Sort("namespace", False)]) == ["alpha-1", "alpha-2", "beta-1", "x*y?1", "gamma-1"]
    assert ids(sort=[Sort("state.current", True)])[0] == "alpha-2"  # FAILED is the highest state here
    assert q.execution_sort([Sort("flowId", False)])[-1] == {"id": {"order": "asc", "missing": "_first"}}


def entry(
    entry_id: str, message: str, *, minute: float = 0, level: int = log_pb2.LEVEL_INFO, **fields: Any
) -> log_pb2.LogEntry:
    fields.setdefault("namespace", "company.team")
    fields.setdefault("execution_id", "alpha-1")
    return log_pb2.LogEntry(
        id=entry_id,
        tenant_id=fields.pop("tenant_id", TENANT),
        flow_id="hello",
        timestamp=at(DAY + timedelta(minutes=minute)),
        level=level,  # type: ignore[arg-type]
        message=message,
        **fields,
    )


LOGS = [
    log_doc(e)
    for e in [
        entry("1", "Connecting to the warehouse", minute=1, task_run_id="tr1", task_id="t1"),
        entry("2", "warehouse refused the connection", minute=2, level=log_pb2.LEVEL_ERROR),
        entry("3", "all good", minute=3, execution_id="alpha-2"),
        entry("4", "an orange warehouse", minute=4, namespace="company.team.sub"),
        entry("5", "same millisecond, later nanosecond", minute=4.0000001, namespace="elsewhere"),
        entry("6", "warehouse of another tenant", tenant_id="other"),
    ]
]


def found(**filters: Any) -> list[str]:
    query = LogQuery(**filters)
    return select(LOGS, q.all_of(q.log_filters(TENANT, query)), q.log_sort(query.descending))


def test_each_log_filter_selects_what_it_names() -> None:
    assert found() == ["5", "4", "3", "2", "1"]  # nanoseconds count; not the other tenant's
    assert found(descending=False) == ["1", "2", "3", "4", "5"]
    assert found(min_level=log_pb2.LEVEL_ERROR) == ["2"]
    assert found(execution_id="alpha-2") == ["3"]
    assert found(task_run_id="tr1") == found(task_id="t1") == ["1"]
    assert found(namespace="company.team") == ["4", "3", "2", "1"]
    assert found(readable_namespaces=("elsewhere", "company.team.sub")) == ["5", "4"]
    assert found(since=DAY + timedelta(minutes=2), until=DAY + timedelta(minutes=4)) == ["4", "3", "2"]


def test_log_words_follow_websearch() -> None:
    assert found(query="warehouse") == ["4", "2", "1"]
    assert found(query='"refused the"') == ["2"]
    assert found(query='"the refused"') == []
    assert found(query="warehouse -refused") == ["4", "1"]
    assert found(query="good or refused") == ["3", "2"]
    assert found(query="orange") == ["4"]  # `or` inside a word is a word


def test_websearch_keeps_or_inside_quotes_and_words() -> None:
    assert q.websearch('a OR b "c or d" orange') == 'a | b "c or d" orange'


def test_latest_flow_revisions_not_deleted_by_text() -> None:
    flows = [
        flow_doc(flow_pb2.Flow(tenant_id=TENANT, namespace=ns, id=flow_id, deleted=deleted))
        for ns, flow_id, deleted in [
            ("company.team", "Hello", False),
            ("company.marketing", "report", False),
            ("other", "team_sync", False),
            ("other", "unrelated", False),
            ("company.team", "removed", True),
        ]
    ]

    def named(namespace: str = "", text: str = "", readable: tuple[str, ...] = ()) -> list[str]:
        query = q.flows_query(TENANT, namespace, text, readable)
        return select(flows, query, [{"namespace": "asc"}, {"id": "asc"}])

    assert named() == ["report", "Hello", "team_sync", "unrelated"]
    assert named(text="TEAM") == ["Hello", "team_sync"]
    assert named(namespace="company", text="hell") == ["Hello"]
    assert named(text="_") == ["team_sync"]
    assert named(readable=("company.team", "other")) == ["Hello", "team_sync", "unrelated"]


def test_latest_flow_revisions_with_every_label() -> None:
    def labeled(flow_id: str, namespace: str = "company.team", **labels: str) -> dict[str, Any]:
        pairs = [state_pb2.Label(key=key, value=value) for key, value in labels.items()]
        return flow_doc(flow_pb2.Flow(tenant_id=TENANT, namespace=namespace, id=flow_id, labels=pairs))

    flows = [
        labeled("both", team="data", env="prod"),
        labeled("team-only", team="data"),
        labeled("crossed", team="prod", env="data"),  # each value under the other key
        labeled("bare"),
        labeled("elsewhere", namespace="other", team="data"),
    ]

    def named(*labels: tuple[str, str], namespace: str = "") -> list[str]:
        query = q.flows_query(TENANT, namespace, "", (), labels)
        return select(flows, query, [{"namespace": "asc"}, {"id": "asc"}])

    assert named(("team", "data")) == ["both", "team-only", "elsewhere"]
    assert named(("team", "data"), ("env", "prod")) == ["both"]
    assert named(("team", "data"), namespace="company") == ["both", "team-only"]
    assert named(("env", "data")) == ["crossed"]
    assert named(("team", "nobody")) == []
    assert len(named()) == 5


def test_flow_versions_keep_what_postgresql_keeps() -> None:
    """Applied with external versions in any order, saves end where PostgreSQL's upsert ends."""

    def flow(revision: int, deleted: bool = False) -> flow_pb2.Flow:
        return flow_pb2.Flow(
            namespace="n", id="f", revision=revision, deleted=deleted, description=str(random.random())
        )

    saves = [flow(1), flow(2), flow(2, True), flow(1, True), flow(1), flow(2)]
    for seed in range(20):
        random.Random(seed).shuffle(saves)
        revisions: dict[int, tuple[int, flow_pb2.Flow]] = {}
        latest: tuple[int, flow_pb2.Flow] | None = None
        for save in saves:
            of_revision, of_latest = flow_versions(save)
            if save.revision not in revisions or revisions[save.revision][0] < of_revision:
                revisions[save.revision] = (of_revision, save)
            if latest is None or latest[0] < of_latest:
                latest = (of_latest, save)
        assert latest is not None
        assert (latest[1].revision, latest[1].deleted) == (2, True)
        assert all(kept.deleted for _, kept in revisions.values())  # a deletion is never undone


def test_daily_statistics_select_what_started_in_the_range() -> None:
    def started(
        table: str,
        docs: list[dict[str, Any]],
        namespace: str = "",
        flow_id: str = "",
        readable: tuple[str, ...] = (),
    ) -> list[str]:
        end = DAY + timedelta(days=1)
        return select(docs, q.daily_query(table, TENANT, namespace, flow_id, DAY, end, readable))

    # Not alpha-2 (the next day), x*y?1 (the day before), the deleted one or the other tenant's.
    assert started("executions", EXECUTIONS) == ["alpha-1", "beta-1", "gamma-1"]
    assert started("executions", EXECUTIONS, namespace="company") == ["alpha-1", "beta-1"]
    assert started("executions", EXECUTIONS, flow_id="other") == ["beta-1"]
    assert started("executions", EXECUTIONS, readable=("company.team.sub", "elsewhere")) == [
        "beta-1",
        "gamma-1",
    ]
    made = [execution(e) for e in ("alpha-1", "beta-1")] + [execution("gone-1", deleted=True)]
    runs = [task_run_doc(e, execution_pb2.TaskRun(id=e.id, state=e.state)) for e in made]
    assert started("task_runs", runs) == ["alpha-1", "beta-1", "gone-1"]  # task runs have no deleted flag


def test_daily_stats_fold_composite_buckets() -> None:
    bucket = {
        "key": {"namespace": "company.team", "flow_id": "hello", "day": int(DAY.timestamp() * 1000)},
        "doc_count": 3,
        "states": {
            "buckets": [
                {"key": S.STATE_TYPE_SUCCESS, "doc_count": 2},
                {"key": S.STATE_TYPE_RUNNING, "doc_count": 1},
            ]
        },
        "ended": {
            "doc_count": 2,
            "seconds": {"count": 2, "min": 10.0, "max": 10.0, "avg": 10.0, "sum": 20.0},
            "percentiles": {"values": {"50.0": 10.0, "95.0": 10.0}},
        },
    }
    running = {
        **bucket,
        "states": {"buckets": []},
        "ended": {"doc_count": 0, "seconds": {}, "percentiles": {}},
    }
    (day, later) = q.daily_stats([bucket, running])
    assert (day.day, day.namespace, day.flow_id) == (DAY, "company.team", "hello")
    assert day.counts == {S.STATE_TYPE_SUCCESS: 2, S.STATE_TYPE_RUNNING: 1}
    assert (day.duration.count, day.duration.sum, day.duration.p95) == (2, 20.0, 10.0)
    assert later.duration.count == 0


def test_latest_executions_look_at_the_flows_asked_only() -> None:
    body = q.latest_body(TENANT, [("company.team", "hello"), ("elsewhere", "other")])
    assert select(EXECUTIONS, body["query"]) == ["alpha-1", "alpha-2"]
    newest = body["aggs"]["namespaces"]["aggs"]["flows"]["aggs"]["newest"]["top_hits"]
    chosen = ordered([d for d in EXECUTIONS if matches(body["query"], d)], newest["sort"])[0]
    assert chosen["id"] == "alpha-2"


def test_executions_of_pairs_each_tenant_with_its_executions() -> None:
    docs = [{"id": f"{t}/{e}", "tenant_id": t, "execution_id": e} for t in ("a", "b") for e in ("1", "2")]
    assert select(docs, q.executions_of([("a", "1"), ("b", "2"), ("a", "2")])) == ["a/1", "a/2", "b/2"]


def test_documents_keep_the_record_and_what_is_filtered_on() -> None:
    original = execution("alpha-1", seconds=12.5)
    doc = execution_doc(original)
    header = decode(doc, execution_pb2.Execution())
    assert not header.task_runs
    header.task_runs.extend(original.task_runs)
    assert header == original
    assert doc["duration"] == pytest.approx(12.5)
    assert doc_id("a/b", "c") != doc_id("a", "b/c")
