"""ISO-8601 dates, times and durations of inputs, read and written as Java's java.time does.

Values travel as text (they live in a protobuf Struct): a DATETIME as Java's
Instant.toString() (`2024-01-31T10:00:00Z`), a DATE as `2024-01-31`, a TIME as
LocalTime.toString() (`10:15`, `10:15:30`) and a DURATION as Duration.toString()
(`PT5M`, `PT48H`). Each parse function raises ValueError saying what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

NANOS_PER_SECOND = 1_000_000_000
# java.time.Duration.parse's pattern: days, then hours, minutes and seconds after T.
_DURATION = re.compile(
    r"([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?",
    re.IGNORECASE,
)


def parse_datetime(value: Any) -> dt.datetime:
    """Return an aware datetime from ISO-8601 text with a time zone (Java's Instant.parse)."""
    expected = f"expected an ISO-8601 date-time like 2024-01-31T10:00:00Z, got {value!r}"
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and "T" in value.upper():
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(expected) from None
    else:
        raise ValueError(expected)
    if parsed.tzinfo is None:
        raise ValueError(f"expected an ISO-8601 date-time with a time zone (Z or +01:00), got {value!r}")
    return parsed.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    """Return Java's Instant.toString() of value: UTC, `Z`, fraction in groups of 3 digits."""
    utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    timespec = (
        "seconds" if not utc.microsecond else "milliseconds" if not utc.microsecond % 1000 else "microseconds"
    )
    return utc.isoformat(timespec=timespec) + "Z"


def parse_date(value: Any) -> dt.date:
    """Return a date from ISO-8601 text (`2024-01-31`)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO-8601 date like 2024-01-31, got {value!r}")


def format_date(value: dt.date) -> str:
    return value.isoformat()


def parse_time(value: Any) -> dt.time:
    """Return a local time from ISO-8601 text (`10:15`, `10:15:30`, `10:15:30.5`)."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?\s*", value):
        text = value.strip().replace(",", ".")
        whole, _, fraction = text.partition(".")
        try:
            parsed = dt.time.fromisoformat(whole)
        except ValueError:
            pass
        else:
            return parsed.replace(microsecond=int(fraction[:6].ljust(6, "0")) if fraction else 0)
    raise ValueError(f"expected an ISO-8601 time like 10:15:30, got {value!r}")


def format_time(value: dt.time) -> str:
    """Return Java's LocalTime.toString(): seconds only when not zero, fraction in groups of 3."""
    if not value.second and not value.microsecond:
        return value.isoformat(timespec="minutes")
    if not value.microsecond:
        return value.isoformat(timespec="seconds")
    return value.isoformat(timespec="milliseconds" if not value.microsecond % 1000 else "microseconds")


def parse_duration(value: Any) -> int:
    """Return the nanoseconds of an ISO-8601 duration (`PT5M`, `P1DT2H`, `-PT0.5S`)."""
    match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or match.group(3) == "T" or not any(match.group(i) for i in (2, 4, 5, 6)):
        raise ValueError(f"expected an ISO-8601 duration like PT5M, got {value!r}")
    sign, days, _, hours, minutes, seconds, fraction = match.groups()
    total_seconds = int(days or 0) * 86_400 + int(hours or 0) * 3_600 + int(minutes or 0) * 60
    whole = int(seconds or 0)
    nanos = int((fraction or "").ljust(9, "0"))
    if seconds and seconds.startswith("-"):
        nanos = -nanos
    total = (total_seconds + whole) * NANOS_PER_SECOND + nanos
    return -total if sign == "-" else total


def format_duration(total: int) -> str:
    """Return Java's Duration.toString() of a number of nanoseconds (`PT1H30M`, `PT-0.5S`)."""
    if total == 0:
        return "PT0S"
    seconds, nanos = divmod(total, NANOS_PER_SECOND)  # floor division, as Duration stores it
    effective = seconds + 1 if seconds < 0 < nanos else seconds
    hours = _truncated(effective, 3_600)
    minutes = _truncated(effective - hours * 3_600, 60)
    secs = effective - hours * 3_600 - minutes * 60
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs == 0 and nanos == 0 and len(text) > 2:
        return text
    text += "-0" if seconds < 0 < nanos and secs == 0 else str(secs)
    if nanos:
        digits = str(2 * NANOS_PER_SECOND - nanos if seconds < 0 else nanos + NANOS_PER_SECOND)
        text += "." + digits[1:].rstrip("0")
    return text + "S"


def _truncated(value: int, divisor: int) -> int:
    """Integer division rounding towards zero, as Java's."""
    quotient = abs(value) // divisor
    return quotient if value >= 0 else -quotient
