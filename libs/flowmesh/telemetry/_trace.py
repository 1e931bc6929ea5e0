"""OpenTelemetry traces: W3C trace context carried in gRPC metadata and NATS headers, so that
one execution is one trace, from the call that creates it to its last task run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Literal

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

TraceExporter = Literal["none", "otlp", "console"]

tracer = trace.get_tracer("flowmesh")


def configure_tracing(
    exporter: TraceExporter, otlp_endpoint: str | None = None, service: str = "flowmesh"
) -> None:
    """Install this process's tracer provider.

    Spans get ids whatever the exporter (logs carry them, messages pass them on); they are
    sent with OTLP over HTTP (to otlp_endpoint, or the OTEL_EXPORTER_OTLP_* variables'),
    printed on stdout (console), or not exported at all (none).
    """
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    chosen: SpanExporter | None = None
    if exporter == "otlp":
        # Imported only when chosen: the exporter pulls in an HTTP stack.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        chosen = OTLPSpanExporter(endpoint=otlp_endpoint)
    elif exporter == "console":
        chosen = ConsoleSpanExporter()
    if chosen is not None:
        provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)


def inject_trace(carrier: MutableMapping[str, str]) -> None:
    """Add the current trace context to carrier (message headers, call metadata) as `traceparent`."""
    propagate.inject(carrier)


@contextmanager
def continued_trace(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Within the block, the trace context carrier holds (if any) is the current one."""
    token = context.attach(propagate.extract(carrier or {}))
    try:
        yield
    finally:
        context.detach(token)


def current_trace_id() -> str | None:
    """Return the current trace's id (32 hex digits), if there is one."""
    span_context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(span_context.trace_id) if span_context.is_valid else None


def add_trace_ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: give each event the current trace and span ids, when there are some."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event.setdefault("trace_id", trace.format_trace_id(span_context.trace_id))
        event.setdefault("span_id", trace.format_span_id(span_context.span_id))
    return event
