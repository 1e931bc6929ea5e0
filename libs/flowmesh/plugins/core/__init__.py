"""Kestra's core tasks that need no outside system."""

from __future__ import annotations

from flowmesh.plugins._base import Task
from flowmesh.plugins.core._flow import Parallel, Sequential
from flowmesh.plugins.core._runnable import Fail, Log, OutputValues, Return, Sleep

TASKS: list[type[Task]] = [Log, Return, OutputValues, Fail, Sleep, Sequential, Parallel]

__all__ = ["TASKS", "Fail", "Log", "OutputValues", "Parallel", "Return", "Sequential", "Sleep"]
