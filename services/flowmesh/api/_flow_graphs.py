"""Graphs of flows with the Subflow tasks asked for drawn with the tasks of the flows they start."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.struct_pb2 import Struct

from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.flow.v1.graph_pb2 import FlowGraph
from flowmesh.graph import SUBFLOW, flow_graph
from flowmesh.language import FlowDefinition
from flowmesh.state import FlowStore

# How deep subflows of expanded subflows are expanded.
MAX_SUBFLOW_DEPTH = 5


async def expanded_graph(
    flows: FlowStore,
    tenant: str,
    flow: FlowDefinition,
    wanted: Sequence[str],
    task_runs: Sequence[TaskRun] = (),
    execution_id: str = "",
) -> FlowGraph:
    """Return a flow's graph with the Subflow tasks wanted (by uid or task id) expanded,
    those of expanded subflows too; a subflow not deployed, or named by an expression, is not."""
    expanded: dict[str, FlowDefinition] = {}
    graph = flow_graph(flow, task_runs, execution_id)
    for _ in range(MAX_SUBFLOW_DEPTH):
        more = {}
        for node in graph.nodes:
            if node.type != SUBFLOW or (node.uid not in wanted and node.task["id"] not in wanted):
                continue
            subflow = await _subflow(flows, tenant, node.task)
            if subflow is not None:
                more[node.uid] = subflow
        if not more:
            break
        expanded |= more
        graph = flow_graph(flow, task_runs, execution_id, expanded)
    return graph


async def _subflow(flows: FlowStore, tenant: str, task: Struct) -> FlowDefinition | None:
    """Return the flow a Subflow task (as declared) starts, when it can be known before it runs."""
    namespace, flow_id = str(task["namespace"]), str(task["flowId"])
    if "{{" in namespace + flow_id:
        return None
    latest = await flows.latest(tenant, namespace, flow_id)
    if latest is None or latest[0].deleted:
        return None
    pinned = task.fields.get("revision")
    revision = int(pinned.number_value) if pinned is not None else latest[0].revision
    return await flows.definition(tenant, namespace, flow_id, revision)
