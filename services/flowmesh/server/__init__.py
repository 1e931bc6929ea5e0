"""Running components: one, several, or all of them with embedded NATS and PostgreSQL."""

from __future__ import annotations

from flowmesh.server._components import COMPONENTS, run_components
from flowmesh.server._standalone import run_standalone

__all__ = ["COMPONENTS", "run_components", "run_standalone"]
