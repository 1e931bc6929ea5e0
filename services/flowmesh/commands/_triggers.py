"""`flowmesh trigger list|unlock|enable|disable`: the triggers of the deployed flows."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from flowmesh.client import Client
from flowmesh.commands._common import as_dict, connection_options, print_json, print_table, when, with_client
from flowmesh.trigger.v1 import trigger_messages_pb2 as messages
from flowmesh.trigger.v1.trigger_pb2 import TriggerAndState, TriggerKind

# Triggers asked for at a time.
_PAGE = 1000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `flowmesh trigger ...`."""
    trigger = commands.add_parser("trigger", help="list, unlock, enable and disable triggers")
    actions = trigger.add_subparsers(dest="action", required=True, metavar="ACTION")
    options = connection_options()

    listing = actions.add_parser(
        "list",
        parents=[options],
        help="list the triggers of the deployed flows",
        description="List the triggers of the deployed flows with their state: kind, next date, "
        "whether disabled, and whether locked on an execution.",
    )
    listing.add_argument("--namespace", default="", help="only flows in this namespace and below it")
    listing.add_argument("--flow", default="", help="only this flow's triggers")
    listing.set_defaults(run=with_client(_list))

    for name, summary, description, handler in (
        (
            "unlock",
            "unlock a trigger",
            "Forget the execution or evaluation TRIGGER is locked on, so that it fires again.",
            _unlock,
        ),
        ("enable", "enable a trigger", "Enable TRIGGER of NAMESPACE.FLOW.", _enable),
        ("disable", "disable a trigger", "Disable TRIGGER of NAMESPACE.FLOW: it no longer fires.", _disable),
    ):
        action = actions.add_parser(name, parents=[options], help=summary, description=description)
        action.add_argument("namespace", metavar="NAMESPACE")
        action.add_argument("flow_id", metavar="FLOW")
        action.add_argument("trigger_id", metavar="TRIGGER")
        action.set_defaults(run=with_client(handler))


def _search(client: Client, namespace: str, flow_id: str) -> Iterator[TriggerAndState]:
    token = ""
    while True:
        page = client.triggers.SearchTriggers(
            messages.SearchTriggersRequest(
                tenant=client.tenant, namespace=namespace, flow_id=flow_id, page_size=_PAGE, page_token=token
            )
        )
        yield from page.triggers
        token = page.next_page_token
        if not token:
            return


def _list(client: Client, args: argparse.Namespace) -> int:
    found = list(_search(client, args.namespace, args.flow))
    if args.output == "json":
        print_json([as_dict(item) for item in found])
        return 0
    rows = [
        (
            item.state.namespace,
            item.state.flow_id,
            item.state.trigger_id,
            TriggerKind.Name(item.state.kind).removeprefix("TRIGGER_KIND_"),
            when(item.state, "next_evaluation_date"),
            "yes" if item.state.disabled else "",
            item.state.execution_id if item.state.locked else "",
        )
        for item in found
    ]
    print_table(("NAMESPACE", "FLOW", "TRIGGER", "KIND", "NEXT", "DISABLED", "LOCKED ON"), rows)
    return 0


def _unlock(client: Client, args: argparse.Namespace) -> int:
    client.triggers.UnlockTrigger(
        messages.UnlockTriggerRequest(
            tenant=client.tenant, namespace=args.namespace, flow_id=args.flow_id, trigger_id=args.trigger_id
        )
    )
    print(f"trigger {args.namespace}.{args.flow_id}.{args.trigger_id} unlocked")
    return 0


def _enable(client: Client, args: argparse.Namespace) -> int:
    return _set_disabled(client, args, disabled=False)


def _disable(client: Client, args: argparse.Namespace) -> int:
    return _set_disabled(client, args, disabled=True)


def _set_disabled(client: Client, args: argparse.Namespace, *, disabled: bool) -> int:
    client.triggers.SetTriggerDisabled(
        messages.SetTriggerDisabledRequest(
            tenant=client.tenant,
            namespace=args.namespace,
            flow_id=args.flow_id,
            trigger_id=args.trigger_id,
            disabled=disabled,
        )
    )
    print(
        f"trigger {args.namespace}.{args.flow_id}.{args.trigger_id} {'disabled' if disabled else 'enabled'}"
    )
    return 0
