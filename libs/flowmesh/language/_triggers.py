"""`triggers`: Kestra's Schedule, Flow, Webhook and polling triggers, parsed and validated.

What fires them lives elsewhere: Schedule triggers in the scheduler component (their
dates: _cron.py), Flow triggers in the executor (flowmesh.triggers evaluates their
conditions), Webhook triggers in the api, polling triggers on workers, sent there by the
scheduler at each interval.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.language._condition import Condition
from flowmesh.language._cron import CronSchedule, cron_library_problem, time_zone
from flowmesh.language._errors import join_path, message_of
from flowmesh.language._schedule_conditions import schedule_condition_problems
from flowmesh.plugins.http import HttpOptions

TRIGGER_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
# Kestra's execution states, by the names flows use (SUCCESS, FAILED...).
STATE_NAMES = tuple(
    StateType.Name(value).removeprefix("STATE_TYPE_")
    for value in StateType.values()
    if value != StateType.STATE_TYPE_UNSPECIFIED
)

Fail = Callable[[str, str], None]


def _upper(value: Any) -> Any:
    # Java's Duration.parse takes `pt1h` as well as `PT1H`.
    return value.upper() if isinstance(value, str) else value


IsoDuration = Annotated[timedelta, BeforeValidator(_upper)]
StateName = Literal[STATE_NAMES]  # type: ignore[valid-type]


class WorkerGroup(BaseModel):
    """Kestra's `workerGroup` (an Enterprise feature)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    fallback: str | None = None


class Label(BaseModel):
    """One label of the list form, `{key, value}`."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    key: str
    value: str


class Trigger(BaseModel):
    """What every trigger has (Kestra's AbstractTrigger). Subclasses add their own properties."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    # The first name is the type's own; the others are Kestra's older aliases.
    type_names: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=TRIGGER_ID_PATTERN)
    type: str
    description: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    # A disabled trigger never starts an execution.
    disabled: bool = False
    workerGroup: WorkerGroup | None = None  # noqa: N815 - Kestra's property name
    logLevel: Literal["ERROR", "WARN", "INFO", "DEBUG", "TRACE"] | None = None  # noqa: N815 - Kestra's property name
    logToFile: bool = False  # noqa: N815 - Kestra's property name
    # Labels of the executions the trigger starts.
    labels: dict[str, Any] | list[Label] = Field(default_factory=dict)
    # The trigger disables itself once an execution it started ends in one of these states.
    stopAfter: list[StateName] = Field(default_factory=list)  # noqa: N815 - Kestra's property name

    def label_map(self) -> dict[str, str]:
        """Return the labels the trigger gives its executions, by key, from either of Kestra's forms."""
        if isinstance(self.labels, list):
            return {label.key: label.value for label in self.labels}
        return {key: str(value) for key, value in self.labels.items()}

    def properties(self) -> dict[str, Any]:
        """Return the trigger as written: every property given, in Kestra's names."""
        return self.model_dump(mode="json", exclude_defaults=True) | {"id": self.id, "type": self.type}


class Schedule(Trigger):
    """Start an execution at each time the `cron` expression names, in `timezone`."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.trigger.Schedule",
        "io.kestra.core.models.triggers.types.Schedule",
    )

    # Six fields, the first one seconds, instead of five. (Before `cron`, which is read with it.)
    withSeconds: bool = False  # noqa: N815 - Kestra's property name
    cron: str
    # A time zone id (Europe/Paris) or offset (+02:00); the server's zone when absent.
    timezone: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    # A scheduled execution that could not start within this delay is skipped.
    lateMaximumDelay: IsoDuration | None = None  # noqa: N815 - Kestra's property name
    # What to do with the times missed while the scheduler was not running.
    recoverMissedSchedules: Literal["LAST", "NONE", "ALL"] | None = None  # noqa: N815 - Kestra's property name
    # Deprecated in Kestra: a backfill started with the flow.
    backfill: dict[str, Any] | None = None
    # Deprecated in Kestra: conditions on the schedule's date, now plain `conditions`.
    scheduleConditions: list[Condition] = Field(default_factory=list)  # noqa: N815 - Kestra's property name

    def schedule(self) -> CronSchedule:
        """Return when the trigger fires."""
        return CronSchedule(self.cron, self.withSeconds, time_zone(self.timezone))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_time_zone(value):
            raise PydanticCustomError("time_zone", "'{zone}' is not a valid time zone id", {"zone": value})
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str, info: ValidationInfo) -> str:
        with_seconds = bool(info.data.get("withSeconds"))
        # Our own reading names the field at fault; croniter's catches what it cannot run.
        problem = cron_problem(value, with_seconds) or cron_library_problem(value, with_seconds)
        if problem:
            raise PydanticCustomError(
                "cron", "invalid cron expression '{cron}': {problem}", {"cron": value, "problem": problem}
            )
        return value


class FlowTrigger(Trigger):
    """Start an execution when an execution of another flow reaches one of `states`.

    `conditions` and `preconditions` say which executions count.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.trigger.Flow",
        "io.kestra.core.models.triggers.types.Flow",
    )

    inputs: dict[str, Any] = Field(default_factory=dict)
    # Kestra's default: the terminal states and PAUSED.
    states: list[StateName] | None = None
    # Which flows' executions, where, and within what time window.
    preconditions: dict[str, Any] | None = None


