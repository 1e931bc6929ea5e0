"""Sets of flows (all-or-nothing parsing, ZIP import, source edits), task validation and flow links."""

from __future__ import annotations

import io
import zipfile

import grpc
import pytest

from flowmesh.api._flow_checks import validate_part
from flowmesh.api._flow_sets import (
    MAX_IMPORT_BYTES,
    Document,
    check_namespace,
    documents_of,
    in_scope,
    parse_all,
    read_import,
    with_property,
)
from flowmesh.api._flow_topology import links, topology
from flowmesh.common.v1.state_pb2 import Label
from flowmesh.flow.v1.flow_messages_pb2 import FlowRelation, TaskSection
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import parse_flow
from flowmesh.rpc import ApiError


def flow(flow_id: str, namespace: str = "team", task_type: str = "io.kestra.plugin.core.log.Log") -> str:
    tasks = f"tasks:\n  - id: say\n    type: {task_type}\n    message: hi\n"
    return f"id: {flow_id}\nnamespace: {namespace}\n{tasks}"


def test_a_query_keeps_the_flows_with_every_label_key_and_value_equal() -> None:
    labeled = Flow(
        namespace="team.sub", id="a", labels=[Label(key="env", value="prod"), Label(key="tier", value="1")]
    )
    assert in_scope(labeled, "team", "", [])
    assert in_scope(labeled, "team", "sub", [Label(key="env", value="prod"), Label(key="tier", value="1")])
    assert not in_scope(labeled, "team", "", [Label(key="env", value="prod"), Label(key="tier", value="2")])
    assert not in_scope(labeled, "team", "", [Label(key="env", value="Prod")])
    assert not in_scope(labeled, "team", "", [Label(key="tier", value="prod")])
    assert not in_scope(labeled, "other", "", [Label(key="env", value="prod")])


def test_a_bad_document_among_good_ones_is_named_with_its_field() -> None:
    source = flow("a") + "---\n" + flow("b", task_type="io.nowhere.Task") + "---\n" + flow("c")
    with pytest.raises(ApiError) as refused:
        parse_all(documents_of(source))
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [path for path, _ in refused.value.violations] == ["documents[1].tasks[0].type"]
    assert "documents[1]" in refused.value.message


def test_a_flow_given_twice_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        parse_all(documents_of(flow("a") + "---\n" + flow("a")))
    assert refused.value.reason == "FLOWS_DUPLICATED"
    assert refused.value.violations == [("documents[1].id", "team.a is given twice")]


def test_an_empty_set_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        documents_of("  \n")
    assert refused.value.violations[0][0] == "source"


def test_flows_outside_the_namespace_are_refused_unless_children_are_allowed() -> None:
    flows = parse_all(documents_of(flow("a", "team") + "---\n" + flow("b", "team.sub")))
    check_namespace(flows, "team", children=True)
    with pytest.raises(ApiError) as refused:
        check_namespace(flows, "team", children=False)
    assert refused.value.violations == [("documents[1].namespace", "must be team")]


def test_a_top_level_property_is_replaced_or_added_keeping_the_rest() -> None:
    source = "# mine\nid: a\nnamespace: team\ndisabled: false\ntasks: []\n"
    assert (
        with_property(source, "disabled", "true")
        == "# mine\nid: a\nnamespace: team\ndisabled: true\ntasks: []\n"
    )
    nested = "id: a\ntasks:\n  - id: t\n    disabled: false\n"
    assert with_property(nested, "disabled", "true") == nested + "disabled: true\n"


def test_an_import_reads_a_zips_yaml_files_or_yaml_documents() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.yml", flow("a"))
        archive.writestr("README.md", "not a flow")
        archive.writestr("sub/b.yaml", flow("b"))
    assert read_import(buffer.getvalue()) == [Document("a.yml", flow("a")), Document("sub/b.yaml", flow("b"))]
    assert [d.name for d in read_import((flow("a") + "---\n" + flow("b")).encode())] == ["0", "1"]
    with pytest.raises(ApiError) as refused:
        read_import(b"\xff\xfe\x00binary")
    assert refused.value.violations[0][0] == "fileUpload"


def test_a_zip_inflating_past_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.yml", b"#" * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(ApiError) as refused:
        read_import(buffer.getvalue())
    assert refused.value.reason == "IMPORT_TOO_LARGE"


def test_a_task_is_validated_on_its_own_with_its_own_paths() -> None:
    assert not validate_part("id: t\ntype: io.kestra.plugin.core.log.Log\nmessage: hi\n", 0).violations
    found = validate_part(
        '{"id": "t", "type": "io.kestra.plugin.core.log.Log"}', TaskSection.TASK_SECTION_TASKS
    )
    assert [v.path for v in found.violations] == ["message"]
    trigger = "id: daily\ntype: io.kestra.plugin.core.trigger.Schedule\ncron: nonsense\n"
    found = validate_part(trigger, TaskSection.TASK_SECTION_TRIGGERS)
    assert [v.path for v in found.violations] == ["cron"]
    assert validate_part("- a list", 0).violations[0].message == "must be a YAML or JSON map"


SUBFLOW = """
id: parent
namespace: team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: team
    flowId: child
  - id: dynamic
    type: io.kestra.plugin.core.flow.Subflow
    namespace: team
    flowId: "{{ inputs.which }}"
triggers:
  - id: upstream
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      flows:
        - namespace: other
          flowId: source
"""


def test_subflows_and_flow_triggers_link_flows_but_expressions_do_not() -> None:
    parent = parse_flow(SUBFLOW)
    assert set(links(parent)) == {
        (("team", "parent"), ("team", "child"), FlowRelation.FLOW_RELATION_FLOW_TASK),
        (("other", "source"), ("team", "parent"), FlowRelation.FLOW_RELATION_FLOW_TRIGGER),
    }
    graph = topology("main", [parent], [("team", "child")], destination_only=False, expand=False)
    assert [(e.source, e.target) for e in graph.edges] == [("main_team_parent", "main_team_child")]
    expanded = topology("main", [parent], [("team", "child")], destination_only=False, expand=True)
    assert len(expanded.edges) == 2
    downstream = topology("main", [parent], [("team", "child")], destination_only=True, expand=False)
    assert not downstream.edges
