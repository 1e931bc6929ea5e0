from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from flowmesh.telemetry._trace import add_trace_ids


def configure_logging(log_format: str = "console", level: str = "info") -> None:
    """Send structlog events to stderr: one JSON object a line, or pretty for a terminal."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_trace_ids,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def bind_log_context(**values: str) -> None:
    """Add values (execution_id, task_run_id, flow, namespace...) to this task's log lines from here on."""
    structlog.contextvars.bind_contextvars(**{key: value for key, value in values.items() if value})


def get_logger(name: str) -> Any:
    """Return a structlog logger that names its component."""
    return structlog.get_logger(component=name)
