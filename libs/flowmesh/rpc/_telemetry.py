"""Metrics and traces of gRPC calls: the server side counts, times and traces each call, and
continues the caller's trace; the client side passes the current trace on in the metadata."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection
from opentelemetry import propagate, trace

from flowmesh.rpc._handlers import wrap_handler
from flowmesh.telemetry import GRPC_REQUESTS, GRPC_SECONDS, inject_trace, tracer

# Probes and tooling, counted but not traced: a trace each per health check would drown the others.
_UNTRACED = frozenset({health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME})


class TelemetryInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc ships no types
    """Count and time every call by method and code; trace it as a span of the caller's trace."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return None
        method: str = details.method
        service = method.split("/")[1]
        metadata = {key: value for key, value in details.invocation_metadata or () if isinstance(value, str)}

        @contextlib.asynccontextmanager
        async def observed(
            _request: Message | None, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[None]:
            started = time.perf_counter()
            span = (
                trace.INVALID_SPAN
                if service in _UNTRACED
                else tracer.start_span(
                    method.lstrip("/"),
                    context=propagate.extract(metadata),
                    kind=trace.SpanKind.SERVER,
                    attributes={
                        "rpc.system": "grpc",
                        "rpc.service": service,
                        "rpc.method": method.split("/")[2],
                    },
                )
            )
            code = "OK"
            try:
                with trace.use_span(
                    span, end_on_exit=True, record_exception=False, set_status_on_exception=False
                ):
                    try:
                        yield
                    except asyncio.CancelledError:
                        code = "CANCELLED"
                        raise
                    except BaseException:
                        code = _code(context, "UNKNOWN")
                        raise
                    else:
                        code = _code(context, "OK")
                    finally:
                        span.set_attribute("rpc.grpc.status_code", code)
                        if code not in ("OK", "CANCELLED"):
                            span.set_status(trace.StatusCode.ERROR, code)
            finally:
                GRPC_REQUESTS.labels(method, code).inc()
                GRPC_SECONDS.labels(method).observe(time.perf_counter() - started)

        return wrap_handler(handler, observed)


def _code(context: grpc.aio.ServicerContext, otherwise: str) -> str:
    """Return the name of the code the call ends with (set by an abort), or otherwise."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    return otherwise


def _with_trace(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    carrier: dict[str, str] = {}
    inject_trace(carrier)
    if not carrier:
        return details
    metadata: Sequence[tuple[str, Any]] = tuple(details.metadata or ())
    return details._replace(metadata=grpc.aio.Metadata(*metadata, *carrier.items()))


class TracingClientInterceptor(
    grpc.aio.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.aio.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Pass the current trace on to the called server in the metadata (W3C traceparent)."""

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_trace(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_trace(details), request)

    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(_with_trace(details), requests)

    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(_with_trace(details), requests)
