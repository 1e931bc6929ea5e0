"""`flowmesh nsfile upload|download|list|delete`: the namespace files scripts and flows read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path, PurePosixPath

from flowmesh.client import Client
from flowmesh.commands._common import connection_options, fail, print_json, with_client
from flowmesh.file.v1 import file_messages_pb2 as messages


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh nsfile ...`."""
    nsfile = commands.add_parser("nsfile", help="upload, download, list and delete namespace files")
    actions = nsfile.add_subparsers(dest="action", required=True, metavar="ACTION")
    options = connection_options()

    upload = actions.add_parser(
        "upload",
        parents=[options],
        help="upload a file or a folder's files",
        description="Upload LOCAL to NAMESPACE's files at PATH, replacing a file there. LOCAL may be a "
        "folder: each file under it goes to PATH/<its path in the folder>. PATH is / by default; a "
        "PATH ending with / receives LOCAL under its own name.",
    )
    upload.add_argument("namespace", metavar="NAMESPACE")
    upload.add_argument("local", type=Path, metavar="LOCAL")
    upload.add_argument("path", nargs="?", default="/", metavar="PATH")
    upload.set_defaults(run=with_client(_upload))

    download = actions.add_parser(
        "download",
        parents=[options],
        help="download a file",
        description="Write the file PATH of NAMESPACE to LOCAL (by default its name in the current "
        "folder; - for standard output). Exits 1 when there is no such file.",
    )
    download.add_argument("namespace", metavar="NAMESPACE")
    download.add_argument("path", metavar="PATH")
    download.add_argument("local", nargs="?", metavar="LOCAL")
    download.set_defaults(run=with_client(_download))

    listing = actions.add_parser(
        "list",
        parents=[options],
        help="list a namespace's files",
        description="Print the path of every file of NAMESPACE, sorted.",
    )
    listing.add_argument("namespace", metavar="NAMESPACE")
    listing.add_argument("--query", default="", help="only paths containing this text")
    listing.set_defaults(run=with_client(_list))

    delete = actions.add_parser(
        "delete",
        parents=[options],
        help="delete files or folders",
        description="Delete each PATH of NAMESPACE (a folder with everything in it).",
    )
    delete.add_argument("namespace", metavar="NAMESPACE")
    delete.add_argument("paths", nargs="+", metavar="PATH")
    delete.set_defaults(run=with_client(_delete))


def _upload(client: Client, args: argparse.Namespace) -> int:
    local: Path = args.local
    target = PurePosixPath("/", args.path)
    if local.is_dir():
        pairs = [
            (f, target / f.relative_to(local).as_posix()) for f in sorted(local.rglob("*")) if f.is_file()
        ]
    elif local.is_file():
        pairs = [(local, target / local.name if args.path.endswith("/") else target)]
    else:
        fail(f"no such file or directory: {local}")
        return 2
    for source, path in pairs:
        client.write_namespace_file(args.namespace, str(path), source.read_bytes())
        print(f"{args.namespace} {path} uploaded")
    return 0


def _download(client: Client, args: argparse.Namespace) -> int:
    content = client.read_namespace_file(args.namespace, args.path)
    if content is None:
        fail(f"{args.namespace} has no file {args.path}")
        return 1
    if args.local == "-":
        sys.stdout.buffer.write(content)
        return 0
    local = Path(args.local or PurePosixPath(args.path).name)
    local.write_bytes(content)
    print(f"{args.namespace} {args.path} written to {local}")
    return 0


def _list(client: Client, args: argparse.Namespace) -> int:
    answer = client.files.SearchNamespaceFiles(
        messages.SearchNamespaceFilesRequest(tenant=client.tenant, namespace=args.namespace, q=args.query)
    )
    if args.output == "json":
        print_json(list(answer.paths))
    else:
        for path in answer.paths:
            print(path)
    return 0


def _delete(client: Client, args: argparse.Namespace) -> int:
    for path in args.paths:
        client.delete_namespace_file(args.namespace, path)
        print(f"{args.namespace} {path} deleted")
    return 0
