"""Build Kestra's FlowGraph from a parsed flow.

Every task is a node whose uid is the uids of the clusters above it and its id, joined by
dots (`root.parallel.first`). A flowable task is a cluster (`root.parallel`) with a start
(`root.parallel.root`) and an end (`root.parallel.end`) node; its children hang between
them as the task runs them: one after the other, side by side (Parallel), one branch per
choice (If, Switch: the edges say which), or as their `dependsOn` says (Dag). `errors`,
`finally` and `afterExecution` tasks are branches of their own. The flow itself is the
`root` cluster; its triggers sit in `root.Triggers`, before `root.root`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.flow.v1.graph_pb2 import (
    BranchType,
    FlowGraph,
    GraphCluster,
    GraphEdge,
    GraphNode,
    GraphRelation,
    RelationType,
)
from flowmesh.language import FlowDefinition
from flowmesh.plugins import FlowableTask, Task
from flowmesh.plugins.core import Dag, EachParallel, EachSequential, ForEach, If, Parallel, Subflow, Switch

_HIERARCHIES = "io.kestra.core.models.hierarchies."
CLUSTER_ROOT = _HIERARCHIES + "GraphClusterRoot"
CLUSTER_END = _HIERARCHIES + "GraphClusterEnd"
CLUSTER = _HIERARCHIES + "GraphCluster"
TASK = _HIERARCHIES + "GraphTask"
SUBFLOW = _HIERARCHIES + "SubflowGraphTask"
SUBFLOW_CLUSTER = _HIERARCHIES + "SubflowGraphCluster"
TRIGGER = _HIERARCHIES + "GraphTrigger"
ROOT = "root"

SEQUENTIAL = RelationType.RELATION_TYPE_SEQUENTIAL
_BRANCHES = {
    RelationType.RELATION_TYPE_ERROR: BranchType.BRANCH_TYPE_ERROR,
    RelationType.RELATION_TYPE_FINALLY: BranchType.BRANCH_TYPE_FINALLY,
    RelationType.RELATION_TYPE_AFTER_EXECUTION: BranchType.BRANCH_TYPE_AFTER_EXECUTION,
}
# Child lists that are not the task's main branch.
_SIDE_LISTS = ("errors", "finally")


def task_properties(task: Task) -> dict[str, Any]:
    """Return a task as the flow declares it, in Kestra's property names, children included."""
    properties: dict[str, Any] = task.model_dump(
        mode="json", by_alias=True, exclude_unset=True, serialize_as_any=True
    )
    return properties


def flow_graph(
    flow: FlowDefinition,
    task_runs: Sequence[TaskRun] = (),
    execution_id: str = "",
    subflows: Mapping[str, FlowDefinition] | None = None,
) -> FlowGraph:
    """Return the graph of flow; with an execution's task runs, each task's runs on its node.

    subflows maps the uids of Subflow task nodes to expand to the flows they start: each
    becomes a cluster holding that flow's tasks (without task runs: they are another
    execution's).
    """
    runs: dict[str, list[TaskRun]] = defaultdict(list)
    for run in task_runs:
        runs[run.task_id].append(run)
    builder = _Builder(runs, execution_id, dict(subflows or {}))
    start, end = f"{ROOT}.root", f"{ROOT}.end"
    builder.add(GraphNode(uid=start, type=CLUSTER_ROOT))
    builder.add(GraphNode(uid=end, type=CLUSTER_END))
    if flow.triggers:
        builder.triggers(flow, start)
    builder.body(flow, _Scope(ROOT, ()), start, end)
    return builder.graph


@dataclass(frozen=True)
class _Scope:
    """The cluster nodes are added to, and the clusters above it."""

    uid: str
    parents: tuple[str, ...]
    # Inside an expanded subflow: the execution's task runs are not its tasks'.
    foreign: bool = False

    def inner(self, task_id: str, *, foreign: bool = False) -> _Scope:
        return _Scope(f"{self.uid}.{task_id}", (*self.parents, self.uid), self.foreign or foreign)