class Webhook(Trigger):
    """Start an execution when `key` is called at /api/v1/executions/webhook/{namespace}/{flowId}/{key}."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.trigger.Webhook",
        "io.kestra.core.models.triggers.types.Webhook",
    )

    key: str = Field(max_length=256)
    inputs: dict[str, Any] = Field(default_factory=dict)
    # Answer the call once the execution ends, rather than once it is created.
    wait: bool = False
    # With `wait`, answer with the execution's outputs.
    returnOutputs: bool = False  # noqa: N815 - Kestra's property name
    # With `wait` and `returnOutputs`: the answer's content type, JSON unless text/plain.
    responseContentType: Literal["application/json", "text/plain"] | None = None  # noqa: N815 - Kestra's property name
    # With `wait`: the answer's status (an expression may render it), else 500 for a FAILED
    # execution and 200 otherwise.
    responseCode: int | str | None = None  # noqa: N815 - Kestra's property name


class PollingTrigger(Trigger):
    """A trigger a worker evaluates every `interval` (Kestra's PollingTriggerInterface).

    While an evaluation is under way, or the execution it started runs, the trigger is
    not evaluated again.
    """

    interval: IsoDuration = timedelta(minutes=1)
    # Kestra's default, false: a polling trigger is locked while its execution runs. Only that
    # behaviour is built.
    allowConcurrent: Literal[False] = False  # noqa: N815 - Kestra's property name

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise PydanticCustomError("interval", "must be a positive duration")
        return value


class HttpTrigger(PollingTrigger):
    """Call `uri` at each interval; start an execution when `responseCondition` holds for the response.

    The request's properties are http.Request's (the worker sends it with that task's
    client); the condition sees `response.statusCode`, `response.headers` and
    `response.body`, and the execution `trigger.uri`, `.code`, `.headers` and `.body`.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.http.Trigger",
        "io.kestra.plugin.fs.http.Trigger",
    )

    uri: str
    method: str = Field(default="GET", pattern=r"^[A-Za-z]+$")
    body: str | dict[str, Any] | list[Any] | None = None
    formData: dict[str, Any] | None = None  # noqa: N815 - Kestra's property name
    contentType: str = "application/json"  # noqa: N815 - Kestra's property name
    headers: dict[str, str] | None = None
    options: HttpOptions = Field(default_factory=HttpOptions)
    responseCondition: str = "{{ response.statusCode < 400 }}"  # noqa: N815 - Kestra's property name

    def request(self) -> dict[str, Any]:
        """Return the properties of the http.Request the trigger sends, as written."""
        return self.model_dump(
            mode="json",
            exclude_defaults=True,
            include={"uri", "method", "body", "formData", "contentType", "headers", "options"},
        )


POLLING_TRIGGER_CLASSES: tuple[type[PollingTrigger], ...] = (HttpTrigger,)
TRIGGER_CLASSES: tuple[type[Trigger], ...] = (Schedule, FlowTrigger, Webhook, *POLLING_TRIGGER_CLASSES)
TRIGGER_TYPES: dict[str, type[Trigger]] = {name: cls for cls in TRIGGER_CLASSES for name in cls.type_names}


