"""The Dag flowable task: children that start once the tasks they depend on have succeeded."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import FlowableTask, ParseTasks, Resolver, Task


class DagTask(BaseModel):
    """One task of a Dag, with the ids of the tasks it waits for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Task
    dependsOn: list[str] = Field(default_factory=list)  # noqa: N815 - Kestra's property name


class Dag(FlowableTask):
    """Run each task once its `dependsOn` tasks succeeded, at most `concurrent` at once (0: all)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Dag",
        "io.kestra.core.tasks.flows.Dag",
    )
    task_lists: ClassVar[tuple[str, ...]] = ("errors",)

    tasks: list[DagTask] = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)
    errors: list[Task] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid_graph(self) -> Dag:
        ids = [entry.task.id for entry in self.tasks]
        unknown = [d for entry in self.tasks for d in entry.dependsOn if d not in ids]
        if unknown:
            raise PydanticCustomError(
                "dag_unknown_dependency",
                "{id}: Not existing task id in dependency: {ids}",
                {"id": self.id, "ids": ", ".join(dict.fromkeys(unknown))},
            )
        graph = {entry.task.id: entry.dependsOn for entry in self.tasks}
        cyclic = [task_id for task_id in ids if _reaches(graph, task_id, task_id)]
        if cyclic:
            raise PydanticCustomError(
                "dag_cycle",
                "{id}: Cyclic dependency detected: {ids}",
                {"id": self.id, "ids": ", ".join(cyclic)},
            )
        return self

    @classmethod
    def parse_children(cls, values: dict[str, Any], path: str, parse: ParseTasks) -> set[str]:
        incomplete = super().parse_children(values, path, parse)
        entries = values.get("tasks")
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict) and "task" in entry:
                    parsed, complete = parse([entry["task"]], f"{path}.tasks[{index}].task")
                    if not complete:
                        incomplete.add("tasks")
                    entries[index] = {**entry, "task": parsed[0]} if parsed else entry
        return incomplete

    def children(self) -> list[Task]:
        return [entry.task for entry in self.tasks] + super().children()

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        tasks = [(entry.task, entry.dependsOn) for entry in self.tasks]
        return resolver.dependent(tasks, self.errors, run, self.concurrent)


def _reaches(graph: dict[str, list[str]], start: str, target: str) -> bool:
    seen: set[str] = set()
    pending = list(graph.get(start, []))
    while pending:
        current = pending.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            pending.extend(graph.get(current, []))
    return False
