"""Flowable tasks that choose a branch (If, Switch) or soften one (AllowFailure)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import FlowableTask, ParseTasks, RenderFailed, Resolver, Task, is_true
from flowmesh.values import from_struct


class If(FlowableTask):
    """Run `then` when `condition` renders truthy, `else` otherwise."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.If",
        "io.kestra.core.tasks.flows.If",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("then", "else", "errors")

    condition: str | bool
    then: list[Task] = Field(min_length=1)
    else_: list[Task] = Field(default_factory=list, alias="else")
    errors: list[Task] = Field(default_factory=list)

    def children(self) -> list[Task]:
        return [*self.then, *self.else_, *self.errors]

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        # The branch is chosen once: a branch already started stays chosen.
        if resolver.started(self.then, run):
            branch = self.then
        elif resolver.started(self.else_, run):
            branch = self.else_
        else:
            try:
                branch = self.then if is_true(resolver.render(run, self.condition)) else self.else_
            except RenderFailed as error:
                return resolver.fail(run, str(error))
        return resolver.sequence(branch, self.errors, run)


class Switch(FlowableTask):
    """Run the tasks of the case named by the rendered `value`, else `defaults`."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Switch",
        "io.kestra.core.tasks.flows.Switch",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("defaults", "errors")

    value: str
    cases: dict[str, list[Task]] = Field(default_factory=dict)
    defaults: list[Task] | None = None
    errors: list[Task] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_tasks(self) -> Switch:
        if not any(self.cases.values()) and not self.defaults:
            raise PydanticCustomError(
                "switch_without_tasks",
                "{id}: No task defined, neither cases or default have any tasks",
                {"id": self.id},
            )
        return self

    @classmethod
    def parse_children(cls, values: dict[str, Any], path: str, parse: ParseTasks) -> set[str]:
        incomplete = super().parse_children(values, path, parse)
        cases = values.get("cases")
        if isinstance(cases, dict):
            parsed = {}
            for key, raw in cases.items():
                parsed[str(key)], complete = parse(raw, f"{path}.cases.{key}")
                if not complete:
                    incomplete.add("cases")
            values["cases"] = parsed
        return incomplete

    def children(self) -> list[Task]:
        return [task for tasks in self.cases.values() for task in tasks] + super().children()

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        # Outputs `value` and `defaults` record the choice, made once.
        chosen = from_struct(run.outputs) if run.outputs.fields else None
        if chosen is None:
            try:
                rendered = resolver.render(run, self.value)
            except RenderFailed as error:
                return resolver.fail(run, str(error))
            value = _text(rendered)
            chosen = {"value": value, "defaults": value not in self.cases}
            resolver.set_outputs(run, chosen)
        tasks = (self.defaults or []) if chosen["defaults"] else self.cases[chosen["value"]]
        if not tasks:
            return resolver.fail(
                run, f"No case matches the value `{chosen['value']}` and there are no defaults"
            )
        return resolver.sequence(tasks, self.errors, run)


class AllowFailure(FlowableTask):
    """Run the tasks one after the other; a failure among them ends this task WARNING."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.AllowFailure",
        "io.kestra.core.tasks.flows.AllowFailure",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("tasks", "errors")

    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] = Field(default_factory=list)

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        state = resolver.sequence(self.tasks, self.errors, run)
        return StateType.STATE_TYPE_WARNING if state == StateType.STATE_TYPE_FAILED else state


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
