"""The api: flowmesh's gRPC services over the KV buckets, the queue and the repository."""

from __future__ import annotations

from flowmesh.api._server import build_api_server

__all__ = ["build_api_server"]
