"""Aggregations for the dashboards: counts per day and state, durations, latest per flow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flowmesh.repository._sql import Where


@dataclass(frozen=True)
class DurationStats:
    """Durations, in seconds, of the ended executions (or task runs) of a day."""

    count: int = 0
    min: float = 0.0
    avg: float = 0.0
    max: float = 0.0
    sum: float = 0.0
    p50: float = 0.0
    p95: float = 0.0


@dataclass
class DailyStats:
    """What started on one day (UTC), for one flow when grouped by flow."""

    day: datetime
    namespace: str = ""
    flow_id: str = ""
    counts: dict[int, int] = field(default_factory=dict)  # by state
    duration: DurationStats = DurationStats()


# Which table holds what a daily statistic counts.
TABLES = {"executions": "executions", "task_runs": "task_runs"}

_SECONDS = "extract(epoch FROM end_date - start_date)"


def daily_sql(table: str, where: Where, *, by_flow: bool) -> str:
    """Return the query of counts per day and state, and durations per day.

    GROUPING SETS gives, for each day, one row per state (the counts) and one row with
    state NULL: the durations over every state of that day.
    """
    keys = "namespace, flow_id, " if by_flow else ""
    return where.select(
        f"{keys}date_trunc('day', start_date, 'UTC') AS day, state, count(*) AS n,"
        f" count(end_date) AS ended, min({_SECONDS}) AS min, avg({_SECONDS}) AS avg,"
        f" max({_SECONDS}) AS max, sum({_SECONDS}) AS sum,"
        f" percentile_cont(0.5) WITHIN GROUP (ORDER BY {_SECONDS}) AS p50,"
        f" percentile_cont(0.95) WITHIN GROUP (ORDER BY {_SECONDS}) AS p95"
        f" FROM {TABLES[table]}",
        f" GROUP BY GROUPING SETS (({keys}day, state), ({keys}day)) ORDER BY {keys}day",
    )


def daily_conditions(
    where: Where, table: str, namespace: str, flow_id: str, start: datetime, end: datetime
) -> None:
    """Add the tenant ($1), the flow filters and the start date range [start, end)."""
    where.add("tenant_id = $1")
    if table == "executions":
        where.add("NOT deleted")
    where.namespace(namespace)
    if flow_id:
        where.add("flow_id = {0}", flow_id)
    where.add("start_date >= {0} AND start_date < {1}", start, end)


def daily_stats(rows: Sequence[Mapping[str, Any]], *, by_flow: bool) -> list[DailyStats]:
    """Fold the rows of daily_sql into one DailyStats per day (and flow)."""
    found: dict[tuple[str, str, datetime], DailyStats] = {}
    for row in rows:
        key = (row["namespace"] if by_flow else "", row["flow_id"] if by_flow else "", row["day"])
        day = found.setdefault(key, DailyStats(day=key[2], namespace=key[0], flow_id=key[1]))
        if row["state"] is not None:
            day.counts[int(row["state"])] = int(row["n"])
        elif row["ended"]:
            day.duration = DurationStats(
                count=int(row["ended"]),
                **{name: float(row[name]) for name in ("min", "avg", "max", "sum", "p50", "p95")},
            )
    return list(found.values())


LATEST_SQL = """
SELECT DISTINCT ON (e.namespace, e.flow_id) e.value
FROM executions e
JOIN unnest($2::text[], $3::text[]) AS f(namespace, flow_id)
  ON e.namespace = f.namespace AND e.flow_id = f.flow_id
WHERE e.tenant_id = $1 AND NOT e.deleted
ORDER BY e.namespace, e.flow_id, e.start_date DESC NULLS LAST, e.id DESC
"""
