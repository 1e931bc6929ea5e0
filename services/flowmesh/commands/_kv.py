"""`flowmesh kv get|set|list|delete`: the KV store of a namespace."""

from __future__ import annotations

import argparse
import json

from google.protobuf import json_format

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
from flowmesh.kv.v1 import kv_messages_pb2 as messages


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh kv ...`."""
    kv = commands.add_parser("kv", help="read and change a namespace's KV store")
    actions = kv.add_subparsers(dest="action", required=True, metavar="ACTION")
    options = connection_options()

    listing = actions.add_parser(
        "list",
        parents=[options],
        help="list the keys of a namespace",
        description="List the keys of NAMESPACE (not those of the namespaces below it), with their "
        "description, last update and expiry; not their values.",
    )
    listing.add_argument("namespace", metavar="NAMESPACE")
    listing.set_defaults(run=with_client(_list))

    get = actions.add_parser(
        "get",
        parents=[options],
        help="print the value of a key",
        description="Print the value of KEY in NAMESPACE: a string as it is, any other type as JSON "
        "(--output json: its type and value). Exits 1 when the key has no value.",
    )
    get.add_argument("namespace", metavar="NAMESPACE")
    get.add_argument("key", metavar="KEY")
    get.set_defaults(run=with_client(_get))

    put = actions.add_parser(
        "set",
        parents=[options],
        help="set the value of a key",
        description="Set KEY in NAMESPACE to VALUE, typed as Kestra's API types it: JSON (a map, a list, "
        'a number, a "quoted string", true or false), an ISO date, date and time or duration, or a bare '
        "word (a string); --string takes VALUE as it is, a string whatever it holds.",
    )
    put.add_argument("namespace", metavar="NAMESPACE")
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    put.add_argument("--ttl", default="", help="an ISO-8601 duration after which the key expires (PT1H, P7D)")
    put.add_argument("--description", default="", help="what the key holds")
    put.add_argument("--string", action="store_true", help="VALUE is a string, whatever it looks like")
    put.set_defaults(run=with_client(_set))

    delete = actions.add_parser(
        "delete",
        parents=[options],
        help="delete keys",
        description="Delete each KEY of NAMESPACE. Exits 1 when one of them had no value.",
    )
    delete.add_argument("namespace", metavar="NAMESPACE")
    delete.add_argument("keys", nargs="+", metavar="KEY")
    delete.set_defaults(run=with_client(_delete))


def _list(client: Client, args: argparse.Namespace) -> int:
    entries = client.kv.ListKeys(
        messages.ListKeysRequest(tenant=client.tenant, namespace=args.namespace)
    ).entries
    if args.output == "json":
        print_json([as_dict(entry) for entry in entries])
        return 0
    rows = [
        (entry.key, entry.description, when(entry, "update_date"), when(entry, "expiration_date"))
        for entry in entries
    ]
    print_table(("KEY", "DESCRIPTION", "UPDATED", "EXPIRES"), rows)
    return 0


def _get(client: Client, args: argparse.Namespace) -> int:
    request = messages.GetKeyValueRequest(tenant=client.tenant, namespace=args.namespace, key=args.key)
    found = client.kv.GetKeyValue(request)  # a key without a value: NOT_FOUND, exit 1
    if args.output == "json":
        print_json(as_dict(found))
        return 0
    value = json_format.MessageToDict(found.value)
    # Strings, dates and durations as they are; numbers, booleans, maps and lists as JSON.
    print(value if isinstance(value, str) else json.dumps(value))
    return 0


def _set(client: Client, args: argparse.Namespace) -> int:
    client.kv.SetKeyValue(
        messages.SetKeyValueRequest(
            tenant=client.tenant,
            namespace=args.namespace,
            key=args.key,
            value=json.dumps(args.value) if args.string else args.value,
            ttl=args.ttl,
            description=args.description,
        )
    )
    print(f"{args.namespace} {args.key} set")
    return 0


def _delete(client: Client, args: argparse.Namespace) -> int:
    status = 0
    for key in args.keys:
        request = messages.DeleteKeyValueRequest(tenant=client.tenant, namespace=args.namespace, key=key)
        if client.kv.DeleteKeyValue(request).deleted:
            print(f"{args.namespace} {key} deleted")
        else:
            fail(f"{args.namespace} has no key {key}")
            status = 1
    return status
