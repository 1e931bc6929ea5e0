"""The `flowmesh` commands that talk to a server through the client: flows, executions, logs, health.

Each module's `register` adds its command group to the `flowmesh` parser; each command
sets `run`, a function of the parsed arguments that returns the exit status.
"""

from __future__ import annotations

from flowmesh.commands import _executions, _flows, _health

register_flow = _flows.register
register_executions = _executions.register
register_health = _health.register

__all__ = ["register_executions", "register_flow", "register_health"]
