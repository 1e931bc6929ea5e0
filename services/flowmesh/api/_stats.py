"""The dashboards' statistics: SQL aggregations of the repository, in Kestra's shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.api._support import now, unary
from flowmesh.auth import scope
from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.repository import DailyStats, DurationStats, RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.stats.v1 import stats_messages_pb2 as messages
from flowmesh.stats.v1.stats_service_pb2_grpc import StatsServiceServicer

# Kestra's default range, and the longest one answered.
DEFAULT_DAYS = 30
MAX_DAYS = 366

DailyRequest = (
    messages.DailyExecutionStatisticsRequest
    | messages.DailyExecutionStatisticsByFlowRequest
    | messages.DailyTaskRunStatisticsRequest
)


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def day_range(request: DailyRequest) -> tuple[datetime, datetime]:
    """Return [first day, the day after the last) of a request, checked."""
    try:
        end = request.end_date.ToDatetime(tzinfo=UTC) if request.HasField("end_date") else now()
        start = (
            request.start_date.ToDatetime(tzinfo=UTC)
            if request.HasField("start_date")
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
        first, after = _day(start), _day(end) + timedelta(days=1)
    except (ValueError, OverflowError):
        raise _invalid("start_date", "dates must be between years 1 and 9999") from None
    if after <= first:
        raise _invalid("end_date", "must not be before start_date")
    if (after - first).days > MAX_DAYS:
        raise _invalid("start_date", f"a range spans at most {MAX_DAYS} days")
    return first, after


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.INVALID_ARGUMENT, "RANGE_INVALID", f"{field}: {message}", [(field, message)]
    )


def _duration(seconds: float) -> Duration:
    duration = Duration()
    duration.FromNanoseconds(round(seconds * 1e9))
    return duration


def _durations(stats: DurationStats) -> messages.DurationStatistics:
    return messages.DurationStatistics(
        count=stats.count,
        min=_duration(stats.min),
        avg=_duration(stats.avg),
        max=_duration(stats.max),
        sum=_duration(stats.sum),
        p50=_duration(stats.p50),
        p95=_duration(stats.p95),
    )


def daily_message(stats: DailyStats) -> messages.DailyStatistics:
    """Return the message of one day's statistics."""
    start = Timestamp()
    start.FromDatetime(stats.day)
    return messages.DailyStatistics(
        start_date=start,
        duration=_durations(stats.duration),
        execution_counts={state_name(cast(StateType, state)): n for state, n in stats.counts.items()},
        namespace=stats.namespace,
        flow_id=stats.flow_id,
    )


def every_day(found: list[DailyStats], first: datetime, after: datetime) -> list[DailyStats]:
    """Return one DailyStats per day of [first, after), empty for the days without any."""
    by_day = {stats.day: stats for stats in found}
    days = (first + timedelta(days=n) for n in range((after - first).days))
    return [by_day.get(day, DailyStats(day=day)) for day in days]


class StatsServicer(StatsServiceServicer):
    """Every answer is one aggregation query of the repository."""

    def __init__(self, repository: RepositoryBackend) -> None:
        self._repository = repository

    async def _found(
        self, request: DailyRequest, table: str, first: datetime, after: datetime, *, by_flow: bool
    ) -> list[DailyStats]:
        """Return the statistics of what the caller may read (nothing without a role)."""
        readable = scope()
        if readable.nothing:
            return []
        return await self._repository.daily_statistics(
            request.tenant,
            table,
            start=first,
            end=after,
            namespace=request.namespace,
            flow_id=request.flow_id,
            by_flow=by_flow,
            readable_namespaces=readable.namespaces,
        )

    async def _daily(self, request: DailyRequest, table: str) -> messages.DailyStatisticsResponse:
        first, after = day_range(request)
        found = await self._found(request, table, first, after, by_flow=False)
        return messages.DailyStatisticsResponse(
            days=[daily_message(s) for s in every_day(found, first, after)]
        )

    @unary
    async def DailyExecutionStatistics(
        self, request: messages.DailyExecutionStatisticsRequest, context: grpc.aio.ServicerContext
    ) -> messages.DailyStatisticsResponse:
        return await self._daily(request, "executions")

    @unary
    async def DailyTaskRunStatistics(
        self, request: messages.DailyTaskRunStatisticsRequest, context: grpc.aio.ServicerContext
    ) -> messages.DailyStatisticsResponse:
        return await self._daily(request, "task_runs")

    @unary
    async def DailyExecutionStatisticsByFlow(
        self, request: messages.DailyExecutionStatisticsByFlowRequest, context: grpc.aio.ServicerContext
    ) -> messages.DailyStatisticsByFlowResponse:
        first, after = day_range(request)
        found = await self._found(request, "executions", first, after, by_flow=True)
        return messages.DailyStatisticsByFlowResponse(days=[daily_message(s) for s in found])
