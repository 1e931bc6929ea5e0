"""What every command that talks to a server shares: its options, the client, errors, output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from flowmesh.client import DEFAULT_ADDRESS, DEFAULT_DEADLINE_SECONDS, Client, problem_of

Handler = Callable[[Client, argparse.Namespace], int]
DEFAULT_TENANT = "main"
TENANT_HELP = f"the tenant requests name (env FLOWMESH_TENANT; default {DEFAULT_TENANT})"


def connection_options() -> argparse.ArgumentParser:
    """Return the options of every command that talks to a server (a parent parser)."""
    # The command line is the one place that reads these two variables: the client takes
    # its address and token as arguments.
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("server")
    group.add_argument(
        "--server",
        default=os.environ.get("FLOWMESH_SERVER", DEFAULT_ADDRESS),
        help="host:port of the api's gRPC (env FLOWMESH_SERVER; default %(default)s, where the "
        "standalone server serves it)",
    )
    group.add_argument(
        "--token",
        default=os.environ.get("FLOWMESH_TOKEN"),
        help="API token, sent as `authorization: Bearer <token>` (env FLOWMESH_TOKEN)",
    )
    group.add_argument("--tenant", help=TENANT_HELP)
    group.add_argument("--tls", action="store_true", help="connect with TLS (the system's CAs by default)")
    group.add_argument(
        "--ca-cert", type=Path, help="a PEM file of the CA that signed the server's certificate"
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_DEADLINE_SECONDS,
        help="deadline in seconds of each call that answers once (default %(default)s)",
    )
    group.add_argument(
        "--output", choices=["text", "json"], default="text", help="text for people, json for programs"
    )
    return options


def with_client(handler: Handler) -> Callable[[argparse.Namespace], int]:
    """Return a command that runs handler with a client, turning a failed call into a message."""

    def run(args: argparse.Namespace) -> int:
        root_certificates = args.ca_cert.read_bytes() if args.ca_cert else None
        client = Client(
            args.server,
            token=args.token,
            tenant=args.tenant or args.global_tenant or os.environ.get("FLOWMESH_TENANT") or DEFAULT_TENANT,
            deadline=args.timeout,
            tls=args.tls,
            root_certificates=root_certificates,
        )
        try:
            return handler(client, args)
        except grpc.RpcError as error:
            problem = problem_of(error)
            if problem.code == grpc.StatusCode.UNAVAILABLE:
                fail(f"cannot reach the flowmesh api at {args.server}: {problem.message}")
            else:
                fail(str(problem))
            return 1
        except KeyboardInterrupt:
            # Interrupted (following an execution, most often): the streams end with the client.
            return 130
        finally:
            client.close()

    return run


def fail(message: str) -> None:
    """Tell the user what went wrong, on stderr."""
    print(f"flowmesh: {message}", file=sys.stderr)


def as_dict(message: Message) -> dict[str, Any]:
    """Return a message in protobuf's JSON form (lowerCamelCase names)."""
    return json_format.MessageToDict(message)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under headers in aligned columns."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def when(message: Message, field: str) -> str:
    """Return a Timestamp field of message as ISO-8601 UTC to the second, "" when unset."""
    if not message.HasField(field):
        return ""
    return str(getattr(message, field).ToDatetime(UTC).isoformat(timespec="seconds"))


def key_value(text: str) -> tuple[str, str]:
    """Split a `KEY=VALUE` argument (an argparse type: a bad one is a usage error)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value
