"""The scheduler: executions started by the Schedule triggers of the deployed flows."""

from __future__ import annotations

from flowmesh.scheduler._polling import PollingTriggers
from flowmesh.scheduler._service import Scheduler

__all__ = ["PollingTriggers", "Scheduler"]
