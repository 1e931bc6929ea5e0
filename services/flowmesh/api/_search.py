"""Turn the search requests of the api into repository queries, refusing bad values by field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.api._support import now
from flowmesh.execution.v1 import execution_messages_pb2 as execution_messages
from flowmesh.language import parse_duration
from flowmesh.log.v1 import log_messages_pb2 as log_messages
from flowmesh.repository import (
    EXECUTION_SORTS,
    LOG_SORTS,
    ChildFilter,
    ExecutionQuery,
    LogQuery,
    Sort,
    parse_sort,
)
from flowmesh.rpc import ApiError

_CHILD = {
    execution_messages.CHILD_FILTER_CHILD: ChildFilter.CHILD,
    execution_messages.CHILD_FILTER_MAIN: ChildFilter.MAIN,
}


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.INVALID_ARGUMENT, "FILTER_INVALID", f"{field}: {message}", [(field, message)]
    )


def _since(time_range: str) -> datetime | None:
    """Return now minus Kestra's timeRange (an ISO-8601 duration), None when not given."""
    if not time_range:
        return None
    try:
        nanos = parse_duration(time_range)
    except ValueError as error:
        raise _invalid("time_range", str(error)) from None
    if nanos <= 0:
        raise _invalid("time_range", "must be a positive duration")
    try:
        return now() - timedelta(microseconds=nanos // 1000)
    except OverflowError:
        raise _invalid("time_range", "reaches before year 1") from None


def _date(message: Message, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    try:
        return stamp.ToDatetime(tzinfo=now().tzinfo)
    except (ValueError, OverflowError):
        raise _invalid(field, "is not a date between years 1 and 9999") from None


def _latest(*dates: datetime | None) -> datetime | None:
    given = [date for date in dates if date is not None]
    return max(given) if given else None


def _sorts(texts: Sequence[str], allowed: Sequence[str]) -> list[Sort]:
    try:
        return parse_sort(texts, allowed)
    except ValueError as error:
        raise _invalid("sort", str(error)) from None


def execution_query(request: execution_messages.ListExecutionsRequest) -> ExecutionQuery:
    """Return the repository query of a ListExecutionsRequest (bulk by-query actions use it too)."""
    return ExecutionQuery(
        namespace=request.namespace,
        flow_id=request.flow_id,
        states=list(request.states),
        labels=[(label.key, label.value) for label in request.labels],
        query=request.query.strip(),
        started_from=_latest(_date(request, "start_date"), _since(request.time_range)),
        ended_until=_date(request, "end_date"),
        trigger_execution_id=request.trigger_execution_id,
        child=_CHILD.get(request.child_filter, ChildFilter.ALL),
        sort=_sorts(request.sort, list(EXECUTION_SORTS)),
    )


def log_query(request: log_messages.SearchLogsRequest) -> LogQuery:
    """Return the repository query of a SearchLogsRequest."""
    sorts = _sorts(request.sort, sorted(LOG_SORTS))
    return LogQuery(
        namespace=request.namespace,
        flow_id=request.flow_id,
        execution_id=request.execution_id,
        min_level=request.min_level,
        query=request.query.strip(),
        since=_latest(_date(request, "start_date"), _since(request.time_range)),
        until=_date(request, "end_date"),
        descending=sorts[-1].descending if sorts else True,
    )
