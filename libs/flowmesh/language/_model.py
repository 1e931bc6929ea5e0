from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowmesh.language._checks import Check
from flowmesh.language._concurrency import Concurrency
from flowmesh.language._policies import FlowRetry, Sla
from flowmesh.language._triggers import Trigger
from flowmesh.plugins import FlowableTask, Task


@dataclass(frozen=True)
class Violation:
    """One reason a flow is invalid: where (property path, line, column) and why."""

    path: str
    message: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class FlowInvalid(ValueError):
    """A flow source that cannot be accepted, with every violation found."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("\n".join(str(violation) for violation in violations))
        self.violations = violations


@dataclass(frozen=True)
class Input:
    """A flow input: its id, type, whether and how a value is required, and its constraints.

    Constraints are those of the type (features.md §1.2): `validator` (STRING, SECRET),
    `min`/`max` (INT, FLOAT: numbers; DURATION: ISO-8601 text), `values` and
    `allow_custom_value` (SELECT, MULTISELECT, ENUM), `after`/`before` (DATETIME, DATE,
    TIME: ISO-8601 text) and `item_type` (ARRAY).
    """

    id: str
    type: str
    required: bool = True
    defaults: Any = None
    description: str | None = None
    display_name: str | None = None
    validator: str | None = None
    min: Any = None
    max: Any = None
    values: tuple[str, ...] | None = None
    allow_custom_value: bool = False
    after: str | None = None
    before: str | None = None
    item_type: str | None = None


@dataclass(frozen=True)
class Output:
    """A flow output: its value (expressions, rendered when the execution ends) and its type."""

    id: str
    type: str
    value: Any
    required: bool = True
    description: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class FlowDefinition:
    """A parsed, valid flow."""

    id: str
    namespace: str
    source: str
    tasks: list[Task]
    errors: list[Task] = field(default_factory=list)
    # `finally`: run once tasks (and errors) have ended, while the execution still runs.
    finally_tasks: list[Task] = field(default_factory=list)
    # `afterExecution`: run once the execution has its final state, which they cannot change.
    after_execution: list[Task] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # Kept and validated; nothing fires them yet (the scheduler will).
    triggers: list[Trigger] = field(default_factory=list)
    description: str | None = None
    disabled: bool = False
    # `retry`: applies to a failed task that has no retry of its own, nor a parent with one.
    retry: FlowRetry | None = None
    # `sla`: what happens to an execution that runs too long or breaks an assertion.
    sla: list[Sla] = field(default_factory=list)
    # `concurrency`: how many executions of the flow may run at once (None: no limit).
    concurrency: Concurrency | None = None
    # `checks`: conditions on the inputs, checked before an execution is created.
    checks: list[Check] = field(default_factory=list)

    def all_tasks(self) -> list[Task]:
        """Return every task of the flow, children included, depth first."""
        found: list[Task] = []
        pending = [*self.tasks, *self.errors, *self.finally_tasks, *self.after_execution]
        while pending:
            task = pending.pop(0)
            found.append(task)
            if isinstance(task, FlowableTask):
                pending[:0] = task.children()
        return found

    def after_execution_ids(self) -> frozenset[str]:
        """Return the ids of the `afterExecution` tasks, children included."""
        ids: frozenset[str] | None = self.__dict__.get("_after_ids")
        if ids is None:
            found: set[str] = set()
            pending = list(self.after_execution)
            while pending:
                task = pending.pop()
                found.add(task.id)
                if isinstance(task, FlowableTask):
                    pending.extend(task.children())
            ids = frozenset(found)
            object.__setattr__(self, "_after_ids", ids)
        return ids

    def parent(self, task_id: str) -> Task | None:
        """Return the flowable task whose child task_id is, None for a task at the top of a list."""
        parents: dict[str, Task] | None = self.__dict__.get("_parents")
        if parents is None:
            parents = {}
            for task in self.all_tasks():
                if isinstance(task, FlowableTask):
                    parents.update((child.id, task) for child in task.children())
            object.__setattr__(self, "_parents", parents)
        return parents.get(task_id)

    def task(self, task_id: str) -> Task:
        """Return the task with this id; raise KeyError when there is none."""
        return self._index()[task_id]

    def _index(self) -> dict[str, Task]:
        index: dict[str, Task] | None = self.__dict__.get("_task_index")
        if index is None:
            index = {task.id: task for task in self.all_tasks()}
            object.__setattr__(self, "_task_index", index)
        return index
