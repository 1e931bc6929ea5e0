"""Schedule conditions: refused with their place when written wrong, evaluated on the scheduled date."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flowmesh.language import FlowInvalid, Schedule, parse_flow
from flowmesh.triggers import ConditionError, conditions_allow, schedule_variables

HEAD = """\
id: hello
namespace: company.team
tasks:
  - id: t1
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: sched
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    timezone: Europe/Paris
"""
CORE = "io.kestra.plugin.core.condition."
OLD = "io.kestra.core.models.conditions.types."
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def schedule(conditions: str, key: str = "conditions") -> Schedule:
    written = textwrap.indent(textwrap.dedent(conditions), "      ")
    trigger = parse_flow(HEAD + f"    {key}:\n" + written).triggers[0]
    assert isinstance(trigger, Schedule)
    return trigger


def allows(trigger: Schedule, local: datetime) -> bool:
    """Return whether trigger fires at local, a wall time of the trigger's zone."""
    variables = schedule_variables(trigger.schedule(), local.astimezone(UTC))
    return conditions_allow(trigger, {"trigger": variables})


def problems(conditions: str) -> list[tuple[str, str]]:
    with pytest.raises(FlowInvalid) as caught:
        schedule(conditions)
    return [(v.path, v.message) for v in caught.value.violations]


@pytest.mark.parametrize("prefix", [CORE, OLD])
@pytest.mark.parametrize("suffix", ["", "Condition"])
def test_day_week_in_both_spellings_of_its_type(prefix: str, suffix: str) -> None:
    trigger = schedule(f"- type: {prefix}DayWeek{suffix}\n  dayOfWeek: MONDAY\n")

    assert allows(trigger, datetime(2024, 1, 1, 10, tzinfo=PARIS))  # a Monday
    assert not allows(trigger, datetime(2024, 1, 2, 10, tzinfo=PARIS))


def test_the_day_is_the_one_of_the_trigger_zone_not_utc() -> None:
    trigger = schedule(f"- type: {CORE}DayWeek\n  dayOfWeek: MONDAY\n")

    # Monday 00:30 in Paris is still Sunday in UTC.
    assert allows(trigger, datetime(2024, 1, 1, 0, 30, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 1, 7, 23, 30, tzinfo=PARIS))


def test_weekend() -> None:
    trigger = schedule(f"- type: {CORE}Weekend\n")

    assert [allows(trigger, datetime(2024, 1, day, 12, tzinfo=PARIS)) for day in range(1, 8)] == [
        False, False, False, False, False, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("which", "days"),
    [("FIRST", [1]), ("SECOND", [8]), ("THIRD", [15]), ("FOURTH", [22]), ("LAST", [29])],
)
def test_day_week_in_month(which: str, days: list[int]) -> None:
    trigger = schedule(f"- type: {CORE}DayWeekInMonth\n  dayOfWeek: MONDAY\n  dayInMonth: {which}\n")

    mondays = [day for day in range(1, 32) if allows(trigger, datetime(2024, 1, day, 9, tzinfo=PARIS))]
    assert mondays == days


def test_time_between_compares_instants_of_the_day_strictly() -> None:
    trigger = schedule(f"- type: {CORE}TimeBetween\n  after: '08:00:00+01:00'\n  before: '18:00:00+01:00'\n")

    assert allows(trigger, datetime(2024, 1, 10, 9, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 1, 10, 8, tzinfo=PARIS))  # not strictly after
    assert not allows(trigger, datetime(2024, 1, 10, 19, tzinfo=PARIS))
    # In summer Paris is +02:00: 09:00 there is 08:00+01:00, not after it.
    assert not allows(trigger, datetime(2024, 7, 10, 9, tzinfo=PARIS))
    assert allows(trigger, datetime(2024, 7, 10, 10, tzinfo=PARIS))


def test_time_between_with_one_bound() -> None:
    trigger = schedule(f"- type: {CORE}TimeBetween\n  before: '12:00:00Z'\n")

    assert allows(trigger, datetime(2024, 1, 10, 12, 59, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 1, 10, 13, tzinfo=PARIS))


def test_date_time_between_is_inclusive() -> None:
    trigger = schedule(
        f"- type: {CORE}DateTimeBetween\n  after: '2024-03-31T01:00:00Z'\n  before: '2024-03-31T03:00:00Z'\n"
    )

    # Paris jumps from 02:00 to 03:00 that night: 03:00+02:00 is 01:00Z, 05:00+02:00 is 03:00Z.
    assert allows(trigger, datetime(2024, 3, 31, 3, tzinfo=PARIS))
    assert allows(trigger, datetime(2024, 3, 31, 5, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 3, 31, 1, 59, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 3, 31, 6, tzinfo=PARIS))


