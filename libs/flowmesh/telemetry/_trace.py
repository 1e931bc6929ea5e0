from __future__ import annotations

import secrets

import structlog

TRACE_HEADER = "Flowmesh-Trace-Id"


def new_trace_id() -> str:
    """Return a fresh W3C-sized trace id (32 hex digits)."""
    return secrets.token_hex(16)


def bind_trace_id(trace_id: str | None) -> str:
    """Make trace_id (or a new one) the current trace for logs and publishes."""
    trace_id = trace_id or new_trace_id()
    structlog.contextvars.bind_contextvars(trace_id=trace_id)
    return trace_id


def current_trace_id() -> str | None:
    """Return the trace id bound to this task, if any."""
    value = structlog.contextvars.get_contextvars().get("trace_id")
    return value if isinstance(value, str) else None
