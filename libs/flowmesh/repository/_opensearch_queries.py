"""Searches of the OpenSearch repository as query DSL: pure functions of what is asked.

They select and order what the SQL of _filters and _stats selects and orders in PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from flowmesh.repository._filters import (
    EXECUTION_SORTS,
    ChildFilter,
    ExecutionQuery,
    LogQuery,
    Sort,
    _nanos,
)
from flowmesh.repository._stats import DailyStats, DurationStats

Query = dict[str, Any]

# Kestra's sort keys for executions and the fields they order by: the columns of PostgreSQL's,
# but a duration is stored, where PostgreSQL computes it.
EXECUTION_SORT_FIELDS = {**EXECUTION_SORTS, "state.duration": "duration"}

# Where buckets of the daily statistics are asked for, page by page.
DAILY_PAGE = 1000


def term(field: str, value: object) -> Query:
    return {"term": {field: value}}


def all_of(filters: Iterable[Query]) -> Query:
    return {"bool": {"filter": list(filters)}}


def any_of(queries: Iterable[Query]) -> Query:
    return {"bool": {"should": list(queries), "minimum_should_match": 1}}


def namespace_filter(namespace: str) -> Query:
    """Match namespace and every namespace below it (a prefix is literal, no wildcards)."""
    return any_of([term("namespace", namespace), {"prefix": {"namespace": namespace + "."}}])


def readable_filter(namespaces: Sequence[str]) -> Query:
    """Match the namespaces given and those below them."""
    return any_of(
        [{"terms": {"namespace": list(namespaces)}}]
        + [{"prefix": {"namespace": namespace + "."}} for namespace in namespaces]
    )


def _range(field: str, **bounds: object) -> Query:
    return {"range": {field: bounds}}


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _substring(fields: Sequence[str], text: str) -> Query:
    """Match text anywhere in one of the keyword fields, any case; * ? and \\ are literal."""
    escaped = re.sub(r"([*?\\])", r"\\\1", text)
    return any_of(
        {"wildcard": {field: {"value": f"*{escaped}*", "case_insensitive": True}}} for field in fields
    )


def _scope(tenant: str, namespace: str, readable: Sequence[str]) -> list[Query]:
    filters = [term("tenant_id", tenant)]
    if namespace:
        filters.append(namespace_filter(namespace))
    if readable:
        filters.append(readable_filter(readable))
    return filters


def label_filters(labels: Sequence[tuple[str, str]]) -> list[Query]:
    """Match documents that have every one of labels: one nested match of key and value each."""
    pairs = [all_of([term("labels.key", key), term("labels.value", value)]) for key, value in labels]
    return [{"nested": {"path": "labels", "query": pair}} for pair in pairs]


def execution_query(tenant: str, query: ExecutionQuery) -> Query:
    """Return the query of an executions search (never the deleted ones)."""
    filters = [*_scope(tenant, query.namespace, query.readable_namespaces), term("deleted", False)]
    if query.flow_id:
        filters.append(term("flow_id", query.flow_id))
    if query.states:
        filters.append({"terms": {"state": [int(state) for state in query.states]}})
    filters.extend(label_filters(query.labels))
    if query.query:
        filters.append(_substring(("id", "namespace", "flow_id"), query.query))
    if query.started_from is not None:
        filters.append(_range("start_date", gte=_date(query.started_from)))
    if query.ended_until is not None:
        filters.append(_range("end_date", lte=_date(query.ended_until)))
    if query.trigger_execution_id:
        filters.append(term("trigger_execution_id", query.trigger_execution_id))
    if query.child is ChildFilter.CHILD:
        filters.append({"bool": {"must_not": [term("trigger_execution_id", "")]}})
    elif query.child is ChildFilter.MAIN:
        filters.append(term("trigger_execution_id", ""))
    return all_of(filters)


def _key(field: str, descending: bool) -> Query:
    # Missing values last when descending and first when ascending, as PostgreSQL's NULLs.
    return {field: {"order": "desc" if descending else "asc", "missing": "_last" if descending else "_first"}}


def execution_sort(sorts: Sequence[Sort]) -> list[Query]:
    """Return the sort of an executions search: newest first unless sorted otherwise; id breaks ties."""
    if not sorts:
        return [_key("start_date", True), _key("id", True)]
    keys = [_key(EXECUTION_SORT_FIELDS[sort.column], sort.descending) for sort in sorts]
    return [*keys, _key("id", sorts[0].descending)]


_OR = re.compile(r"(?i)(?<!\S)or(?!\S)")


def websearch(text: str) -> str:
    """Turn PostgreSQL's websearch syntax ("phrase", -not, or) into simple_query_string's."""
    parts = text.split('"')
    # Outside quotes (the even parts), the word `or` is simple_query_string's `|`.
    return '"'.join(_OR.sub("|", part) if i % 2 == 0 else part for i, part in enumerate(parts))


def log_filters(tenant: str, query: LogQuery) -> list[Query]:
    """Return the filters of a logs search."""
    filters = _scope(tenant, query.namespace, query.readable_namespaces)
    for field in ("flow_id", "execution_id", "task_run_id", "task_id"):
        if value := getattr(query, field):
            filters.append(term(field, value))
    if query.min_level:
        filters.append(_range("level", gte=int(query.min_level)))
    if query.query:
        words = {
            "query": websearch(query.query),
            "fields": ["message"],
            "default_operator": "and",
            # Only what websearch has: no prefix*, fuzzy~, (groups) or slop; those are words.
            "flags": "AND|OR|NOT|PHRASE|WHITESPACE",
        }
        filters.append({"simple_query_string": words})
    if query.since is not None:
        filters.append(_range("timestamp_ns", gte=_nanos(query.since)))
    if query.until is not None:
        filters.append(_range("timestamp_ns", lte=_nanos(query.until)))
    return filters


def log_sort(descending: bool) -> list[Query]:
    order = "desc" if descending else "asc"
    return [{"timestamp_ns": order}, {"id": order}]


def flows_query(
    tenant: str,
    namespace: str,
    text: str,
    readable: Sequence[str] = (),
    labels: Sequence[tuple[str, str]] = (),
) -> Query:
    """Return the query of the latest revisions not deleted, text in their id or namespace, every label."""
    filters = [*_scope(tenant, namespace, readable), term("deleted", False)]
    if text:
        filters.append(_substring(("id", "namespace"), text))
    filters.extend(label_filters(labels))
    return all_of(filters)


def daily_query(
    table: str,
    tenant: str,
    namespace: str,
    flow_id: str,
    start: datetime,
    end: datetime,
    readable: Sequence[str] = (),
) -> Query:
    """Return what a daily statistic counts: what started in [start, end)."""
    filters = _scope(tenant, namespace, readable)
    if table == "executions":
        filters.append(term("deleted", False))
    if flow_id:
        filters.append(term("flow_id", flow_id))
    filters.append(_range("start_date", gte=_date(start), lt=_date(end)))
    return all_of(filters)


def daily_aggregation(*, by_flow: bool, after: Mapping[str, Any] | None = None) -> Query:
    """Return a composite aggregation of one bucket per day (and flow): states and durations."""
    sources: list[Query] = []
    if by_flow:
        sources += [
            {"namespace": {"terms": {"field": "namespace"}}},
            {"flow_id": {"terms": {"field": "flow_id"}}},
        ]
    day = {"date_histogram": {"field": "start_date", "calendar_interval": "1d", "time_zone": "UTC"}}
    sources.append({"day": day})
    composite: Query = {"size": DAILY_PAGE, "sources": sources}
    if after:
        composite["after"] = dict(after)
    ended = {
        "filter": {"exists": {"field": "end_date"}},
        "aggs": {
            "seconds": {"stats": {"field": "duration"}},
            "percentiles": {"percentiles": {"field": "duration", "percents": [50, 95]}},
        },
    }
    return {
        "days": {
            "composite": composite,
            "aggs": {"states": {"terms": {"field": "state", "size": 100}}, "ended": ended},
        }
    }


def daily_stats(buckets: Iterable[Mapping[str, Any]]) -> list[DailyStats]:
    """Return the DailyStats of the buckets of daily_aggregation."""
    found = []
    for bucket in buckets:
        key = bucket["key"]
        day = DailyStats(
            day=datetime.fromtimestamp(key["day"] / 1000, UTC),
            namespace=key.get("namespace", ""),
            flow_id=key.get("flow_id", ""),
            counts={int(state["key"]): int(state["doc_count"]) for state in bucket["states"]["buckets"]},
        )
        ended = bucket["ended"]
        if ended["doc_count"]:
            seconds, percentiles = ended["seconds"], ended["percentiles"]["values"]
            day.duration = DurationStats(
                count=int(ended["doc_count"]),
                min=float(seconds["min"]),
                avg=float(seconds["avg"]),
                max=float(seconds["max"]),
                sum=float(seconds["sum"]),
                p50=float(percentiles["50.0"]),
                p95=float(percentiles["95.0"]),
            )
        found.append(day)
    return found


def latest_body(tenant: str, flows: Sequence[tuple[str, str]]) -> Query:
    """Return the search of the newest execution of each (namespace, flow id)."""
    wanted = any_of(all_of([term("namespace", ns), term("flow_id", flow_id)]) for ns, flow_id in flows)
    newest = {
        "top_hits": {"size": 1, "sort": execution_sort(()), "_source": ["value"]},
    }
    size = len(flows)
    return {
        "size": 0,
        "query": all_of([term("tenant_id", tenant), term("deleted", False), wanted]),
        "aggs": {
            "namespaces": {
                "terms": {"field": "namespace", "size": size, "order": {"_key": "asc"}},
                "aggs": {
                    "flows": {
                        "terms": {"field": "flow_id", "size": size, "order": {"_key": "asc"}},
                        "aggs": {"newest": newest},
                    }
                },
            }
        },
    }


def latest_sources(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the _source of each flow's newest execution in the answer to latest_body."""
    return [
        flow["newest"]["hits"]["hits"][0]["_source"]
        for namespace in response["aggregations"]["namespaces"]["buckets"]
        for flow in namespace["flows"]["buckets"]
    ]


def executions_of(pairs: Iterable[tuple[str, str]]) -> Query:
    """Return the query of the task runs or logs of the (tenant, execution id) pairs."""
    by_tenant: dict[str, list[str]] = {}
    for tenant, execution_id in pairs:
        by_tenant.setdefault(tenant, []).append(execution_id)
    return any_of(
        all_of([term("tenant_id", tenant), {"terms": {"execution_id": ids}}])
        for tenant, ids in by_tenant.items()
    )
