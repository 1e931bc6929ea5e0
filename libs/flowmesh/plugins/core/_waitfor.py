"""Kestra's LoopUntil (formerly WaitFor): run tasks again and again until a condition holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import FlowableTask, IsoDuration, RenderFailed, Resolver, Task, is_true

_RUNNING = StateType.STATE_TYPE_RUNNING
_SUCCESS = StateType.STATE_TYPE_SUCCESS
_FAILED = StateType.STATE_TYPE_FAILED
_ENDS_LOOP = (_FAILED, StateType.STATE_TYPE_KILLED)


class CheckFrequency(BaseModel):
    """How often the tasks run again (`interval`), and how long at most (`maxIterations`, `maxDuration`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Kestra 0.23's defaults: a minute between iterations, no caps.
    interval: IsoDuration = timedelta(minutes=1)
    maxIterations: int | None = Field(default=None, ge=1)  # noqa: N815 - Kestra's property name
    maxDuration: IsoDuration | None = None  # noqa: N815 - Kestra's property name


class LoopUntil(FlowableTask):
    """Run `tasks` one after the other, again and again, until `condition` renders true.

    One iteration is one pass of the tasks; their task runs carry the
    iteration (0 for the first, Kestra's TaskRun.iteration). The task run's
    output `iterationCount` counts the iterations ended (0 during the first),
    so `outputs.<id>.iterationCount` can be used inside. After each iteration
    the condition is rendered: true ends the loop SUCCESS; false starts the next
    iteration `checkFrequency.interval` after this one ended, unless
    `maxIterations` iterations have run or `maxDuration` has passed since the
    loop started: the loop then ends SUCCESS, or FAILED with
    `failOnMaxReached`. A failed iteration ends the loop FAILED.

    When the next iteration starts is derived from the task run and its
    children alone (next_iteration), so no timer is stored.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.LoopUntil",
        "io.kestra.plugin.core.flow.WaitFor",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("tasks",)

    condition: str
    tasks: list[Task] = Field(min_length=1)
    checkFrequency: CheckFrequency = Field(default_factory=CheckFrequency)  # noqa: N815 - Kestra's property name
    failOnMaxReached: bool = False  # noqa: N815 - Kestra's property name

    def next_iteration(self, run: TaskRun, children: list[TaskRun]) -> datetime | None:
        """Return when the next iteration of run starts; None unless it waits between two iterations.

        children are run's own child task runs.
        """
        count = iteration_count(run)
        if run.state.current != _RUNNING or count == 0 or any(c.iteration == count for c in children):
            return None
        ends = [_moment(c.state.histories[-1].date) for c in children if c.iteration == count - 1]
        ended = max(ends, default=_moment(run.state.histories[-1].date))
        return ended + self.checkFrequency.interval

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        if not run.outputs.fields:
            resolver.set_outputs(run, {"iterationCount": 0})
        count = iteration_count(run)
        due = self.next_iteration(run, resolver.children(run))
        if due is not None and resolver.now < due:
            return None
        state = resolver.iterate(self.tasks, run, count)
        if state is None:
            return None
        if state in _ENDS_LOOP:
            return state
        count += 1
        resolver.set_outputs(run, {"iterationCount": count})
        try:
            done = is_true(resolver.render(run, self.condition))
        except RenderFailed as error:
            return resolver.fail(run, str(error))
        if done:
            return state
        reached = self._reached(run, count, resolver.now)
        if reached is None:
            return None
        if self.failOnMaxReached:
            return resolver.fail(run, reached)
        return state

    def _reached(self, run: TaskRun, count: int, now: datetime) -> str | None:
        """Return why the loop must stop after count iterations (a cap reached), None when it goes on."""
        check = self.checkFrequency
        if check.maxIterations is not None and count >= check.maxIterations:
            return f"Max iterations reached ({check.maxIterations})"
        started = _moment(run.state.histories[0].date)
        if check.maxDuration is not None and now >= started + check.maxDuration:
            return f"Max duration reached ({check.maxDuration})"
        return None


def iteration_count(run: TaskRun) -> int:
    """Return the iterations run has ended (its `iterationCount` output)."""
    field = run.outputs.fields.get("iterationCount")
    return int(field.number_value) if field is not None else 0


def _moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)
