"""The REST side's metrics: each call counted and timed by route and status.

Its traces are FastAPI's own (the app's `telemetry`): a server span per call, continuing
the caller's `traceparent`, that the gRPC calls to the api continue in turn; each answer
names its trace in W3C's `traceresponse` header.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowmesh.telemetry import HTTP_REQUESTS, HTTP_SECONDS

# Not traced (counted still): scrapes and probes.
_UNTRACED = ("/metrics", "/health")


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return str(scope.get("path", "")).startswith(_UNTRACED)


# FastAPI's spans of HTTP calls only: metrics are Prometheus's, logs structlog's.
TRACING: TelemetryConfig = {"operation_spans": False, "metrics": False, "logs": False, "exclude": _untraced}


class MetricsMiddleware:
    """Pure ASGI, inside FastAPI's span: it sees the call's trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                HTTP_SECONDS.labels(scope["method"], _route(scope)).observe(time.perf_counter() - started)
                message = _with_trace_response(message)
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            HTTP_REQUESTS.labels(scope["method"], _route(scope), str(status)).inc()


def _with_trace_response(start: Message) -> Message:
    """Tell the caller the trace of its call: W3C's `traceresponse` header, when there is one."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return start
    value = (
        f"00-{trace.format_trace_id(span_context.trace_id)}-{trace.format_span_id(span_context.span_id)}-01"
    )
    return {**start, "headers": [*start.get("headers", []), (b"traceresponse", value.encode())]}


def _route(scope: Scope) -> str:
    """Return the path template of the route that took the call (few values), or `other`."""
    return str(getattr(scope.get("route"), "path", "other"))
