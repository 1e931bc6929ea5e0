"""gRPC plumbing shared by the components: rich errors, health and reflection, metrics and traces."""

from __future__ import annotations

from flowmesh.rpc._errors import ApiError, abort_with
from flowmesh.rpc._handlers import wrap_handler
from flowmesh.rpc._server import GrpcServer
from flowmesh.rpc._telemetry import TelemetryInterceptor, TracingClientInterceptor

__all__ = [
    "ApiError",
    "GrpcServer",
    "TelemetryInterceptor",
    "TracingClientInterceptor",
    "abort_with",
    "wrap_handler",
]
