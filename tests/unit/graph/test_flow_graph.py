"""Kestra's FlowGraph of parsed flows: uids, clusters, and the relation of every edge."""

from __future__ import annotations

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.flow.v1.graph_pb2 import BranchType, FlowGraph, RelationType
from flowmesh.graph import flow_graph
from flowmesh.language import parse_flow

R = RelationType

LOG = "type: io.kestra.plugin.core.log.Log\n{indent}message: hi"


def log(task_id: str, indent: int) -> str:
    pad = " " * indent
    return f"{pad[:-2]}- id: {task_id}\n{pad}" + LOG.format(indent=pad)


def graph_of(body: str) -> FlowGraph:
    return flow_graph(parse_flow(f"id: g\nnamespace: demo\n{body}"))


def edges(graph: FlowGraph) -> set[tuple[str, str, int, str]]:
    return {(e.source, e.target, e.relation.relation_type, e.relation.value) for e in graph.edges}


def test_a_sequence_of_tasks_runs_from_root_to_end() -> None:
    graph = graph_of(f"tasks:\n{log('a', 4)}\n{log('b', 4)}\n")
    assert [n.uid for n in graph.nodes] == ["root.root", "root.end", "root.a", "root.b"]
    assert edges(graph) == {
        ("root.root", "root.a", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.a", "root.b", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.b", "root.end", R.RELATION_TYPE_SEQUENTIAL, ""),
    }
    assert not graph.clusters


def test_parallel_children_each_run_from_the_clusters_root() -> None:
    graph = graph_of(
        "tasks:\n  - id: par\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
        f"{log('a', 8)}\n{log('b', 8)}\n"
    )
    assert list(graph.flowables) == ["root.par"]
    assert {
        ("root.par.root", "root.par.a", R.RELATION_TYPE_PARALLEL, ""),
        ("root.par.root", "root.par.b", R.RELATION_TYPE_PARALLEL, ""),
        ("root.par.a", "root.par.end", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.par.b", "root.par.end", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.root", "root.par.root", R.RELATION_TYPE_SEQUENTIAL, ""),
    } <= edges(graph)
    (cluster,) = graph.clusters
    assert cluster.cluster.uid == "root.par"
    assert cluster.cluster.task["type"] == "io.kestra.plugin.core.flow.Parallel"
    assert [t["id"] for t in cluster.cluster.task["tasks"]] == ["a", "b"]


def test_switch_cases_are_choices_named_by_their_value() -> None:
    graph = graph_of(
        "tasks:\n  - id: pick\n    type: io.kestra.plugin.core.flow.Switch\n    value: x\n    cases:\n"
        f"      x:\n{log('on-x', 10)}\n    defaults:\n{log('other', 8)}\n"
    )
    assert {
        ("root.pick.root", "root.pick.on-x", R.RELATION_TYPE_CHOICE, "x"),
        ("root.pick.root", "root.pick.other", R.RELATION_TYPE_CHOICE, "defaults"),
    } <= edges(graph)


def test_nested_flowables_nest_their_clusters_and_foreach_is_dynamic() -> None:
    graph = graph_of(
        "tasks:\n  - id: seq\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
        "      - id: each\n        type: io.kestra.plugin.core.flow.ForEach\n        values: [1, 2]\n"
        f"        tasks:\n{log('inner', 12)}\n"
    )
    clusters = {c.cluster.uid: c for c in graph.clusters}
    assert list(clusters["root.seq.each"].parents) == ["root", "root.seq"]
    assert "root.seq.each.inner" in clusters["root.seq"].nodes
    assert ("root.seq.each.root", "root.seq.each.inner", R.RELATION_TYPE_DYNAMIC, "") in edges(graph)
    assert ("root.seq.root", "root.seq.each.root", R.RELATION_TYPE_SEQUENTIAL, "") in edges(graph)


def test_a_dag_links_each_task_to_those_depending_on_it() -> None:
    entries = "".join(
        f"      - task:\n          id: {task_id}\n          type: io.kestra.plugin.core.log.Log\n"
        f"          message: hi\n        dependsOn: {depends}\n"
        for task_id, depends in (("a", "[]"), ("b", "[a]"), ("c", "[a]"))
    )
    graph = graph_of(f"tasks:\n  - id: dag\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n{entries}")
    assert {(s, t) for s, t, _, _ in edges(graph) if s.startswith("root.dag")} == {
        ("root.dag.root", "root.dag.a"),
        ("root.dag.a", "root.dag.b"),
        ("root.dag.a", "root.dag.c"),
        ("root.dag.b", "root.dag.end"),
        ("root.dag.c", "root.dag.end"),
        ("root.dag.end", "root.end"),
    }


