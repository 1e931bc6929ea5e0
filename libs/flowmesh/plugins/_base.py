from __future__ import annotations

from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun

TASK_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"


class Task(BaseModel):
    """Properties every task has. Subclasses add their own and name their types."""

    # Numbers are text where text is expected (`message: 42`), as Kestra's Jackson reads them.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True)

    # The first name is the type's own; the others are Kestra's older aliases.
    type_names: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=TASK_ID_PATTERN, max_length=256)
    type: str
    description: str | None = None
    disabled: bool = False


class TaskFailed(Exception):
    """Raised by a task to fail its attempt with a message the user will read."""


class RunContext(Protocol):
    """What a runnable task can use while it runs on a worker."""

    variables: dict[str, Any]

    def render(self, value: Any) -> Any:
        """Render the expressions in value against the task run's variables."""
        ...

    def log(self, level: str, message: str) -> None:
        """Write one line to the task run's log."""
        ...


class RunnableTask(Task):
    """A task that a worker runs; it returns its outputs."""

    async def run(self, context: RunContext) -> dict[str, Any]:
        raise NotImplementedError


class Resolver(Protocol):
    """What a flowable task can ask of the executor while it decides its children."""

    def sequence(self, tasks: list[Task], errors: list[Task], parent: TaskRun | None) -> StateType | None:
        """Run tasks one after the other under parent, then errors if one failed.

        Return the branch's terminal state, or None while it is still running.
        """
        ...

    def concurrently(
        self, tasks: list[Task], errors: list[Task], parent: TaskRun | None, limit: int
    ) -> StateType | None:
        """Run tasks side by side under parent (at most limit at once, 0 for no limit)."""
        ...


class FlowableTask(Task):
    """A task whose children the executor schedules; it does no work of its own."""

    # Names of the properties that hold lists of child tasks.
    task_lists: ClassVar[tuple[str, ...]] = ()

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        """Create the next child task runs; return the terminal state once decided."""
        raise NotImplementedError

    def children(self) -> list[Task]:
        """Return every child task, in every list."""
        found: list[Task] = []
        for name in self.task_lists:
            found.extend(getattr(self, name) or [])
        return found
