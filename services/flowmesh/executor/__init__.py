"""The executor: applies events to executions and publishes what each decision implies."""

from __future__ import annotations

from flowmesh.executor._service import Executor

__all__ = ["Executor"]
