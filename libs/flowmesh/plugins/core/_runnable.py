from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import Field

from flowmesh.plugins._base import RunContext, RunnableTask, TaskFailed, is_true
from flowmesh.values import iso_duration

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


class Log(RunnableTask):
    """Write one message, or each of a list, to the task run's log."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.log.Log",
        "io.kestra.core.tasks.log.Log",
    )

    message: str | list[str]
    # A string, not an enum, so that the level may be an expression.
    level: str = "INFO"

    async def run(self, context: RunContext) -> dict[str, Any]:
        level = self.level.upper()
        if level not in LEVELS:
            raise TaskFailed(f"level: must be one of {', '.join(LEVELS)}, got {self.level!r}")
        messages = self.message if isinstance(self.message, list) else [self.message]
        for message in messages:
            context.log(level, message)
        return {}


class Echo(RunnableTask):
    """Write the rendered `format` to the task run's log (deprecated in Kestra for Log)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.debug.Echo",
        "io.kestra.core.tasks.debugs.Echo",
    )

    format: str
    level: str = "INFO"

    async def run(self, context: RunContext) -> dict[str, Any]:
        return await Log(id=self.id, type=self.type, message=self.format, level=self.level).run(context)


class Return(RunnableTask):
    """Render `format` and return it as the output `value`."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.debug.Return",
        "io.kestra.core.tasks.debugs.Return",
    )

    format: str | None = None

    async def run(self, context: RunContext) -> dict[str, Any]:
        return {"value": self.format}


class OutputValues(RunnableTask):
    """Return the rendered `values` as the output `values`."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.output.OutputValues",)

    values: dict[str, Any] = Field(default_factory=dict)

    async def run(self, context: RunContext) -> dict[str, Any]:
        return {"values": self.values}


class Fail(RunnableTask):
    """Fail the task run, always or when `condition` renders to something truthy."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.execution.Fail",
        "io.kestra.core.tasks.executions.Fail",
    )

    condition: str | None = None
    errorMessage: str = "Task failure"  # noqa: N815 - Kestra's property name

    async def run(self, context: RunContext) -> dict[str, Any]:
        if self.condition is None or is_true(self.condition):
            raise TaskFailed(self.errorMessage)
        return {}


class Sleep(RunnableTask):
    """Wait for `duration` (ISO 8601, such as PT5S) on the worker."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.flow.Sleep",)

    duration: timedelta

    async def run(self, context: RunContext) -> dict[str, Any]:
        context.log("INFO", f"Waiting for {iso_duration(self.duration)}")
        await asyncio.sleep(self.duration.total_seconds())
        return {}