def test_conditions_see_the_fall_back_hour_of_new_york_with_its_own_offset() -> None:
    trigger = schedule(f"- type: {CORE}TimeBetween\n  after: '05:30:00Z'\n  before: '06:30:00Z'\n")
    first = datetime(2024, 11, 3, 1, 0, tzinfo=NEW_YORK, fold=0)  # 01:00-04:00 = 05:00Z
    second = datetime(2024, 11, 3, 1, 0, tzinfo=NEW_YORK, fold=1)  # 01:00-05:00 = 06:00Z

    assert not allows(trigger, first)
    assert allows(trigger, second)


def test_expression_renders_with_the_trigger_variables() -> None:
    expression = "\"{{ trigger.date | date('HH') == '10' }}\""
    trigger = schedule(f"- type: {CORE}Expression\n  expression: {expression}\n")

    assert allows(trigger, datetime(2024, 1, 1, 10, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 1, 1, 11, tzinfo=PARIS))


def test_not_and_or_combine_schedule_conditions() -> None:
    trigger = schedule(
        f"""\
        - type: {CORE}Not
          conditions:
            - type: {CORE}Weekend
        - type: {OLD}OrCondition
          conditions:
            - type: {CORE}DayWeek
              dayOfWeek: MONDAY
            - type: {CORE}DayWeek
              dayOfWeek: FRIDAY
        """
    )

    fired = [day for day in range(1, 8) if allows(trigger, datetime(2024, 1, day, 12, tzinfo=PARIS))]
    assert fired == [1, 5]


def test_every_condition_must_hold_and_the_deprecated_spelling_counts_too() -> None:
    trigger = schedule(f"- type: {CORE}DayWeek\n  dayOfWeek: SATURDAY\n", key="scheduleConditions")

    assert allows(trigger, datetime(2024, 1, 6, 12, tzinfo=PARIS))
    assert not allows(trigger, datetime(2024, 1, 7, 12, tzinfo=PARIS))


def test_an_explicit_date_is_rendered() -> None:
    trigger = schedule(f"- type: {CORE}DayWeek\n  dayOfWeek: TUESDAY\n  date: '{{{{ trigger.next }}}}'\n")

    # Hourly: the next date of Monday 23:00 is Tuesday 00:00.
    assert allows(trigger, datetime(2024, 1, 1, 23, tzinfo=PARIS))


def test_a_date_that_does_not_render_to_a_date_cannot_be_evaluated() -> None:
    trigger = schedule(f"- type: {CORE}Weekend\n  date: 'soon'\n")

    with pytest.raises(ConditionError, match="not an ISO 8601 date"):
        allows(trigger, datetime(2024, 1, 1, 10, tzinfo=PARIS))


@pytest.mark.parametrize(
    ("conditions", "path", "message"),
    [
        (f"- type: {CORE}DayWeek\n  dayOfWeek: MONDAYS\n", "conditions[0].dayOfWeek", "Input should be"),
        (f"- type: {CORE}DayWeek\n", "conditions[0].dayOfWeek", "must not be null"),
        (f"- type: {CORE}DayWeekInMonth\n  dayOfWeek: MONDAY\n  dayInMonth: FIFTH\n",
         "conditions[0].dayInMonth", "Input should be"),
        (f"- type: {CORE}TimeBetween\n  after: '25:00:00+01:00'\n", "conditions[0].after", "time"),
        (f"- type: {CORE}TimeBetween\n  after: '08:00:00'\n", "conditions[0].after", "with an offset"),
        (f"- type: {CORE}TimeBetween\n", "conditions[0]", "needs `after`, `before` or both"),
        (f"- type: {CORE}DateTimeBetween\n  before: '2024-01-01T00:00:00'\n", "conditions[0].before",
         "timezone"),
        (f"- type: {CORE}Weekend\n  day: SUNDAY\n", "conditions[0].day", 'Unrecognized field "day"'),
        (f"- type: {CORE}Expression\n", "conditions[0].expression", "must not be null"),
        (f"- type: {CORE}Or\n  conditions:\n    - type: {CORE}DayWeek\n      dayOfWeek: FUNDAY\n",
         "conditions[0].conditions[0].dayOfWeek", "Input should be"),
        (f"- type: {CORE}Not\n  conditions: []\n", "conditions[0].conditions", "must not be empty"),
        (f"- type: {CORE}PublicHoliday\n  country: FR\n", "conditions[0].type",
         "PublicHoliday conditions are not supported by flowmesh"),
        (f"- type: {OLD}PublicHolidayCondition\n", "conditions[0].type", "not supported by flowmesh"),
        (f"- type: {CORE}ExecutionStatus\n  in: [SUCCESS]\n", "conditions[0].type",
         "does not apply to Schedule triggers"),
    ],
)  # fmt: skip
def test_conditions_are_checked_when_the_flow_is_parsed(conditions: str, path: str, message: str) -> None:
    ((where, said),) = problems(conditions)

    assert where == f"triggers[0].{path}"
    assert message in said
