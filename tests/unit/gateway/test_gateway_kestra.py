"""Kestra's shapes, without any server."""

from __future__ import annotations

import pytest
from gateway_fakes import execution, state

from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.gateway import _kestra
from flowmesh.gateway._errors import GatewayError
from flowmesh.log.v1 import log_pb2

S = state_pb2.StateType


def test_terminal_states_have_an_end() -> None:
    ended = _kestra.state_to_kestra(state((S.STATE_TYPE_CREATED, 0), (S.STATE_TYPE_KILLED, 61)))
    assert ended["endDate"] == "2024-01-01T00:01:01Z"
    assert ended["duration"] == "PT1M1S"
    paused = _kestra.state_to_kestra(state((S.STATE_TYPE_CREATED, 0), (S.STATE_TYPE_PAUSED, 1)))
    assert paused["current"] == "PAUSED"
    assert paused["endDate"] is None


def test_an_empty_state_has_no_dates() -> None:
    assert _kestra.state_to_kestra(state_pb2.State()) == {
        "current": None,
        "histories": [],
        "startDate": None,
        "endDate": None,
        "duration": None,
    }


def test_flow_yaml_becomes_json_with_the_stored_facts_on_top() -> None:
    source = (
        "id: wrong\nnamespace: io.test\nrevision: 99\ndisabled: false\n"
        "variables:\n  when: 2024-05-01\n  1: one\n  ratio: 0.5\n"
    )
    flow = flow_pb2.Flow(id="hello", namespace="io.test", revision=3, source=source, disabled=True)
    body = _kestra.flow_to_kestra(flow)
    assert list(body)[:3] == ["id", "namespace", "revision"]
    assert (body["id"], body["revision"], body["disabled"]) == ("hello", 3, True)
    assert body["variables"] == {"when": "2024-05-01", "1": "one", "ratio": 0.5}
    assert "updated" not in body


def test_a_flow_whose_source_does_not_parse_still_has_its_facts() -> None:
    flow = flow_pb2.Flow(id="hello", namespace="io.test", revision=1, source="a: [", deleted=True)
    assert _kestra.flow_to_kestra(flow) == {
        "id": "hello",
        "namespace": "io.test",
        "revision": 1,
        "disabled": False,
        "deleted": True,
        "source": "a: [",
    }


def test_original_id_and_parent_id() -> None:
    child = execution("child")
    child.parent_id = "parent"
    child.original_id = "first"
    body = _kestra.execution_to_kestra(child)
    assert (body["parentId"], body["originalId"]) == ("parent", "first")


def test_loop_task_runs_keep_their_value_and_parent() -> None:
    run = execution_pb2.TaskRun(id="r2", task_id="each", parent_task_run_id="r1", value="a")
    body = _kestra.task_run_to_kestra(run)
    assert (body["parentTaskRunId"], body["value"], body["outputs"]) == ("r1", "a", {})


def test_loop_iterations_are_shown_from_the_second_pass() -> None:
    first = _kestra.task_run_to_kestra(execution_pb2.TaskRun(id="r1", task_id="step"))
    third = _kestra.task_run_to_kestra(execution_pb2.TaskRun(id="r3", task_id="step", iteration=2))
    assert (first["iteration"], third["iteration"]) == (None, 2)


def test_executor_logs_have_no_task() -> None:
    entry = log_pb2.LogEntry(namespace="io.test", flow_id="hello", level=log_pb2.LEVEL_ERROR)
    body = _kestra.log_to_kestra(entry)
    assert (body["taskId"], body["taskRunId"], body["attemptNumber"]) == (None, None, None)
    assert body["level"] == "ERROR"
    assert body["timestamp"] is None


def test_enum_names_drop_the_prefix() -> None:
    enum = state_pb2.StateType.DESCRIPTOR
    assert _kestra.enum_names(enum)[:3] == ["CREATED", "SUBMITTED", "RUNNING"]
    assert _kestra.enum_number(enum, "success", "state") == S.STATE_TYPE_SUCCESS
    with pytest.raises(GatewayError, match="unknown state 'UNSPECIFIED'"):
        _kestra.enum_number(enum, "UNSPECIFIED", "state")


def test_labels_and_pages() -> None:
    assert _kestra.parse_label("env:prod:eu", "labels") == ("env", "prod:eu")
    assert _kestra.parse_label("empty:", "labels") == ("empty", "")
    with pytest.raises(GatewayError):
        _kestra.parse_label(":x", "labels")
    assert _kestra.page_request(None, None) == (10, "")
    assert _kestra.page_request(1, 25) == (25, "")
    assert _kestra.page_request(4, 25) == (25, "75")
