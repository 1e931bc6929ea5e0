"""The worker: runs the attempts of runnable tasks and reports on them."""

from __future__ import annotations

from flowmesh.worker._service import Worker

__all__ = ["Worker"]
