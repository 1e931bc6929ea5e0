"""What a search of executions or logs asks for, and the SQL conditions and order it makes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from flowmesh.repository._sql import Where


class ChildFilter(Enum):
    """Kestra's childFilter: executions started by another one (CHILD), or the others (MAIN)."""

    ALL = "ALL"
    CHILD = "CHILD"
    MAIN = "MAIN"


@dataclass(frozen=True)
class Sort:
    """One sort key: a column name from a whitelist, and its direction."""

    column: str
    descending: bool


@dataclass(frozen=True)
class ExecutionQuery:
    """Filters of an executions search; every one given must hold."""

    namespace: str = ""  # this namespace and those below it
    flow_id: str = ""
    states: Sequence[int] = ()
    labels: Sequence[tuple[str, str]] = ()  # (key, value), each present
    query: str = ""  # a substring of the id, namespace or flow id, any case
    started_from: datetime | None = None  # start date at or after
    ended_until: datetime | None = None  # end date at or before
    trigger_execution_id: str = ""
    child: ChildFilter = ChildFilter.ALL
    sort: Sequence[Sort] = ()
    readable_namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogQuery:
    """Filters of a logs search; every one given must hold."""

    namespace: str = ""  # this namespace and those below it
    flow_id: str = ""
    execution_id: str = ""
    task_run_id: str = ""
    task_id: str = ""
    min_level: int = 0
    query: str = ""  # words of the message (websearch syntax: "quoted phrase", -not, or)
    since: datetime | None = None
    until: datetime | None = None
    descending: bool = True  # newest first
    readable_namespaces: tuple[str, ...] = ()


# Kestra's sort keys for executions and the expressions they order by.
EXECUTION_SORTS = {
    "id": "id",
    "namespace": "namespace",
    "flowId": "flow_id",
    "flowRevision": "flow_revision",
    "state.current": "state",
    "state.startDate": "start_date",
    "state.endDate": "end_date",
    "state.duration": "(end_date - start_date)",
}
LOG_SORTS = frozenset({"timestamp"})


def parse_sort(texts: Sequence[str], allowed: Sequence[str]) -> list[Sort]:
    """Parse Kestra's `field:asc|desc` sort keys; raise ValueError naming a key not allowed."""
    sorts = []
    for text in texts:
        name, _, direction = text.partition(":")
        direction = direction.lower() or "asc"
        if name not in allowed or direction not in ("asc", "desc"):
            raise ValueError(f"cannot sort by {text!r}: use one of {', '.join(allowed)} with :asc or :desc")
        sorts.append(Sort(name, direction == "desc"))
    return sorts


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def add_labels(where: Where, labels: Sequence[tuple[str, str]]) -> None:
    """Match the rows whose labels column holds every one of labels (no condition when none)."""
    if labels:
        # One containment of every label: one look-up of a GIN index, one estimate.
        wanted = [{"key": key, "value": value} for key, value in labels]
        where.add("labels @> {0}::jsonb", json.dumps(wanted))


def execution_conditions(where: Where, query: ExecutionQuery) -> None:
    """Add the conditions of query to where (the tenant is $1)."""
    where.add("tenant_id = $1 AND NOT deleted")
    where.namespace(query.namespace)
    where.within(query.readable_namespaces)
    if query.flow_id:
        where.add("flow_id = {0}", query.flow_id)
    if query.states:
        where.add("state = ANY({0}::integer[])", [int(state) for state in query.states])
    add_labels(where, query.labels)
    if query.query:
        where.add("(id || ' ' || namespace || ' ' || flow_id) ILIKE {0}", f"%{_like(query.query)}%")
    if query.started_from is not None:
        where.add("start_date >= {0}", query.started_from)
    if query.ended_until is not None:
        where.add("end_date <= {0}", query.ended_until)
    if query.trigger_execution_id:
        where.add("trigger_execution_id = {0}", query.trigger_execution_id)
    if query.child is ChildFilter.CHILD:
        where.add("trigger_execution_id <> ''")
    elif query.child is ChildFilter.MAIN:
        where.add("trigger_execution_id = ''")


def execution_order(sorts: Sequence[Sort]) -> str:
    """Return the ORDER BY of an executions search: newest first unless sorted otherwise."""
    if not sorts:
        return " ORDER BY start_date DESC NULLS LAST, id DESC"
    # NULLS LAST descending and NULLS FIRST ascending, the id in the first key's direction:
    # the order of the indexes, read forwards or backwards.
    keys = [
        f"{EXECUTION_SORTS[s.column]} {'DESC NULLS LAST' if s.descending else 'ASC NULLS FIRST'}"
        for s in sorts
    ]
    return " ORDER BY " + ", ".join([*keys, "id DESC" if sorts[0].descending else "id"])


def log_conditions(where: Where, query: LogQuery) -> None:
    """Add the conditions of query to where (the tenant is $1)."""
    where.add("tenant_id = $1")
    where.namespace(query.namespace)
    where.within(query.readable_namespaces)
    if query.flow_id:
        where.add("flow_id = {0}", query.flow_id)
    if query.execution_id:
        where.add("execution_id = {0}", query.execution_id)
    if query.task_run_id:
        where.add("task_run_id = {0}", query.task_run_id)
    if query.task_id:
        where.add("task_id = {0}", query.task_id)
    if query.min_level:
        where.add("level >= {0}", int(query.min_level))
    if query.query:
        where.add("message_search @@ websearch_to_tsquery('simple', {0})", query.query)
    if query.since is not None:
        where.add("timestamp_ns >= {0}", _nanos(query.since))
    if query.until is not None:
        where.add("timestamp_ns <= {0}", _nanos(query.until))


def _nanos(moment: datetime) -> int:
    """Return an aware datetime's nanoseconds since the epoch (the logs' exact order)."""
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


def log_order(query: LogQuery) -> str:
    """Return the ORDER BY of a logs search."""
    direction = "DESC" if query.descending else "ASC"
    return f" ORDER BY timestamp_ns {direction}, id {direction}"
