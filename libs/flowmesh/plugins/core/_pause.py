from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.language import Input, Violation, parse_inputs
from flowmesh.plugins._base import FlowableTask, IsoDuration, Resolver, Task

_PAUSED = StateType.STATE_TYPE_PAUSED
_RUNNING = StateType.STATE_TYPE_RUNNING
# Kestra's Pause.Behavior: the state a pause that reaches its duration goes to.
_BEHAVIORS: dict[str, StateType] = {
    "RESUME": _RUNNING,
    "WARN": StateType.STATE_TYPE_WARNING,
    "FAIL": StateType.STATE_TYPE_FAILED,
    "CANCEL": StateType.STATE_TYPE_CANCELLED,
}


class Pause(FlowableTask):
    """Pause the execution until it is resumed (API) or its duration has passed.

    As Kestra's Pause: the task run goes PAUSED (and the execution with it)
    the first time it runs. Resumed, it goes RUNNING with outputs
    {onResume: inputs}, then SUCCESS, or runs its (deprecated) `tasks` one after
    the other. `pauseDuration` (older `delay`) resumes it by itself when it has
    passed, as `behavior` says: RESUME (go on), WARN (WARNING), FAIL (FAILED) or CANCEL
    (the pause and the execution end CANCELLED).
    `timeout` without a duration fails it when it has passed.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Pause",
        "io.kestra.core.tasks.flows.Pause",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("tasks",)

    pauseDuration: IsoDuration | None = None  # noqa: N815 - Kestra's property name
    # Kestra's deprecated name of pauseDuration.
    delay: IsoDuration | None = None
    # Kestra's Behavior.
    behavior: Literal["RESUME", "WARN", "FAIL", "CANCEL"] = "RESUME"
    onResume: list[dict[str, Any]] | None = None  # noqa: N815 - Kestra's property name
    # Deprecated in Kestra: tasks run after the pause.
    tasks: list[Task] = Field(default_factory=list)

    @field_validator("behavior", mode="before")
    @classmethod
    def _upper_behavior(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("onResume")
    @classmethod
    def _valid_inputs(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        violations = _violations(value)
        if violations:
            raise ValueError("; ".join(str(violation) for violation in violations))
        return value

    @model_validator(mode="after")
    def _retry_and_timeout_on_workers_only(self) -> Pause:
        # Overrides Task's rule: on a Pause, `timeout` is the pause's expiry.
        if self.retry is not None:
            raise ValueError(f"`retry` is not supported by flowmesh yet on a {self.type} task")
        return self

    def resume_inputs(self) -> list[Input]:
        """Return the inputs a resume takes (onResume)."""
        return parse_inputs(self.onResume, lambda path, message: None)

    def expiry(self, run: TaskRun) -> tuple[datetime, StateType] | None:
        """Return when a PAUSED run ends by itself and the state it goes to; None: it waits for a resume."""
        duration = self.pauseDuration or self.delay
        waited: timedelta | None = duration or self.timeout
        if waited is None or run.state.current != _PAUSED:
            return None
        paused = run.state.histories[-1].date.ToDatetime(tzinfo=UTC)
        state = _BEHAVIORS[self.behavior] if duration is not None else StateType.STATE_TYPE_FAILED
        return paused + waited, state

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        if run.state.current == _PAUSED:
            return None
        if not any(entry.state == _PAUSED for entry in run.state.histories):
            # Kestra's needPause: PAUSED (not a terminal state) the first time only.
            return _PAUSED
        if not self.tasks:
            return StateType.STATE_TYPE_SUCCESS
        return resolver.sequence(self.tasks, [], run)


def _violations(raw: list[dict[str, Any]] | None) -> list[Violation]:
    found: list[Violation] = []
    parse_inputs(raw, lambda path, message: found.append(Violation(path, message)))
    return found
