"""`flowmesh health`: ask a component's gRPC health service whether it serves (container probes)."""

from __future__ import annotations

import argparse

from grpc_health.v1 import health_pb2, health_pb2_grpc

from flowmesh.client import Client
from flowmesh.commands._common import connection_options, with_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh health`."""
    health = commands.add_parser(
        "health",
        parents=[connection_options()],
        help="check a component's gRPC health (exit 0 when it serves)",
        description="Ask the gRPC health service at --server (the api's address, or another "
        "component's health port) whether SERVICE serves, print its status, and exit 0 when it "
        "is SERVING and 1 otherwise: a container's health check.",
    )
    health.add_argument(
        "service", nargs="?", default="", metavar="SERVICE", help="a service name (default: the whole server)"
    )
    health.set_defaults(run=with_client(_check))


def _check(client: Client, args: argparse.Namespace) -> int:
    stub = health_pb2_grpc.HealthStub(client.channel)
    answer = stub.Check(health_pb2.HealthCheckRequest(service=args.service))
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))
    return 0 if answer.status == health_pb2.HealthCheckResponse.SERVING else 1
