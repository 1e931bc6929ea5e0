"""The `flowmesh` commands that talk to a server through the client: flows, executions, logs.

Each module's `register` adds its command group to the `flowmesh` parser; each command
sets `run`, a function of the parsed arguments that returns the exit status.
"""

from __future__ import annotations

from flowmesh.commands import _executions, _flows
from flowmesh.commands._common import connection_options, with_client
from flowmesh.commands._status import show_status

register_flow = _flows.register
register_executions = _executions.register

__all__ = ["connection_options", "register_executions", "register_flow", "show_status", "with_client"]
