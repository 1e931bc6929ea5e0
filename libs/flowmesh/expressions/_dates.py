"""Kestra's date filters and now(), with java.time patterns ("yyyy-MM-dd HH:mm:ss")."""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import re
from typing import Any
from zoneinfo import ZoneInfo

from flowmesh.expressions._registry import Args, pebble_filter, pebble_function, require

_NAMED = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_seq": "yyyy-MM-dd HH:mm:ss",
    "iso_date": "yyyy-MM-dd",
    "iso_local_date": "yyyy-MM-dd",
    "iso_local_time": "HH:mm:ss",
    "iso_local_date_time": "yyyy-MM-dd'T'HH:mm:ss",
    "iso_date_time": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "iso_offset_date_time": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "iso_instant": "yyyy-MM-dd'T'HH:mm:ss'Z'",
}
_PATTERN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.S)
_UNITS = {
    "NANOS": dt.timedelta(microseconds=0.001), "MICROS": dt.timedelta(microseconds=1),
    "MILLIS": dt.timedelta(milliseconds=1), "SECONDS": dt.timedelta(seconds=1),
    "MINUTES": dt.timedelta(minutes=1), "HOURS": dt.timedelta(hours=1),
    "HALF_DAYS": dt.timedelta(hours=12), "DAYS": dt.timedelta(days=1), "WEEKS": dt.timedelta(weeks=1),
}  # fmt: skip
_MONTH_UNITS = {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200}


def zone(name: Any) -> dt.tzinfo:
    if name is None:
        return dt.UTC
    try:
        return ZoneInfo(str(name))
    except (ValueError, KeyError) as error:
        raise ValueError(f"Unknown time zone [{name}]") from error


def _offset(value: dt.datetime, letters: str) -> str:
    delta = value.utcoffset() or dt.timedelta()
    if letters[0] == "X" and not delta:
        return "Z"
    minutes = int(delta.total_seconds()) // 60
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    if len(letters) == 1:
        return f"{sign}{hours:02d}" + (f"{rest:02d}" if rest else "")
    separator = ":" if len(letters) in (3, 5) and letters[0] in "Xx" else ""
    return f"{sign}{hours:02d}{separator}{rest:02d}"


def _field(value: dt.datetime, letters: str) -> str:
    char, width = letters[0], len(letters)
    if char in "yu":
        return f"{value.year % 100:02d}" if width == 2 else f"{value.year:0{width}d}"
    if char in "ML":
        if width >= 4:
            return calendar.month_name[value.month]
        return calendar.month_abbr[value.month] if width == 3 else f"{value.month:0{width}d}"
    if char in "Ee":
        names = calendar.day_name if width >= 4 else calendar.day_abbr
        return names[value.weekday()]
    if char == "S":
        return f"{value.microsecond:06d}000"[:width].ljust(width, "0")
    if char in "XxZ":
        return _offset(value, letters)
    if char == "z":
        return value.tzname() or ""
    if char == "V":
        return str(getattr(value.tzinfo, "key", value.tzname() or ""))
    if char == "a":
        return "AM" if value.hour < 12 else "PM"
    numbers = {
        "d": value.day, "H": value.hour, "m": value.minute, "s": value.second,
        "D": value.timetuple().tm_yday, "h": (value.hour % 12) or 12, "K": value.hour % 12,
        "k": value.hour or 24, "n": value.microsecond * 1000,
    }  # fmt: skip
    if char in numbers:
        return f"{numbers[char]:0{width}d}"
    raise ValueError(f"Unsupported letter [{char}] in date pattern")


def _quoted(text: str) -> str:
    """Return the literal a quoted pattern part stands for ('' is one quote)."""
    return "'" if text == "''" else text[1:-1].replace("''", "'")


def format_date(value: dt.datetime, pattern: str) -> str:
    """Format value with a java.time pattern or one of Kestra's named formats."""
    pattern = _NAMED.get(pattern, pattern)
    if pattern == "rfc_1123_date_time":
        return email.utils.format_datetime(value).replace(" +0000", " GMT")
    out: list[str] = []
    for match in _PATTERN.finditer(pattern):
        token = match.group()
        if token.startswith("'"):
            out.append(_quoted(token))
        elif match.group(1):
            out.append(_field(value, token))
        else:
            out.append(token)
    return "".join(out)


_PARSE_GROUPS = {
    "y": r"(?P<year>\d{4}|\d{2})", "u": r"(?P<year>\d{4})", "M": r"(?P<month>\d{1,2})",
    "d": r"(?P<day>\d{1,2})", "H": r"(?P<hour>\d{1,2})", "m": r"(?P<minute>\d{1,2})",
    "s": r"(?P<second>\d{1,2})", "S": r"(?P<fraction>\d+)", "a": r"(?P<ampm>AM|PM|am|pm)",
    "h": r"(?P<hour12>\d{1,2})", "X": r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)",
    "x": r"(?P<offset>[+-]\d{2}(?::?\d{2})?)", "Z": r"(?P<offset>[+-]\d{4}|Z)",
    "E": r"(?P<weekday>[A-Za-z]+)", "V": r"(?P<zone>[A-Za-z_/+-]+)",
}  # fmt: skip
_MONTHS = {
    name.lower(): index
    for names in (calendar.month_name, calendar.month_abbr)
    for index, name in enumerate(names)
    if name
}


