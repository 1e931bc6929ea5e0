"""The REST side's metrics and traces: each call counted and timed by route and status, and
traced as a server span that the gRPC calls it makes continue (the caller's traceparent first)."""

from __future__ import annotations

import time

from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowmesh.telemetry import HTTP_REQUESTS, HTTP_SECONDS, tracer

# Not traced (counted still): scrapes and probes.
_UNTRACED = ("/metrics", "/health")


class TelemetryMiddleware:
    """Pure ASGI, so that the span is current in the endpoint that calls the api."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNTRACED):
            await self._counted(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        span = tracer.start_span(
            scope["method"], context=propagate.extract(headers), kind=trace.SpanKind.SERVER
        )
        with trace.use_span(span, end_on_exit=True):
            status = await self._counted(scope, receive, send)
            route = _route(scope)
            span.update_name(f"{scope['method']} {route}")
            span.set_attributes(
                {
                    "http.request.method": scope["method"],
                    "http.route": route,
                    "http.response.status_code": status,
                }
            )
            if status >= 500:
                span.set_status(trace.StatusCode.ERROR)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Run the call, counting and timing it; return its status."""
        started = time.perf_counter()
        status = 500

        async def send_timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = _with_trace_response(message)
                HTTP_SECONDS.labels(scope["method"], _route(scope)).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            HTTP_REQUESTS.labels(scope["method"], _route(scope), str(status)).inc()
        return status


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