def parse_triggers(raw: Any, fail: Fail) -> list[Trigger]:
    """Return the flow's triggers; call fail(path, message) for each problem."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        fail("triggers", "must be a list of triggers")
        return []
    triggers: list[Trigger] = []
    for index, item in enumerate(raw):
        path = f"triggers[{index}]"
        if not isinstance(item, dict):
            fail(path, "must be a trigger: a map with id and type")
            continue
        trigger = _trigger(item, path, fail)
        if trigger is not None:
            triggers.append(trigger)
    return triggers


def _trigger(item: dict[str, Any], path: str, fail: Fail) -> Trigger | None:
    type_name = item.get("type")
    if not isinstance(type_name, str):
        fail(f"{path}.type", "missing type id property 'type'")
        return None
    cls = TRIGGER_TYPES.get(type_name)
    if cls is None:
        fail(f"{path}.type", f"Invalid type: {type_name}")
        return None
    try:
        trigger = cls.model_validate(item)
    except ValidationError as error:
        for problem in error.errors():
            fail(join_path(path, problem["loc"]), message_of(problem))
        return None
    if isinstance(trigger, Schedule):
        _check_schedule_conditions(trigger, path, fail)
    return trigger


def _check_schedule_conditions(trigger: Schedule, path: str, fail: Fail) -> None:
    for name in ("conditions", "scheduleConditions"):
        for index, condition in enumerate(getattr(trigger, name)):
            for location, message in schedule_condition_problems(condition):
                fail(join_path(f"{path}.{name}[{index}]", location), message)


def is_time_zone(name: str) -> bool:
    """Return whether Java's ZoneId.of would read name: a region id, or an offset (Z, +02:00, UTC+2)."""
    if re.fullmatch(r"Z|[+-]\d{1,2}(:?\d{2}){0,2}|(UTC|GMT|UT)([+-]\d{1,2}(:?\d{2}){0,2})?", name):
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# cron-utils' Unix definition as Kestra builds it (seconds first when withSeconds).
_NICKNAMES = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {name: number for number, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
# Quartz-style specials that cron-utils reads in the day fields: last (L), weekday (W), nth (#).
_DAY_OF_MONTH_SPECIAL = re.compile(r"L(-\d{1,2})?|LW|(\d{1,2})W")
_DAY_OF_WEEK_SPECIAL = re.compile(r"(\d|[A-Za-z]{3})(L|#[1-5])")


def cron_problem(cron: str, with_seconds: bool) -> str | None:
    """Return what is wrong with a cron expression, or None when it is valid."""
    text = cron.strip()
    if text in _NICKNAMES:
        return None
    fields = text.split()
    specs = _FIELDS if with_seconds else _FIELDS[1:]
    if len(fields) != len(specs):
        return f"Cron expression contains {len(fields)} parts but we expect one of [{len(specs)}]"
    for field, (name, low, high, names) in zip(fields, specs, strict=True):
        for part in field.split(","):
            problem = _part_problem(part, name, low, high, names)
            if problem:
                return problem
    return None


def _part_problem(part: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    if name in ("day of month", "day of week") and part == "?":
        return None
    special = _DAY_OF_MONTH_SPECIAL if name == "day of month" else _DAY_OF_WEEK_SPECIAL
    if name in ("day of month", "day of week") and (match := special.fullmatch(part)):
        number = match.group(2) if name == "day of month" else match.group(1)
        return None if number is None else _value_problem(number, name, low, high, names)
    base, slash, step = part.partition("/")
    if slash and not (step.isdigit() and int(step) > 0):
        return f"Invalid step '{step}' in the {name} field"
    if base == "*":
        return None
    start, dash, end = base.partition("-")
    for value in (start, end) if dash else (start,):
        problem = _value_problem(value, name, low, high, names)
        if problem:
            return problem
    return None


def _value_problem(value: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    number = names.get(value.upper()) if not value.isdigit() else int(value)
    if number is None:
        return f"Invalid value '{value}' in the {name} field"
    if not low <= number <= high:
        return f"Value {number} not in range [{low}, {high}] of the {name} field"
    return None