def parse_date(text: str, pattern: str, tz: dt.tzinfo) -> dt.datetime:
    """Parse text with a java.time pattern; a value without an offset is taken in tz."""
    if pattern == "rfc_1123_date_time":
        return email.utils.parsedate_to_datetime(text)
    regex: list[str] = []
    for match in _PATTERN.finditer(_NAMED.get(pattern, pattern)):
        token = match.group()
        if token.startswith("'"):
            regex.append(re.escape(_quoted(token)))
        elif match.group(1) and token[0] in "ML" and len(token) >= 3:
            regex.append(r"(?P<month_name>[A-Za-z]+)")
        elif match.group(1):
            if token[0] not in _PARSE_GROUPS:
                raise ValueError(f"Unsupported letter [{token[0]}] in date pattern")
            regex.append(_PARSE_GROUPS[token[0]])
        else:
            regex.append(re.escape(token))
    found = re.fullmatch("".join(regex), text.strip())
    if found is None:
        raise ValueError(f"Text '{text}' could not be parsed with the pattern [{pattern}]")
    parts = {key: item for key, item in found.groupdict().items() if item is not None}
    month = _MONTHS.get(parts["month_name"].lower()) if "month_name" in parts else int(parts.get("month", 1))
    if month is None:
        raise ValueError(f"Unknown month in '{text}'")
    hour = int(parts.get("hour", 0))
    if "hour12" in parts:
        hour = int(parts["hour12"]) % 12 + (12 if parts.get("ampm", "AM").upper() == "PM" else 0)
    year = int(parts.get("year", 1970))
    zone_info: dt.tzinfo = ZoneInfo(parts["zone"]) if "zone" in parts else tz
    if "offset" in parts:
        zone_info = (
            dt.datetime.fromisoformat("2000-01-01T00:00:00" + _iso_offset(parts["offset"])).tzinfo or tz
        )
    return dt.datetime(
        year + 2000 if year < 100 else year, month, int(parts.get("day", 1)), hour,
        int(parts.get("minute", 0)), int(parts.get("second", 0)),
        int(parts.get("fraction", "0")[:6].ljust(6, "0")), tzinfo=zone_info,
    )  # fmt: skip


def _iso_offset(offset: str) -> str:
    if offset == "Z":
        return "+00:00"
    return offset if ":" in offset or len(offset) == 3 else f"{offset[:3]}:{offset[3:]}"


def to_datetime(value: Any, tz: dt.tzinfo, existing_format: Any = None) -> dt.datetime:
    """Read value as Kestra does: dates, epoch seconds, ISO strings or existingFormat strings."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(12), tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz)
    if not isinstance(value, str):
        raise TypeError(f"Cannot read a date from {type(value).__name__}")
    if existing_format is not None:
        return parse_date(value, str(existing_format), tz)
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = dt.datetime.fromisoformat(re.sub(r"\[[^]]*\]$", "", text))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _format(value: Any, args: Args) -> str:
    tz = zone(args.get("timeZone"))
    when = to_datetime(value, tz, args.get("existingFormat"))
    if args.get("timeZone") is not None:
        when = when.astimezone(tz)
    return format_date(when, str(args.get("format") or "iso"))


@pebble_filter("date", "format", "timeZone", "existingFormat", "locale")
def _date(value: Any, args: Args) -> Any:
    return None if value is None else _format(value, args)


@pebble_filter("dateAdd", "amount", "unit", "format", "timeZone", "existingFormat", "locale")
def _date_add(value: Any, args: Args) -> Any:
    amount, unit = (
        int(require(args, "amount", "filter [dateAdd]")),
        str(require(args, "unit", "filter [dateAdd]")),
    )
    tz = zone(args.get("timeZone"))
    when = to_datetime(value, tz, args.get("existingFormat"))
    if unit.upper() in _UNITS:
        when = when + _UNITS[unit.upper()] * amount
    elif unit.upper() in _MONTH_UNITS:
        months = when.year * 12 + when.month - 1 + amount * _MONTH_UNITS[unit.upper()]
        year, month = divmod(months, 12)
        day = min(when.day, calendar.monthrange(year, month + 1)[1])
        when = when.replace(year=year, month=month + 1, day=day)
    else:
        raise ValueError(f"Unknown unit [{unit}]")
    return format_date(when, str(args.get("format") or "iso"))


def _timestamp(name: str, scale: int) -> None:
    @pebble_filter(name, "timeZone", "existingFormat")
    def stamp(value: Any, args: Args) -> Any:
        if value is None:
            return None
        when = to_datetime(value, zone(args.get("timeZone")), args.get("existingFormat"))
        epoch = when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (epoch.days * 86_400 + epoch.seconds) * scale + epoch.microseconds * scale // 1_000_000


_timestamp("timestamp", 1)
_timestamp("timestampMilli", 1_000)
_timestamp("timestampMicro", 1_000_000)
_timestamp("timestampNano", 1_000_000_000)


@pebble_function("now", "format", "timeZone", "locale")
def _now(args: Args) -> Any:
    return _format(dt.datetime.now(dt.UTC), args)
