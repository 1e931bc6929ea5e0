"""The REST + SSE gateway: Kestra's API paths and JSON shapes in front of the api's gRPC."""

from __future__ import annotations

from flowmesh.gateway._app import create_app, serve

__all__ = ["create_app", "serve"]
