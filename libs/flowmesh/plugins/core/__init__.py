"""Kestra's core tasks that need no outside system."""

from __future__ import annotations

from flowmesh.plugins._base import Task
from flowmesh.plugins.core import _kv as kv
from flowmesh.plugins.core import _states as states
from flowmesh.plugins.core._branching import AllowFailure, If, Switch
from flowmesh.plugins.core._dag import Dag, DagTask
from flowmesh.plugins.core._directory import LocalFiles, WorkingDirectory
from flowmesh.plugins.core._execution import Exit, Labels, SetVariables, UnsetVariables, system_labels
from flowmesh.plugins.core._files import task_directory
from flowmesh.plugins.core._flow import Parallel, Sequential
from flowmesh.plugins.core._foreach_item import (
    ForEachItem,
    ForEachItemExecutable,
    ForEachItemMergeOutputs,
    ForEachItemSplit,
)
from flowmesh.plugins.core._logs import Fetch
from flowmesh.plugins.core._loops import EachParallel, EachSequential, ForEach
from flowmesh.plugins.core._pause import Pause
from flowmesh.plugins.core._runnable import Echo, Fail, Log, OutputValues, Return, Sleep
from flowmesh.plugins.core._storage import Concat, Delete, PurgeCurrentExecutionFiles, Size, Split, Write
from flowmesh.plugins.core._subflow import Subflow
from flowmesh.plugins.core._toggle import Toggle
from flowmesh.plugins.core._waitfor import CheckFrequency, LoopUntil, iteration_count

TASKS: list[type[Task]] = [
    Log, Echo, Return, OutputValues, Fail, Sleep, Sequential, Parallel,
    If, Switch, AllowFailure, ForEach, EachSequential, EachParallel, Dag,
    Labels, SetVariables, UnsetVariables, Exit, Pause, LoopUntil, Subflow, Fetch,
    kv.Set, kv.Get, kv.GetKeys, kv.Delete, kv.PurgeKV, states.Set, states.Get, states.Delete,
    WorkingDirectory, LocalFiles, Write, Size, Delete, Concat, Split, PurgeCurrentExecutionFiles,
    ForEachItem, ForEachItemSplit, ForEachItemExecutable, ForEachItemMergeOutputs, Toggle,
]  # fmt: skip

__all__ = [
    "TASKS",
    "Toggle",
    "Concat",
    "Delete",
    "PurgeCurrentExecutionFiles",
    "Size",
    "Split",
    "Write",
    "AllowFailure",
    "CheckFrequency",
    "Dag",
    "DagTask",
    "EachParallel",
    "EachSequential",
    "Echo",
    "Exit",
    "Fail",
    "Fetch",
    "ForEach",
    "ForEachItem",
    "ForEachItemExecutable",
    "ForEachItemMergeOutputs",
    "ForEachItemSplit",
    "If",
    "Labels",
    "LocalFiles",
    "Log",
    "LoopUntil",
    "OutputValues",
    "Parallel",
    "Pause",
    "Return",
    "Sequential",
    "SetVariables",
    "Sleep",
    "Subflow",
    "Switch",
    "UnsetVariables",
    "WorkingDirectory",
    "iteration_count",
    "system_labels",
    "task_directory",
]
