"""When a Schedule trigger fires: its cron expression, read by croniter, in its time zone.

croniter walks the zone's wall clock; the times it gives are placed on the UTC line as
Java's ZonedDateTime (and so Kestra) places them: a wall time that does not exist (the
hour skipped when clocks go forward) moves forward by the gap (02:30 becomes 03:30), and
one that exists twice (the hour repeated when clocks go back) is its first occurrence, so
that the trigger fires once. Two wall times that land on the same instant fire once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter

# Java's offset forms: Z, +02, +02:00, +0200, UTC+2, GMT-05:30.
_OFFSET = re.compile(r"(?:Z|(?:UTC|GMT|UT)?(?:(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?)?)")
# Enough steps to cross any DST overlap with a per-second expression (one hour), and then some.
_MAX_STEPS = 10_000


def time_zone(name: str | None) -> tzinfo:
    """Return the zone a trigger's `timezone` names (a region or an offset); UTC when absent."""
    if not name:
        return UTC
    match = _OFFSET.fullmatch(name)
    if match is None:
        return ZoneInfo(name)
    if not match.group("sign"):
        return UTC
    offset = timedelta(hours=int(match.group("hours")), minutes=int(match.group("minutes") or 0))
    return timezone(-offset if match.group("sign") == "-" else offset)


def cron_library_problem(cron: str, with_seconds: bool) -> str | None:
    """Return why croniter cannot run the expression, or None when it can."""
    try:
        croniter(cron.strip(), datetime(2000, 1, 1, tzinfo=UTC), second_at_beginning=with_seconds)
    except (CroniterError, ValueError, KeyError) as error:
        return str(error)
    return None


@dataclass(frozen=True)
class CronSchedule:
    """A cron expression in a zone: the fire times after or before an instant."""

    cron: str
    with_seconds: bool = False
    zone: tzinfo = UTC

    def next_after(self, instant: datetime) -> datetime:
        """Return the first fire time strictly after instant (aware), in UTC."""
        return self._step(instant, forward=True)

    def previous_before(self, instant: datetime) -> datetime:
        """Return the last fire time strictly before instant (aware), in UTC."""
        return self._step(instant, forward=False)

    def last_at_or_before(self, instant: datetime) -> datetime:
        """Return the last fire time at or before instant."""
        return self.previous_before(instant + timedelta(microseconds=1))

    def _step(self, instant: datetime, *, forward: bool) -> datetime:
        return _step(self.cron, self.with_seconds, self.zone, instant, forward)

    def local(self, instant: datetime) -> str:
        """Return instant in the schedule's zone, as ISO 8601 text."""
        return instant.astimezone(self.zone).isoformat()


# Remembered: triggers share their cron expressions and fire at the same dates, and croniter
# takes about 0.1 ms a step (the scheduler steps each trigger two or three times a fire).
@functools.lru_cache(maxsize=16_384)
def _step(cron: str, with_seconds: bool, zone: tzinfo, instant: datetime, forward: bool) -> datetime:
    local = instant.astimezone(zone).replace(tzinfo=None, fold=0)
    walker = croniter(cron.strip(), local, second_at_beginning=with_seconds)
    for _ in range(_MAX_STEPS):
        wall = walker.get_next(datetime) if forward else walker.get_prev(datetime)
        placed = _placed(wall, zone)
        if (placed > instant) if forward else (placed < instant):
            return placed
    raise ValueError(f"cron expression '{cron}' has no fire time near {instant.isoformat()}")


def _placed(wall: datetime, zone: tzinfo) -> datetime:
    """Return the wall time in the zone as Java places it (see the module's docstring)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    # fold=0 gives a skipped wall time the offset from before the gap: the instant
    # Java gives, the wall time moved forward by the gap, once normalised.
    # Kept in UTC: Python never finds a repeated wall time equal to an instant of another zone.
    return aware.astimezone(UTC)
