"""The repository: queryable history of flows, executions, task runs and logs (PostgreSQL or OpenSearch)."""

from __future__ import annotations

from flowmesh.repository._errors import (
    InvalidRecord,
    RepositoryError,
    RepositoryUnavailable,
)
from flowmesh.repository._factory import open_repository
from flowmesh.repository._filters import (
    EXECUTION_SORTS,
    LOG_SORTS,
    ChildFilter,
    ExecutionQuery,
    LogQuery,
    Sort,
    parse_sort,
)
from flowmesh.repository._interface import RepositoryBackend
from flowmesh.repository._postgres import Repository, ensure_database
from flowmesh.repository._rows import state_dates, trigger_execution_id
from flowmesh.repository._stats import DailyStats, DurationStats

# The concrete class must keep satisfying the interface the services are written against.
_: type[RepositoryBackend] = Repository

__all__ = [
    "state_dates",
    "trigger_execution_id",
    "EXECUTION_SORTS",
    "LOG_SORTS",
    "ChildFilter",
    "DailyStats",
    "DurationStats",
    "ExecutionQuery",
    "InvalidRecord",
    "LogQuery",
    "Repository",
    "RepositoryBackend",
    "RepositoryError",
    "RepositoryUnavailable",
    "Sort",
    "ensure_database",
    "open_repository",
    "parse_sort",
]
