"""The flowmesh command: run the server (`flowmesh server standalone`, or one component per
process), and work with a server: flows, executions, logs, KV, triggers and namespace files."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from flowmesh.commands import (
    TENANT_HELP,
    connection_options,
    register_executions,
    register_flow,
    register_health,
    register_kv,
    register_nsfiles,
    register_triggers,
    show_status,
    with_client,
)

if TYPE_CHECKING:
    from flowmesh.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowmesh", description=__doc__)
    # Before the command or after it (with the other server options): either way.
    parser.add_argument("--tenant", dest="global_tenant", metavar="TENANT", help=TENANT_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # The command groups: each adds its commands, which set `run` (arguments -> exit status).
    for register in (
        _register_server,
        register_flow,
        register_executions,
        register_health,
        register_kv,
        register_triggers,
        register_nsfiles,
    ):
        register(commands)
    return parser


def _register_server(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The connection options serve `status`, which asks a running server through its api.
    server = commands.add_parser(
        "server", help="run server components, or show those running", parents=[connection_options()]
    )
    server.add_argument(
        "component",
        choices=_Components(),
        metavar="COMPONENT",
        help="%(choices)s: standalone runs every component with embedded NATS and PostgreSQL; "
        "the others run one component against --nats-url and --postgres-dsn; status lists the "
        "component instances running (the api's services list; --output json for programs)",
    )
    server.add_argument("--config", type=Path, help="a YAML file of settings (FLOWMESH_* variables win)")
    server.add_argument("--port", type=int, help="the gateway's HTTP port (default 8080)")
    server.add_argument("--host", help="the address to listen on (default 127.0.0.1)")
    server.add_argument("--data-dir", type=Path, help="where standalone keeps its data (default .flowmesh)")
    server.add_argument(
        "--nats-url",
        help="NATS server URL, or a cluster's URLs comma-separated (default nats://127.0.0.1:4222)",
    )
    server.add_argument(
        "--nats-replicas", type=int, help="NATS servers each stream and bucket is kept on (default 1)"
    )
    server.add_argument(
        "--nats-monitor-url", help="the NATS servers' monitoring URLs, comma-separated (checked for sync)"
    )
    server.add_argument("--postgres-dsn", help="PostgreSQL DSN of the repository")
    server.add_argument(
        "--api-address", help="host:port where the api serves gRPC (and the gateway calls it)"
    )
    server.add_argument("--health-port", type=int, help="gRPC health port of non-api components (0: any)")
    server.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port (0: none)")
    server.add_argument("--worker-group", help="the worker group whose jobs a worker takes")
    server.add_argument("--worker-concurrency", type=int, help="how many tasks a worker runs at once")
    server.add_argument(
        "--worker-grace-period",
        type=float,
        help="seconds a stopping worker lets its tasks finish before it hands them back (default 25)",
    )
    server.add_argument("--log-format", choices=["console", "json"], help="log lines for people or machines")
    server.set_defaults(run=partial(_run_server, server))


class _Components:
    """The choices of `flowmesh server`, read from the server package only when they are needed."""

    def _names(self) -> list[str]:
        from flowmesh.server import COMPONENTS

        return ["standalone", *COMPONENTS, "status"]

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    status: int = args.run(args)
    return status


def _run_server(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.component == "status":
        return with_client(show_status)(args)
    # The server's modules only when it runs: the other commands start quicker without them.
    from pydantic import ValidationError

    from flowmesh.messaging import NotDurableError, TopologyError
    from flowmesh.telemetry import configure_logging, configure_tracing

    try:
        settings = _settings(args)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        parser.error(f"invalid settings: {problems}")
    configure_logging(settings.log_format, settings.log_level)
    configure_tracing(settings.trace_exporter, settings.trace_otlp_endpoint, f"flowmesh-{args.component}")
    try:
        asyncio.run(_serve(settings, args.component))
    except (NotDurableError, TopologyError) as error:
        print(f"flowmesh server {args.component}: refusing to start: {error}", file=sys.stderr)
        return 1
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    """Return the settings, with the options given on top."""
    from flowmesh.config import load_settings

    return load_settings(
        config_file=args.config,
        port=args.port,
        host=args.host,
        data_dir=args.data_dir,
        nats_url=args.nats_url,
        nats_replicas=args.nats_replicas,
        nats_monitor_url=args.nats_monitor_url,
        postgres_dsn=args.postgres_dsn,
        api_address=args.api_address,
        health_port=args.health_port,
        metrics_port=args.metrics_port,
        worker_group=args.worker_group,
        worker_concurrency=args.worker_concurrency,
        worker_grace_period_seconds=args.worker_grace_period,
        log_format=args.log_format,
    )


async def _serve(settings: Settings, component: str) -> None:
    from flowmesh.server import run_components, run_standalone

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    if component == "standalone":
        await run_standalone(settings, stopping)
    else:
        await run_components(settings, [component], stopping)


if __name__ == "__main__":
    raise SystemExit(main())
