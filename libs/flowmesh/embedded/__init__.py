"""Embedded NATS (JetStream) and PostgreSQL servers for tests and all-in-one mode."""

from __future__ import annotations

from flowmesh.embedded._nats import EmbeddedNats
from flowmesh.embedded._ports import EmbeddedServerError, free_port
from flowmesh.embedded._postgres import EmbeddedPostgres

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "EmbeddedServerError", "free_port"]
