"""The retention purge: ended executions, their task runs and logs leave the repository in time."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flowmesh.repository import RepositoryBackend, RepositoryUnavailable
from flowmesh.telemetry import get_logger

log = get_logger("indexer")


@dataclass(frozen=True)
class Retention:
    """Keep ended executions for `keep` after their end; purge every `interval` seconds."""

    keep: timedelta
    interval: float

    @classmethod
    def of_hours(cls, hours: float, interval: float) -> Retention | None:
        """Return the retention of the settings, None for 0 hours (keep for ever)."""
        return cls(timedelta(hours=hours), interval) if hours > 0 else None


async def purge_once(repository: RepositoryBackend, retention: Retention) -> int:
    """Delete what ended more than retention.keep ago; return how many executions went."""
    before = datetime.now(UTC) - retention.keep
    purged = await repository.purge_ended(before)
    if purged:
        log.info("repository_purged", executions=purged, ended_before=before.isoformat())
    return purged


async def purge_periodically(
    repository: RepositoryBackend, retention: Retention, stopping: asyncio.Event
) -> None:
    """Purge at once, then every retention.interval seconds, until stopping is set."""
    while not stopping.is_set():
        try:
            await purge_once(repository, retention)
        except RepositoryUnavailable as exc:
            log.warning("purge_failed", error=str(exc))  # the next turn tries again
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), retention.interval)