def test_errors_finally_and_after_execution_are_branches_of_their_own() -> None:
    graph = graph_of(
        f"tasks:\n{log('main', 4)}\nerrors:\n{log('failed', 4)}\n"
        f"finally:\n{log('always', 4)}\nafterExecution:\n{log('after', 4)}\n"
    )
    assert edges(graph) == {
        ("root.root", "root.main", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.root", "root.failed", R.RELATION_TYPE_ERROR, ""),
        ("root.main", "root.always", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.failed", "root.always", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.always", "root.after", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.after", "root.end", R.RELATION_TYPE_SEQUENTIAL, ""),
    }
    branches = {n.uid: n.branch_type for n in graph.nodes}
    assert branches["root.failed"] == BranchType.BRANCH_TYPE_ERROR
    assert branches["root.always"] == BranchType.BRANCH_TYPE_FINALLY
    assert branches["root.after"] == BranchType.BRANCH_TYPE_AFTER_EXECUTION
    assert branches["root.main"] == BranchType.BRANCH_TYPE_UNSPECIFIED


def test_triggers_sit_in_their_own_cluster_before_the_root() -> None:
    graph = graph_of(
        f"tasks:\n{log('a', 4)}\ntriggers:\n  - id: daily\n"
        "    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '0 0 * * *'\n"
    )
    nodes = {n.uid: n for n in graph.nodes}
    assert nodes["root.Triggers.daily"].trigger["cron"] == "0 0 * * *"
    assert ("root.Triggers.end", "root.root", R.RELATION_TYPE_SEQUENTIAL, "") in edges(graph)
    assert "root.Triggers" not in graph.flowables


def test_an_executions_task_runs_are_on_their_tasks_nodes() -> None:
    flow = parse_flow(f"id: g\nnamespace: demo\ntasks:\n{log('a', 4)}\n{log('b', 4)}\n")
    run = TaskRun(id="r1", task_id="a")
    run.state.current = StateType.STATE_TYPE_SUCCESS
    graph = flow_graph(flow, [run], "exec-1")
    nodes = {n.uid: n for n in graph.nodes}
    assert [r.id for r in nodes["root.a"].task_runs] == ["r1"]
    assert not nodes["root.b"].task_runs
    assert nodes["root.a"].execution_id == "exec-1"


def test_an_expanded_subflow_is_a_cluster_of_its_flows_tasks_without_the_executions_runs() -> None:
    parent = parse_flow(
        "id: parent\nnamespace: demo\ntasks:\n"
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: demo\n    flowId: child\n"
        f"{log('say', 4)}\n"
    )
    child = parse_flow(f"id: child\nnamespace: demo\ntasks:\n{log('say', 4)}\n")
    runs = [TaskRun(id="r-call", task_id="call"), TaskRun(id="r-say", task_id="say")]
    plain = flow_graph(parent, runs, "exec-1")
    assert {n.uid: n.type for n in plain.nodes}["root.call"].endswith("SubflowGraphTask")

    graph = flow_graph(parent, runs, "exec-1", {"root.call": child})
    (cluster,) = graph.clusters
    assert (cluster.cluster.uid, cluster.cluster.type.rsplit(".", 1)[1]) == (
        "root.call",
        "SubflowGraphCluster",
    )
    assert [r.id for r in cluster.cluster.task_runs] == ["r-call"]
    nodes = {n.uid: n for n in graph.nodes}
    assert not nodes["root.call.say"].task_runs
    assert [r.id for r in nodes["root.say"].task_runs] == ["r-say"]
    assert {
        ("root.root", "root.call.root", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.call.root", "root.call.say", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.call.say", "root.call.end", R.RELATION_TYPE_SEQUENTIAL, ""),
        ("root.call.end", "root.say", R.RELATION_TYPE_SEQUENTIAL, ""),
    } <= edges(graph)
