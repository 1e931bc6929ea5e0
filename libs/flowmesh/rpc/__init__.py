"""gRPC plumbing shared by the components: rich errors, health and reflection."""

from __future__ import annotations

from flowmesh.rpc._errors import ApiError, abort_with
from flowmesh.rpc._server import GrpcServer

__all__ = ["ApiError", "GrpcServer", "abort_with"]
