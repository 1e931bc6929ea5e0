"""Task types: the models of their properties, and how each runs.

Runnable tasks run on workers (`RunnableTask.run`); flowable tasks are decided
by the executor (`FlowableTask.resolve`). Third parties add task types with a
`flowmesh.tasks` entry point naming a list of task classes.
"""

from __future__ import annotations

from flowmesh.plugins._base import (
    WORKER_GROUP_PATTERN,
    BatchLauncher,
    ConstantRetry,
    ExecutableTask,
    ExecutionUpdater,
    ExecutionUpdatingTask,
    ExponentialRetry,
    FlowableTask,
    GroupContext,
    GroupOnWorker,
    ParseTasks,
    RandomRetry,
    RenderFailed,
    Resolver,
    RunContext,
    RunnableTask,
    SubflowCall,
    Task,
    TaskFailed,
    Warned,
    is_true,
)
from flowmesh.plugins._kv_access import KeyValues
from flowmesh.plugins._registry import task_class, task_types
from flowmesh.plugins._trigger_access import TriggerSwitches

__all__ = [
    "WORKER_GROUP_PATTERN",
    "BatchLauncher",
    "ConstantRetry",
    "ExecutableTask",
    "ExecutionUpdater",
    "ExecutionUpdatingTask",
    "ExponentialRetry",
    "FlowableTask",
    "KeyValues",
    "GroupContext",
    "GroupOnWorker",
    "ParseTasks",
    "RandomRetry",
    "RenderFailed",
    "Resolver",
    "RunContext",
    "RunnableTask",
    "SubflowCall",
    "Task",
    "TaskFailed",
    "TriggerSwitches",
    "Warned",
    "is_true",
    "task_class",
    "task_types",
]