@dataclass
class _Builder:
    runs: dict[str, list[TaskRun]]
    execution_id: str
    subflows: dict[str, FlowDefinition]
    graph: FlowGraph = field(default_factory=FlowGraph)
    # Uids of the nodes added under each open cluster.
    members: dict[str, list[str]] = field(default_factory=dict)

    def add(self, node: GraphNode, scope: _Scope | None = None) -> str:
        self.graph.nodes.append(node)
        if scope is not None:
            for uid in (*scope.parents, scope.uid):
                if uid in self.members:
                    self.members[uid].append(node.uid)
        return node.uid

    def edge(self, source: str, target: str, relation: RelationType = SEQUENTIAL, value: str = "") -> None:
        self.graph.edges.append(
            GraphEdge(
                source=source,
                target=target,
                relation=GraphRelation(relation_type=relation, value=value),
            )
        )

    def body(self, flow: FlowDefinition, scope: _Scope, start: str, end: str) -> None:
        """Add a flow's tasks, errors, finally and afterExecution tasks between start and end."""
        main = self.chain(flow.tasks, scope, SEQUENTIAL)
        errors = self.chain(flow.errors, scope, RelationType.RELATION_TYPE_ERROR)
        closing = self.chain(flow.finally_tasks, scope, RelationType.RELATION_TYPE_FINALLY)
        after = self.chain(flow.after_execution, scope, RelationType.RELATION_TYPE_AFTER_EXECUTION)
        then = closing or after
        target = then[0] if then else end
        for chain, relation in ((main, SEQUENTIAL), (errors, RelationType.RELATION_TYPE_ERROR)):
            if chain:
                self.edge(start, chain[0], relation)
                self.edge(chain[1], target)
        if closing:
            self.edge(closing[1], after[0] if after else end)
        if after:
            self.edge(after[1], end)

    def triggers(self, flow: FlowDefinition, flow_start: str) -> None:
        scope = _Scope(f"{ROOT}.Triggers", (ROOT,))
        start, end = self.open(scope, GraphNode(uid=scope.uid, type=CLUSTER))
        for trigger in flow.triggers:
            node = GraphNode(uid=f"{scope.uid}.{trigger.id}", type=TRIGGER)
            node.trigger.update(trigger.properties())
            self.add(node, scope)
            self.edge(start, node.uid)
            self.edge(node.uid, end)
        self.close(scope, start, end)
        self.edge(end, flow_start)

    def open(self, scope: _Scope, cluster: GraphNode) -> tuple[str, str]:
        """Start a cluster; return the uids of its start and end nodes."""
        self.members[scope.uid] = []
        self.graph.clusters.append(GraphCluster(cluster=cluster, parents=scope.parents))
        start = self.add(GraphNode(uid=f"{scope.uid}.root", type=CLUSTER_ROOT), scope)
        end = self.add(GraphNode(uid=f"{scope.uid}.end", type=CLUSTER_END), scope)
        return start, end

    def close(self, scope: _Scope, start: str, end: str) -> None:
        cluster = next(c for c in self.graph.clusters if c.cluster.uid == scope.uid)
        cluster.nodes.extend(self.members.pop(scope.uid))
        cluster.start, cluster.end = start, end

    def chain(
        self, tasks: Sequence[Task], scope: _Scope, relation: RelationType, value: str = ""
    ) -> tuple[str, str] | None:
        """Add tasks one after the other; return the uids to enter and leave them by (None: no task)."""
        entry = exit_ = None
        for task in tasks:
            first, last = self.task(task, scope, relation, value)
            if exit_ is None:
                entry = first
            else:
                self.edge(exit_, first)
            exit_ = last
        return (entry, exit_) if entry is not None and exit_ is not None else None

    def task(self, task: Task, scope: _Scope, relation: RelationType, value: str) -> tuple[str, str]:
        """Add one task (a node, or a cluster for a flowable); return its entry and exit uids."""
        node = GraphNode(
            uid=f"{scope.uid}.{task.id}",
            type=SUBFLOW if isinstance(task, Subflow) else TASK,
            relation_type=relation,
            branch_type=_BRANCHES.get(relation, BranchType.BRANCH_TYPE_UNSPECIFIED),
            task_runs=[] if scope.foreign else self.runs.get(task.id, []),
            execution_id="" if scope.foreign else self.execution_id,
        )
        node.task.update(task_properties(task))
        subflow = self.subflows.get(node.uid) if isinstance(task, Subflow) else None
        if subflow is not None:
            node.type = SUBFLOW_CLUSTER
            inner = scope.inner(task.id, foreign=True)
            start, end = self.open(inner, node)
            self.body(subflow, inner, start, end)
            self.close(inner, start, end)
            return start, end
        if not isinstance(task, FlowableTask) or not task.children():
            self.add(node, scope)
            return node.uid, node.uid
        node.type = CLUSTER
        inner = scope.inner(task.id)
        self.graph.flowables.append(inner.uid)
        start, end = self.open(inner, node)
        for branch_relation, branch_value, tasks in _branches(task):
            if isinstance(task, Dag) and branch_relation == SEQUENTIAL:
                self.dag(task, inner, start, end)
                continue
            if branch_relation == RelationType.RELATION_TYPE_PARALLEL:
                chains = [self.chain([child], inner, branch_relation) for child in tasks]
            else:
                chains = [self.chain(tasks, inner, branch_relation, branch_value)]
            for chain in chains:
                if chain:
                    self.edge(start, chain[0], branch_relation, branch_value)
                    self.edge(chain[1], end)
        self.close(inner, start, end)
        return start, end

    def dag(self, task: Dag, scope: _Scope, start: str, end: str) -> None:
        """Add a Dag's tasks with an edge from each task to those depending on it."""
        uids, exits = {}, {}
        for entry in task.tasks:
            uids[entry.task.id], exits[entry.task.id] = self.task(entry.task, scope, SEQUENTIAL, "")
        needed = {dependency for entry in task.tasks for dependency in entry.dependsOn}
        for entry in task.tasks:
            for dependency in entry.dependsOn or ():
                self.edge(exits[dependency], uids[entry.task.id])
            if not entry.dependsOn:
                self.edge(start, uids[entry.task.id])
            if entry.task.id not in needed:
                self.edge(exits[entry.task.id], end)


