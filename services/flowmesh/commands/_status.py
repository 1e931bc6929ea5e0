"""`flowmesh server status`: the component instances running, as the api's services list shows them."""

from __future__ import annotations

import argparse
from datetime import UTC

from flowmesh.client import Client
from flowmesh.commands._common import as_dict, print_json, print_table
from flowmesh.instance.v1.instance_pb2 import ServiceState, ServiceType


def show_status(client: Client, args: argparse.Namespace) -> int:
    """Print the running instances: a table, or a JSON list with --output json."""
    instances = list(client.services())
    if args.output == "json":
        print_json([as_dict(instance) for instance in instances])
        return 0
    rows = [
        (
            instance.id,
            ServiceType.Name(instance.type).removeprefix("SERVICE_TYPE_"),
            ServiceState.Name(instance.state).removeprefix("SERVICE_STATE_"),
            instance.worker_group,
            instance.hostname,
            str(instance.pid),
            instance.created_at.ToDatetime(UTC).isoformat(timespec="seconds"),
            instance.updated_at.ToDatetime(UTC).isoformat(timespec="seconds"),
        )
        for instance in instances
    ]
    print_table(("ID", "TYPE", "STATE", "GROUP", "HOST", "PID", "STARTED", "HEARTBEAT"), rows)
    return 0
