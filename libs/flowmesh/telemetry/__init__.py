"""Structured logging and trace ids shared by every component."""

from __future__ import annotations

from flowmesh.telemetry._logging import configure_logging, get_logger
from flowmesh.telemetry._metrics import (
    DECISIONS,
    HANDLER_FAILURES,
    INDEXED,
    TASK_RUNS,
    TASK_SECONDS,
    serve_metrics,
)
from flowmesh.telemetry._trace import TRACE_HEADER, bind_trace_id, current_trace_id, new_trace_id

__all__ = [
    "DECISIONS",
    "HANDLER_FAILURES",
    "INDEXED",
    "TASK_RUNS",
    "TASK_SECONDS",
    "serve_metrics",
    "TRACE_HEADER",
    "bind_trace_id",
    "configure_logging",
    "current_trace_id",
    "get_logger",
    "new_trace_id",
]
