"""Which flows start or listen to which: Kestra's flow dependencies (FlowTopologyGraph)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flowmesh.flow.v1.flow_messages_pb2 import FlowRelation, FlowTopology, FlowTopologyEdge, FlowTopologyNode
from flowmesh.language import FlowDefinition, FlowTrigger
from flowmesh.plugins.core import ForEachItem, Subflow

FlowKey = tuple[str, str]
Link = tuple[FlowKey, FlowKey, int]


def links(flow: FlowDefinition) -> Iterator[Link]:
    """Yield the (source, target, relation) links a flow declares.

    A Subflow or ForEachItem task links the flow to the flow it starts (FLOW_TASK); a Flow
    trigger links each upstream flow its ExecutionFlow conditions or preconditions name to the
    flow (FLOW_TRIGGER). Names that are expressions are left out: they are known only at run time.
    """
    here = (flow.namespace, flow.id)
    for task in flow.all_tasks():
        if isinstance(task, Subflow | ForEachItem):
            target = (task.namespace, task.flowId)
            if not any("{{" in part for part in target):
                yield here, target, FlowRelation.FLOW_RELATION_FLOW_TASK
    for trigger in flow.triggers:
        if isinstance(trigger, FlowTrigger):
            for upstream in _upstream(trigger):
                yield upstream, here, FlowRelation.FLOW_RELATION_FLOW_TRIGGER


def _upstream(trigger: FlowTrigger) -> Iterator[FlowKey]:
    named: list[object] = [
        condition.model_dump() for condition in trigger.conditions if condition.kind == "ExecutionFlow"
    ]
    named += list((trigger.preconditions or {}).get("flows") or [])
    for item in named:
        if isinstance(item, dict) and item.get("namespace") and item.get("flowId"):
            yield str(item["namespace"]), str(item["flowId"])


def topology(
    tenant: str,
    flows: Iterable[FlowDefinition],
    start: Iterable[FlowKey],
    *,
    destination_only: bool,
    expand: bool,
) -> FlowTopology:
    """Return the links around the start flows: those depending on them (and those they depend
    on unless destination_only), the links of those too with expand."""
    every = [link for flow in flows for link in links(flow)]
    wanted = set(start)
    found: list[Link] = []
    frontier = set(wanted)
    while frontier:
        reached: set[FlowKey] = set()
        for link in every:
            source, target, _ = link
            if link in found:
                continue
            if source in frontier or (not destination_only and target in frontier):
                found.append(link)
                reached |= {source, target}
        frontier = reached - wanted if expand else set()
        wanted |= reached
    graph = FlowTopology()
    nodes = {key for source, target, _ in found for key in (source, target)} | set(start)
    for namespace, flow_id in sorted(nodes):
        graph.nodes.append(
            FlowTopologyNode(uid=_uid(tenant, namespace, flow_id), namespace=namespace, id=flow_id)
        )
    for source, target, relation in found:
        graph.edges.append(
            FlowTopologyEdge(
                source=_uid(tenant, *source),
                target=_uid(tenant, *target),
                relation=relation,  # type: ignore[arg-type]
            )
        )
    return graph


def _uid(tenant: str, namespace: str, flow_id: str) -> str:
    return f"{tenant}_{namespace}_{flow_id}"
