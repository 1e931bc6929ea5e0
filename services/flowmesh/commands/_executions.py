"""`flowmesh execution run` and `flowmesh logs`: start executions, watch them, read their logs."""

from __future__ import annotations

import argparse
import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
from google.protobuf import struct_pb2

from flowmesh.client import Client
from flowmesh.commands._common import as_dict, connection_options, fail, key_value, print_json, with_client
from flowmesh.commands._progress import Progress, log_line, progress_for, state_name
from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.log.v1 import log_messages_pb2 as log_messages
from flowmesh.log.v1.log_pb2 import LogEntry

LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
# Bytes read from a file input at a time while it is uploaded.
_READ = 1 << 20


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh execution ...` and `flowmesh logs`."""
    options = connection_options()
    execution = commands.add_parser("execution", help="run flows")
    actions = execution.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        parents=[options],
        help="start an execution of a deployed flow",
        description="Start an execution of NAMESPACE.FLOW and print it. With --wait, wait until it "
        "ends; with --follow, also show its task runs' states and its log lines as it runs. Either "
        "way the exit status is 0 when it ends in SUCCESS and 1 otherwise.",
    )
    run.add_argument("namespace", metavar="NAMESPACE")
    run.add_argument("flow_id", metavar="FLOW")
    run.add_argument(
        "--input",
        dest="inputs",
        action="append",
        type=key_value,
        default=[],
        metavar="KEY=VALUE",
        help="an input value, converted to the input's declared type (repeat for more)",
    )
    run.add_argument(
        "--file",
        dest="files",
        action="append",
        type=key_value,
        default=[],
        metavar="KEY=PATH",
        help="a FILE input: the local file is uploaded first (repeat for more)",
    )
    run.add_argument(
        "--label",
        dest="labels",
        action="append",
        type=key_value,
        default=[],
        metavar="KEY=VALUE",
        help="a label of the execution (repeat for more)",
    )
    run.add_argument("--wait", action="store_true", help="wait until the execution ends")
    run.add_argument(
        "--follow", action="store_true", help="wait, showing task run states and log lines as they come"
    )
    run.set_defaults(run=with_client(_run))

    logs = commands.add_parser(
        "logs",
        parents=[options],
        help="show an execution's log lines",
        description="Print the log lines of an execution; with --follow, from its start until it has ended.",
    )
    logs.add_argument("execution_id", metavar="EXECUTION_ID")
    logs.add_argument("--follow", action="store_true", help="keep printing lines until the execution ends")
    logs.add_argument(
        "--level", choices=LEVELS, default="TRACE", type=str.upper, help="the least level shown"
    )
    logs.set_defaults(run=with_client(_logs))


# ------------------------------------------------------------------------------------ run


def _run(client: Client, args: argparse.Namespace) -> int:
    missing = [path for _, path in args.files if not Path(path).is_file()]
    if missing:
        fail(f"no such file: {', '.join(missing)}")
        return 2
    inputs = struct_pb2.Struct()
    inputs.update(dict(args.inputs))
    for key, path in args.files:
        inputs[key] = client.upload(Path(path).name, _pieces(Path(path)))
    execution = client.executions.CreateExecution(
        messages.CreateExecutionRequest(
            tenant=client.tenant,
            namespace=args.namespace,
            flow_id=args.flow_id,
            inputs=inputs,
            labels=[Label(key=key, value=value) for key, value in args.labels],
        )
    )
    if args.follow:
        execution = follow(client, execution.id, progress_for(args.output))
    elif args.wait:
        execution = client.wait_execution(execution.id)
    if not args.follow:
        _show(execution, args.output)
    if args.follow or args.wait:
        return 0 if execution.state.current == StateType.STATE_TYPE_SUCCESS else 1
    return 0


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while piece := source.read(_READ):
            yield piece


def _show(execution: Execution, output: str) -> None:
    if output == "json":
        print_json(as_dict(execution))
    else:
        state = state_name(execution.state.current)
        print(f"execution {execution.id} of {execution.namespace}.{execution.flow_id}: {state}")


def follow(client: Client, execution_id: str, progress: Progress) -> Execution:
    """Show the execution's changes and log lines as they come; return it once it has ended.

    The two server streams are read by two threads into one queue, so that the display
    takes each event in the order it arrives.
    """
    events: queue.Queue[Execution | LogEntry | grpc.RpcError | None] = queue.Queue()
    calls = [
        client.executions.FollowExecution(
            messages.FollowExecutionRequest(tenant=client.tenant, execution_id=execution_id)
        ),
        client.logs.FollowLogs(
            log_messages.FollowLogsRequest(tenant=client.tenant, execution_id=execution_id)
        ),
    ]

    def read(call: Iterator[Execution | LogEntry]) -> None:
        try:
            for event in call:
                events.put(event)
        except grpc.RpcError as error:
            if not (isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.CANCELLED):
                events.put(error)
        finally:
            events.put(None)

    readers = [threading.Thread(target=read, args=(call,), daemon=True) for call in calls]
    for reader in readers:
        reader.start()
    latest = Execution()
    open_streams = len(readers)
    try:
        while open_streams:
            event = events.get()
            if event is None:
                open_streams -= 1
            elif isinstance(event, grpc.RpcError):
                raise event
            elif isinstance(event, Execution):
                latest = event
                progress.execution(event)
            else:
                progress.log(event)
    finally:
        for call in calls:
            call.cancel()
        progress.close()
    return latest


# ----------------------------------------------------------------------------------- logs


def _logs(client: Client, args: argparse.Namespace) -> int:
    level = f"LEVEL_{args.level}"
    entries: Iterator[LogEntry]
    if args.follow:
        entries = client.logs.FollowLogs(
            log_messages.FollowLogsRequest(
                tenant=client.tenant, execution_id=args.execution_id, min_level=level
            )
        )
    else:
        entries = iter(
            client.logs.ListLogs(
                log_messages.ListLogsRequest(
                    tenant=client.tenant, execution_id=args.execution_id, min_level=level
                )
            ).entries
        )
    for entry in entries:
        print(json.dumps(as_dict(entry)) if args.output == "json" else log_line(entry), flush=args.follow)
    return 0
