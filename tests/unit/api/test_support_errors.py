"""Errors callers cause deep in the api become INVALID_ARGUMENT naming the field; bugs become
INTERNAL with an incident id, their text kept for the log."""

from __future__ import annotations

import grpc
import structlog
from nats.js.errors import InvalidKeyError

from flowmesh.api._support import answer_for, translate
from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_messages_pb2 as em
from flowmesh.flow.v1 import flow_messages_pb2 as fm
from flowmesh.repository import InvalidRecord


def test_an_id_no_kv_key_can_hold_names_its_field() -> None:
    request = em.GetExecutionRequest(tenant="main", execution_id="Í~")
    answer = translate(InvalidKeyError("Í~"), request)
    assert answer is not None
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.reason == "ID_INVALID"
    assert [field for field, _ in answer.violations] == ["executionId"]


def test_an_id_ending_with_a_dot_is_named_among_valid_ones() -> None:
    request = fm.GetFlowRequest(tenant="main", namespace="io.test", id="hello.")
    answer = translate(InvalidKeyError("main/io.test/hello."), request)
    assert answer is not None
    assert [field for field, _ in answer.violations] == ["id"]


def test_a_value_the_database_refuses_names_its_field() -> None:
    request = fm.ListFlowsRequest(tenant="main", namespace="io\x00test")
    answer = translate(InvalidRecord('invalid byte sequence for encoding "UTF8": 0x00'), request)
    assert answer is not None
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.reason == "VALUE_INVALID"
    assert [field for field, _ in answer.violations] == ["namespace"]


def test_a_label_the_database_refuses_names_the_labels() -> None:
    labels = [state_pb2.Label(key="team", value="data"), state_pb2.Label(key="env", value="p\x00rod")]
    request = fm.ListFlowsRequest(tenant="main", namespace="io", labels=labels)
    answer = translate(InvalidRecord("unsupported Unicode escape sequence"), request)
    assert answer is not None
    assert answer.reason == "VALUE_INVALID"
    assert [field for field, _ in answer.violations] == ["labels"]


def test_without_the_request_the_answer_names_no_field() -> None:
    answer = translate(InvalidKeyError("Í~"))
    assert answer is not None
    assert answer.code == grpc.StatusCode.INVALID_ARGUMENT
    assert answer.violations == []


def test_a_bug_is_answered_with_an_incident_id_and_its_text_only_in_the_log() -> None:
    bug = OSError("[Errno 2] No such file: '/var/lib/flowmesh/storage/main/x'")
    with structlog.testing.capture_logs() as logged:
        answer = answer_for(bug, fm.GetFlowRequest(tenant="main", namespace="io.test", id="x"))
    assert answer.code == grpc.StatusCode.INTERNAL
    assert "/var/lib" not in answer.message
    [entry] = [e for e in logged if e["event"] == "api_bug"]
    assert entry["incident"] in answer.message
    assert entry["exc_info"] is bug


def test_an_error_callers_cause_keeps_its_own_answer() -> None:
    answer = answer_for(InvalidKeyError("Í~"))
    assert answer.reason == "ID_INVALID"
