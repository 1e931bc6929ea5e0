"""The `flowmesh` commands that talk to a server through the client: flows, executions, logs,
health, the KV store, triggers and namespace files.

Each module's `register` adds its command group to the `flowmesh` parser; each command
sets `run`, a function of the parsed arguments that returns the exit status.
"""

from __future__ import annotations

from flowmesh.commands import _executions, _flows, _health, _kv, _nsfiles, _triggers
from flowmesh.commands._common import TENANT_HELP, connection_options, with_client
from flowmesh.commands._status import show_status

register_flow = _flows.register
register_executions = _executions.register
register_health = _health.register
register_kv = _kv.register
register_triggers = _triggers.register
register_nsfiles = _nsfiles.register

__all__ = [
    "TENANT_HELP",
    "connection_options",
    "register_executions",
    "register_flow",
    "register_health",
    "register_kv",
    "register_nsfiles",
    "register_triggers",
    "show_status",
    "with_client",
]
