"""`flowmesh flow validate|deploy|list|export`: flows in local files and on a server."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from flowmesh.client import Client
from flowmesh.commands._common import (
    as_dict,
    connection_options,
    fail,
    print_json,
    print_table,
    when,
    with_client,
)
from flowmesh.commands._folder import (
    FILES_DIR,
    Action,
    Change,
    Folder,
    Plan,
    flow_paths,
    plan_sync,
    read_folder,
)
from flowmesh.flow.v1 import flow_messages_pb2 as messages


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh flow ...`."""
    flow = commands.add_parser("flow", help="validate, deploy, list and export flows")
    actions = flow.add_subparsers(dest="action", required=True, metavar="ACTION")
    options = connection_options()

    validate = actions.add_parser(
        "validate",
        parents=[options],
        help="check flow files without deploying them",
        description="Validate flow files (directories are searched for *.yml and *.yaml, outside files/) "
        "with the server's validation, or with this installation's parser with --local. Each problem "
        "names the file, the property path and its line; exits 1 when a flow is invalid.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="DIR|FILE")
    validate.add_argument("--local", action="store_true", help="validate here, without a server")
    validate.set_defaults(run=with_client(_validate))

    deploy = actions.add_parser(
        "deploy",
        parents=[options],
        help="sync a folder of flows and namespace files to the server",
        description="Create or update every flow of DIR (*.yml and *.yaml at any depth, one flow per file) "
        f"and the namespace files under DIR/{FILES_DIR}/<namespace>/ (DIR/{FILES_DIR}/demo/scripts/a.py "
        "is the file /scripts/a.py of namespace demo). Nothing is changed when a flow is invalid. "
        "Prints what was created, updated, left unchanged and deleted.",
    )
    deploy.add_argument("directory", type=Path, metavar="DIR")
    deploy.add_argument(
        "--delete",
        action="store_true",
        help="also delete the flows of the folder's namespaces that are not in the folder, and the "
        f"files of each namespace under {FILES_DIR}/ that are not there",
    )
    deploy.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    deploy.set_defaults(run=with_client(_deploy))

    listing = actions.add_parser(
        "list", parents=[options], help="list deployed flows", description="List the deployed flows."
    )
    listing.add_argument("--namespace", default="", help="only flows in this namespace and below it")
    listing.set_defaults(run=with_client(_list))

    export = actions.add_parser(
        "export",
        parents=[options],
        help="write deployed flows' sources to a folder",
        description="Write the source of each flow in NAMESPACE and below it to DIR/<namespace>/<id>.yml, "
        "a folder that `flowmesh flow deploy` takes back.",
    )
    export.add_argument("--namespace", required=True, help="the namespace to export (with those below it)")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.set_defaults(run=with_client(_export))


# ------------------------------------------------------------------------------- validate


@dataclass
class _Checked:
    """One flow document of a file and what is wrong with it."""

    file: Path
    namespace: str
    flow: str
    violations: list[dict[str, Any]] = field(default_factory=list)


def _validate(client: Client, args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
        return 2
    checked: list[_Checked] = []
    for path in flow_paths(args.paths):
        source = path.read_text(encoding="utf-8")
        checked += _check_locally(path, source) if args.local else _check(client, path, source)
    _report(checked, args.output)
    return 1 if any(item.violations for item in checked) else 0


def _check(client: Client, path: Path, source: str) -> list[_Checked]:
    answer = client.flows.ValidateFlows(messages.ValidateFlowsRequest(tenant=client.tenant, source=source))
    return [
        _Checked(
            path,
            result.namespace,
            result.flow,
            [
                {"path": v.path, "line": v.line, "column": v.column, "message": v.message}
                for v in result.violations
            ],
        )
        for result in answer.results
    ]


def _check_locally(path: Path, source: str) -> list[_Checked]:
    # The flow language (and the task types installed here) only when asked: it is large.
    from flowmesh.language import FlowInvalid, load_document, parse_flow, split_documents

    checked = []
    for document in split_documents(source):
        try:
            flow = parse_flow(document)
        except FlowInvalid as invalid:
            try:
                data, _ = load_document(document)
            except FlowInvalid:
                data = None
            names = data if isinstance(data, dict) else {}
            checked.append(
                _Checked(
                    path,
                    str(names.get("namespace") or ""),
                    str(names.get("id") or ""),
                    [
                        {"path": v.path, "line": v.line, "column": v.column, "message": v.message}
                        for v in invalid.violations
                    ],
                )
            )
        else:
            checked.append(_Checked(path, flow.namespace, flow.id))
    return checked


def _report(checked: list[_Checked], output: str) -> None:
    if output == "json":
        print_json(
            [
                {
                    "file": str(item.file),
                    "namespace": item.namespace,
                    "flow": item.flow,
                    "valid": not item.violations,
                    "violations": item.violations,
                }
                for item in checked
            ]
        )
        return
    for item in checked:
        name = f"{item.namespace}.{item.flow}" if item.flow else "flow"
        if not item.violations:
            print(f"{item.file}: {name} is valid")
        for violation in item.violations:
            where = f":{violation['line']}:{violation['column']}" if violation["line"] else ""
            field_name = f"{violation['path']}: " if violation["path"] else ""
            print(f"{item.file}{where}: {name}: {field_name}{violation['message']}")


# --------------------------------------------------------------------------------- deploy


def _deploy(client: Client, args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        fail(f"{args.directory} is not a directory")
        return 2
    folder = read_folder(args.directory)
    for problem in folder.problems:
        fail(problem)
    if folder.problems:
        return 1
    invalid = [
        item for flow in folder.flows for item in _check(client, flow.path, flow.source) if item.violations
    ]
    if invalid:
        _report(invalid, args.output)
        fail("nothing was deployed: the flows above are invalid")
        return 1
    plan = plan_sync(
        folder,
        _remote_flows(client, folder, args.delete),
        _remote_files(client, folder, args.delete),
        delete=args.delete,
    )
    if not args.dry_run:
        _apply(client, plan)
    _summarise(plan, args.output, dry_run=args.dry_run)
    return 0


def _remote_flows(client: Client, folder: Folder, delete: bool) -> dict[tuple[str, str], str]:
    remote = {}
    for flow in folder.flows:
        stored = client.get_flow(flow.namespace, flow.id)
        if stored is not None:
            remote[(flow.namespace, flow.id)] = stored.source
    if delete:
        for namespace in sorted(folder.flow_namespaces):
            # ListFlows has the namespaces below too: only this one's flows are the folder's to delete.
            # It reads the search index, which may lag: GetFlow's sources above stay.
            for stored in client.list_flows(namespace):
                if stored.namespace == namespace:
                    remote.setdefault((stored.namespace, stored.id), stored.source)
    return remote


def _remote_files(client: Client, folder: Folder, delete: bool) -> dict[tuple[str, str], bytes]:
    remote = {}
    for file in folder.files:
        content = client.read_namespace_file(file.namespace, file.target)
        if content is not None:
            remote[(file.namespace, file.target)] = content
    if delete:
        for namespace in sorted(folder.file_namespaces):
            for path in client.namespace_file_paths(namespace):
                remote.setdefault((namespace, path), b"")
    return remote


def _apply(client: Client, plan: Plan) -> None:
    tenant = client.tenant
    for change in plan.flows:
        if change.action == Action.CREATE:
            client.flows.CreateFlow(messages.CreateFlowRequest(tenant=tenant, source=change.source))
        elif change.action == Action.UPDATE:
            client.flows.UpdateFlow(
                messages.UpdateFlowRequest(
                    tenant=tenant, namespace=change.namespace, id=change.name, source=change.source
                )
            )
        elif change.action == Action.DELETE:
            _delete_flow(client, change)
    for change in plan.files:
        if change.action in (Action.CREATE, Action.UPDATE):
            assert change.path is not None
            client.write_namespace_file(change.namespace, change.name, change.path.read_bytes())
        elif change.action == Action.DELETE:
            client.delete_namespace_file(change.namespace, change.name)


def _delete_flow(client: Client, change: Change) -> None:
    try:
        client.flows.DeleteFlow(
            messages.DeleteFlowRequest(tenant=client.tenant, namespace=change.namespace, id=change.name)
        )
    except grpc.RpcError as error:
        # The list comes from the search index, which may not yet know of a recent delete.
        if not (isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND):
            raise


def _summarise(plan: Plan, output: str, *, dry_run: bool) -> None:
    if output == "json":
        print_json(
            {
                "dryRun": dry_run,
                "flows": _by_action(plan.flows, "id"),
                "namespaceFiles": _by_action(plan.files, "path"),
            }
        )
        return
    verb = "would be " if dry_run else ""
    for kind, changes in (("flow", plan.flows), ("namespace file", plan.files)):
        for change in changes:
            if change.action != Action.UNCHANGED:
                name = (
                    f"{change.namespace}.{change.name}"
                    if kind == "flow"
                    else f"{change.namespace}:{change.name}"
                )
                print(f"{kind} {name} {verb}{change.action.value}")
    for kind, changes in (("flows", plan.flows), ("namespace files", plan.files)):
        counts = ", ".join(f"{count} {verb}{action}" for action, count in plan.count(changes).items())
        print(f"{kind}: {counts}")


def _by_action(changes: list[Change], name: str) -> dict[str, list[dict[str, str]]]:
    """Group changes by what was done, each as {"namespace": ..., name: ...}."""
    grouped: dict[str, list[dict[str, str]]] = {action.value: [] for action in Action}
    for change in changes:
        grouped[change.action.value].append({"namespace": change.namespace, name: change.name})
    return grouped


# ---------------------------------------------------------------------------- list, export


def _list(client: Client, args: argparse.Namespace) -> int:
    flows = list(client.list_flows(args.namespace))
    if args.output == "json":
        print_json([as_dict(flow) for flow in flows])
        return 0
    rows = [
        (
            flow.namespace,
            flow.id,
            str(flow.revision),
            "yes" if flow.disabled else "",
            when(flow, "updated"),
        )
        for flow in flows
    ]
    print_table(("NAMESPACE", "ID", "REVISION", "DISABLED", "UPDATED"), rows)
    return 0


def _export(client: Client, args: argparse.Namespace) -> int:
    written = []
    for flow in client.list_flows(args.namespace):
        target = args.directory / flow.namespace / f"{flow.id}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(flow.source, encoding="utf-8")
        written.append(str(target))
    if args.output == "json":
        print_json({"files": written})
    else:
        print(f"exported {len(written)} flows to {args.directory}")
    return 0
