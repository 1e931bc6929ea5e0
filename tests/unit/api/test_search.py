"""How search requests become repository queries, and which values are refused by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.api._search import execution_query, log_query
from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.log.v1 import log_messages_pb2
from flowmesh.repository import ChildFilter, Sort
from flowmesh.rpc import ApiError


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def test_every_field_of_a_list_request_reaches_the_query() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    request = messages.ListExecutionsRequest(
        namespace="company",
        flow_id="hello",
        states=[StateType.STATE_TYPE_FAILED],
        labels=[Label(key="env", value="prod")],
        query="  abc ",
        start_date=stamp(start),
        end_date=stamp(start + timedelta(days=1)),
        sort=["state.duration:desc", "id"],
        trigger_execution_id="parent",
        child_filter=messages.CHILD_FILTER_CHILD,
    )
    query = execution_query(request)
    assert (query.namespace, query.flow_id, list(query.states)) == (
        "company",
        "hello",
        [StateType.STATE_TYPE_FAILED],
    )
    assert list(query.labels) == [("env", "prod")]
    assert query.query == "abc"
    assert query.started_from == start
    assert query.ended_until == start + timedelta(days=1)
    assert list(query.sort) == [Sort("state.duration", True), Sort("id", False)]
    assert (query.trigger_execution_id, query.child) == ("parent", ChildFilter.CHILD)


def test_time_range_and_start_date_keep_the_later_bound() -> None:
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    query = execution_query(messages.ListExecutionsRequest(start_date=stamp(long_ago), time_range="PT1H"))
    assert query.started_from is not None
    assert datetime.now(UTC) - query.started_from < timedelta(hours=1, minutes=1)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (messages.ListExecutionsRequest(time_range="soon"), "time_range"),
        (messages.ListExecutionsRequest(time_range="-PT1H"), "time_range"),
        (messages.ListExecutionsRequest(sort=["value:asc"]), "sort"),
        (messages.ListExecutionsRequest(sort=["id:sideways"]), "sort"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    request_: messages.ListExecutionsRequest, field: str
) -> None:
    with pytest.raises(ApiError) as refused:
        execution_query(request_)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [name for name, _ in refused.value.violations] == [field]


def test_log_query_sorts_newest_first_unless_asked() -> None:
    assert log_query(log_messages_pb2.SearchLogsRequest()).descending
    assert not log_query(log_messages_pb2.SearchLogsRequest(sort=["timestamp:asc"])).descending
    with pytest.raises(ApiError):
        log_query(log_messages_pb2.SearchLogsRequest(sort=["level:asc"]))
