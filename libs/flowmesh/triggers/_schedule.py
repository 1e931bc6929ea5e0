"""Whether a Schedule trigger's conditions let a scheduled date fire, and the variables it fires with.

Each condition renders its `date` (the scheduled date in the trigger's zone by default)
with the trigger's variables, as Kestra's ScheduleConditions do; the scheduler passes the
date over when one does not hold.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flowmesh.expressions import ExpressionError, render_value
from flowmesh.language import CronSchedule, Schedule
from flowmesh.language._schedule_conditions import (
    DateTimeBetween,
    DayWeek,
    DayWeekInMonth,
    TimeBetween,
    Weekend,
)
from flowmesh.triggers._conditions import ConditionError, ConditionKinds, Upstream

_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_NTH = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}


def schedule_variables(schedule: CronSchedule, date: datetime) -> dict[str, str]:
    """Return the `trigger` variables of a fire at date: date, next and previous, in the trigger's zone."""
    return {
        "date": schedule.local(date),
        "next": schedule.local(schedule.next_after(date)),
        "previous": schedule.local(schedule.previous_before(date)),
    }


def conditions_allow(trigger: Schedule, context: Mapping[str, Any]) -> bool:
    """Return whether every condition of trigger holds with context (`trigger`, `flow`...).

    Raise ConditionError when one cannot be evaluated (its date does not render to a date).
    """
    subject = {"context": context}
    return all(
        _SCHEDULE_CONDITIONS.holds(condition, subject)
        for condition in (*trigger.conditions, *trigger.scheduleConditions)
    )


def _read(props: Mapping[str, Any], kind: type[Any]) -> Any:
    """Return the condition's properties read by its model (checked already when the flow was parsed)."""
    try:
        return kind.model_validate(dict(props))
    except ValueError as error:
        raise ConditionError(f"{kind.__name__}: {error}") from None


def _rendered_date(expression: str, subject: Upstream) -> datetime:
    try:
        text = str(render_value(expression, dict(subject["context"])))
    except ExpressionError as error:
        raise ConditionError(f"cannot render `{expression}`: {error}") from None
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConditionError(f"`{expression}` renders to {text!r}, not an ISO 8601 date") from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _day_week(props: Mapping[str, Any], subject: Upstream) -> bool:
    read: DayWeek = _read(props, DayWeek)
    return _DAYS[_rendered_date(read.date, subject).weekday()] == read.dayOfWeek


def _day_week_in_month(props: Mapping[str, Any], subject: Upstream) -> bool:
    read: DayWeekInMonth = _read(props, DayWeekInMonth)
    day = _rendered_date(read.date, subject).date()
    if _DAYS[day.weekday()] != read.dayOfWeek:
        return False
    if read.dayInMonth == "LAST":
        return day.day + 7 > calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 == _NTH[read.dayInMonth]


def _weekend(props: Mapping[str, Any], subject: Upstream) -> bool:
    read: Weekend = _read(props, Weekend)
    return _rendered_date(read.date, subject).weekday() >= 5


def _instant_of_day(moment: time | datetime) -> timedelta:
    """Return Java's OffsetTime ordering key: the time of day minus its offset (may leave 0-24 h)."""
    offset = moment.utcoffset() or timedelta(0)
    of_day = timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second)
    return of_day + timedelta(microseconds=moment.microsecond) - offset


def _time_between(props: Mapping[str, Any], subject: Upstream) -> bool:
    read: TimeBetween = _read(props, TimeBetween)
    current = _instant_of_day(_rendered_date(read.date, subject))
    after = read.after is None or current > _instant_of_day(read.after)
    return after and (read.before is None or current < _instant_of_day(read.before))


def _date_time_between(props: Mapping[str, Any], subject: Upstream) -> bool:
    read: DateTimeBetween = _read(props, DateTimeBetween)
    current = _rendered_date(read.date, subject)
    return (read.after is None or current >= read.after) and (read.before is None or current <= read.before)


_SCHEDULE_CONDITIONS = ConditionKinds(
    "Schedule triggers",
    {
        "DayWeek": _day_week,
        "DayWeekInMonth": _day_week_in_month,
        "Weekend": _weekend,
        "TimeBetween": _time_between,
        "DateTimeBetween": _date_time_between,
    },
)
