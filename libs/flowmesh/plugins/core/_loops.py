"""Flowable tasks that run their tasks once per value: ForEach and its predecessors."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import FlowableTask, RenderFailed, Resolver, Task

# json.dumps(item, separators=(",", ":")), without building an encoder for each of thousands of values.
_compact = json.JSONEncoder(separators=(",", ":")).encode


def _text(item: Any) -> str:
    """Return a loop value as its task runs carry it: text as it is, anything else as JSON."""
    if isinstance(item, str):
        return item
    # An int's JSON is its decimal text (bool is an int too, but JSON spells it otherwise).
    return str(item) if type(item) is int else _compact(item)


class _Loop(FlowableTask):
    task_lists: ClassVar[tuple[str, ...]] = ("tasks", "errors")

    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] = Field(default_factory=list)

    def _values(self, resolver: Resolver, run: TaskRun, raw: str | list[Any]) -> list[str]:
        """Render raw and return the loop values as task run values; raise RenderFailed."""
        items = resolver.render(run, raw)
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except json.JSONDecodeError:
                raise RenderFailed(f"values: must be a list or a JSON array, got `{items}`") from None
        if not isinstance(items, list):
            raise RenderFailed(f"values: must be a list or a JSON array, got `{_java(items)}`")
        nulls = sum(item is None for item in items)
        if nulls:
            raise RenderFailed(f"Found '{nulls}' null values on Each, with values={_java(items)}")
        return [_text(item) for item in items]


class ForEach(_Loop):
    """Run the tasks one after the other for each value, `concurrencyLimit` values at once (0: all)."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.flow.ForEach",)

    values: str | list[Any]
    concurrencyLimit: int = Field(default=1, ge=0)  # noqa: N815 - Kestra's property name

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        try:
            values = self._values(resolver, run, self.values)
        except RenderFailed as error:
            return resolver.fail(run, str(error))
        return resolver.each(self.tasks, self.errors, run, values, self.concurrencyLimit)


class EachSequential(_Loop):
    """Run the tasks one after the other for each value, one value after the other (legacy)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.EachSequential",
        "io.kestra.core.tasks.flows.EachSequential",
    )

    value: str | list[Any]

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        try:
            values = self._values(resolver, run, self.value)
        except RenderFailed as error:
            return resolver.fail(run, str(error))
        return resolver.each(self.tasks, self.errors, run, values, 1)


class EachParallel(_Loop):
    """Run every task for every value side by side, at most `concurrent` at once (0: all; legacy)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.EachParallel",
        "io.kestra.core.tasks.flows.EachParallel",
    )

    value: str | list[Any]
    concurrent: int = Field(default=0, ge=0)

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        try:
            values = self._values(resolver, run, self.value)
        except RenderFailed as error:
            return resolver.fail(run, str(error))
        return resolver.each(self.tasks, self.errors, run, values, self.concurrent, together=True)


def _java(value: Any) -> str:
    """Return value as Java's toString prints the parsed JSON: [1, null, {key=value}]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_java(item)}" for key, item in value.items()) + "}"
    return str(value)
