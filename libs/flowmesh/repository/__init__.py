"""The repository: queryable history of flows, executions, task runs and logs (PostgreSQL)."""

from __future__ import annotations

from flowmesh.repository._errors import (
    InvalidRecord,
    RepositoryError,
    RepositoryUnavailable,
)
from flowmesh.repository._postgres import Repository, ensure_database

__all__ = [
    "InvalidRecord",
    "Repository",
    "RepositoryError",
    "RepositoryUnavailable",
    "ensure_database",
]
