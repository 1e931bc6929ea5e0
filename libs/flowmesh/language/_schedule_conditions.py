"""The conditions of a Schedule trigger, with Kestra's property names and defaults, checked at parse time.

A Schedule's `conditions` (and the deprecated `scheduleConditions`) are tested on each
scheduled date: the date is passed over when one does not hold. What they say is read here,
once, so that a bad day name or time is refused when the flow is deployed, naming the
property; flowmesh.triggers evaluates them on the dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from flowmesh.language._condition import Condition
from flowmesh.language._errors import message_of

# Kestra renders this when a condition has no `date`: the scheduled date in the trigger's zone.
TRIGGER_DATE = "{{ trigger.date }}"

DayName = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def _with_offset(value: time) -> time:
    if value.tzinfo is None:
        raise ValueError("must be an ISO 8601 time with an offset, such as 16:00:00+02:00")
    return value


OffsetTime = Annotated[time, AfterValidator(_with_offset)]


class _OnDate(BaseModel):
    """A condition on a date: `date`, an expression, the scheduled date by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: str = Field(default=TRIGGER_DATE, min_length=1)


class DayWeek(_OnDate):
    """The date falls on dayOfWeek."""

    dayOfWeek: DayName  # noqa: N815 - Kestra's property name


class DayWeekInMonth(_OnDate):
    """The date is the dayInMonth (FIRST ... FOURTH, LAST) dayOfWeek of its month."""

    dayOfWeek: DayName  # noqa: N815 - Kestra's property name
    dayInMonth: Literal["FIRST", "SECOND", "THIRD", "FOURTH", "LAST"]  # noqa: N815 - Kestra's property name


class Weekend(_OnDate):
    """The date falls on a Saturday or a Sunday."""


class TimeBetween(_OnDate):
    """The date's time of day is strictly after `after` and before `before` (times with offsets)."""

    after: OffsetTime | None = None
    before: OffsetTime | None = None

    @model_validator(mode="after")
    def _bounded(self) -> TimeBetween:
        if self.after is None and self.before is None:
            raise ValueError("TimeBetween needs `after`, `before` or both")
        return self


class DateTimeBetween(_OnDate):
    """The date is at or after `after` and at or before `before` (datetimes with a zone)."""

    after: AwareDatetime | None = None
    before: AwareDatetime | None = None

    @model_validator(mode="after")
    def _bounded(self) -> DateTimeBetween:
        if self.after is None and self.before is None:
            raise ValueError("DateTimeBetween needs `after`, `before` or both")
        return self


class Expression(BaseModel):
    """`expression` renders to something true with the trigger's variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expression: str = Field(min_length=1)


class Nested(BaseModel):
    """Not (none of `conditions` holds) and Or (one of them does)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conditions: list[Condition] = Field(min_length=1)


SCHEDULE_CONDITIONS: dict[str, type[BaseModel]] = {
    "DayWeek": DayWeek,
    "DayWeekInMonth": DayWeekInMonth,
    "Weekend": Weekend,
    "TimeBetween": TimeBetween,
    "DateTimeBetween": DateTimeBetween,
    "Expression": Expression,
    "Not": Nested,
    "Or": Nested,
}

# What is refused by name rather than as an unknown type.
_NOT_BUILT = {
    "PublicHoliday": "PublicHoliday conditions are not supported by flowmesh: it has no holiday calendar",
}


def schedule_condition_problems(condition: Condition) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Yield (the location of the property at fault under the condition, what is wrong)."""
    kind = condition.kind
    if kind in _NOT_BUILT:
        yield ("type",), _NOT_BUILT[kind]
        return
    model = SCHEDULE_CONDITIONS.get(kind)
    if model is None:
        yield ("type",), f"condition type {condition.type} does not apply to Schedule triggers"
        return
    try:
        read = model.model_validate(condition.model_extra or {})
    except ValidationError as error:
        for problem in error.errors():
            yield tuple(problem["loc"]), message_of(problem)
        return
    if isinstance(read, Nested):
        for index, each in enumerate(read.conditions):
            for location, message in schedule_condition_problems(each):
                yield ("conditions", index, *location), message