def _branches(task: FlowableTask) -> list[tuple[RelationType, str, list[Task]]]:
    """Return a flowable's branches: (relation of their first edge, its value, their tasks)."""
    errors: list[Task] = list(getattr(task, "errors", None) or [])
    closing: list[Task] = list(getattr(task, "finally", None) or [])
    branches: list[tuple[RelationType, str, list[Task]]]
    if isinstance(task, If):
        choice = RelationType.RELATION_TYPE_CHOICE
        branches = [(choice, "then", list(task.then)), (choice, "else", list(task.else_))]
    elif isinstance(task, Switch):
        choice = RelationType.RELATION_TYPE_CHOICE
        branches = [(choice, key, list(tasks)) for key, tasks in task.cases.items()]
        branches.append((choice, "defaults", list(task.defaults or [])))
    elif isinstance(task, Parallel | EachParallel):
        branches = [(RelationType.RELATION_TYPE_PARALLEL, "", list(task.tasks))]
    elif isinstance(task, ForEach | EachSequential):
        branches = [(RelationType.RELATION_TYPE_DYNAMIC, "", list(task.tasks))]
    elif isinstance(task, Dag):
        branches = [(SEQUENTIAL, "", [])]
    else:
        side = {id(child) for child in (*errors, *closing)}
        branches = [(SEQUENTIAL, "", [child for child in task.children() if id(child) not in side])]
    branches.append((RelationType.RELATION_TYPE_ERROR, "", errors))
    branches.append((RelationType.RELATION_TYPE_FINALLY, "", closing))
    return branches
