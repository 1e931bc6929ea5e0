from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
class FlowDefinition:
    """A parsed, valid flow."""

    id: str
    namespace: str
    source: str
    tasks: list[Task]
    errors: list[Task] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    disabled: bool = False

    def all_tasks(self) -> list[Task]:
        """Return every task of the flow, children included, depth first."""
        found: list[Task] = []
        pending = [*self.tasks, *self.errors]
        while pending:
            task = pending.pop(0)
            found.append(task)
            if isinstance(task, FlowableTask):
                pending[:0] = task.children()
        return found

    def task(self, task_id: str) -> Task:
        """Return the task with this id; raise KeyError when there is none."""
        return self._index()[task_id]

    def _index(self) -> dict[str, Task]:
        index: dict[str, Task] | None = self.__dict__.get("_task_index")
        if index is None:
            index = {task.id: task for task in self.all_tasks()}
            object.__setattr__(self, "_task_index", index)
        return index
