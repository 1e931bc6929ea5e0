from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import FlowableTask, Resolver, Task


class Sequential(FlowableTask):
    """Run the child tasks one after the other."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Sequential",
        "io.kestra.core.tasks.flows.Sequential",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("tasks", "errors")

    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] = Field(default_factory=list)

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        return resolver.sequence(self.tasks, self.errors, run)


class Parallel(FlowableTask):
    """Run the child tasks side by side, at most `concurrent` at once (0: all)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Parallel",
        "io.kestra.core.tasks.flows.Parallel",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("tasks", "errors")

    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] = Field(default_factory=list)
    concurrent: int = Field(default=0, ge=0)

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        return resolver.concurrently(self.tasks, self.errors, run, self.concurrent)
