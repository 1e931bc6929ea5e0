"""Task types: the models of their properties, and how each runs.

Runnable tasks run on workers (`RunnableTask.run`); flowable tasks are decided
by the executor (`FlowableTask.resolve`). Third parties add task types with a
`flowmesh.tasks` entry point naming a list of task classes.
"""

from __future__ import annotations

from flowmesh.plugins._base import (
    FlowableTask,
    Resolver,
    RunContext,
    RunnableTask,
    Task,
    TaskFailed,
)
from flowmesh.plugins._registry import task_class, task_types

__all__ = [
    "FlowableTask",
    "Resolver",
    "RunContext",
    "RunnableTask",
    "Task",
    "TaskFailed",
    "task_class",
    "task_types",
]
