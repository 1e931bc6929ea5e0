"""Structured logging, Prometheus metrics and OpenTelemetry traces shared by every component."""

from __future__ import annotations

from flowmesh.telemetry._logging import bind_log_context, configure_logging, get_logger
from flowmesh.telemetry._metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    DECISIONS,
    EXECUTIONS_ENDED,
    EXECUTIONS_STARTED,
    GRPC_REQUESTS,
    GRPC_SECONDS,
    HANDLER_FAILURES,
    HTTP_REQUESTS,
    HTTP_SECONDS,
    INDEXED,
    INDEXER_LAG,
    SCHEDULER_LOOP_SECONDS,
    TASK_RUNS,
    TASK_SECONDS,
    WORKER_SLOTS,
    WORKER_SLOTS_BUSY,
    serve_metrics,
)
from flowmesh.telemetry._trace import (
    TraceExporter,
    configure_tracing,
    continued_trace,
    current_trace_id,
    inject_trace,
    tracer,
)

__all__ = [
    "CONSUMER_ACK_PENDING",
    "CONSUMER_PENDING",
    "DECISIONS",
    "EXECUTIONS_ENDED",
    "EXECUTIONS_STARTED",
    "GRPC_REQUESTS",
    "GRPC_SECONDS",
    "HANDLER_FAILURES",
    "HTTP_REQUESTS",
    "HTTP_SECONDS",
    "INDEXED",
    "INDEXER_LAG",
    "SCHEDULER_LOOP_SECONDS",
    "TASK_RUNS",
    "TASK_SECONDS",
    "WORKER_SLOTS",
    "WORKER_SLOTS_BUSY",
    "TraceExporter",
    "bind_log_context",
    "configure_logging",
    "configure_tracing",
    "continued_trace",
    "current_trace_id",
    "get_logger",
    "inject_trace",
    "serve_metrics",
    "tracer",
]
