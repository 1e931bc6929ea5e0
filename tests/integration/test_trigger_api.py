"""The TriggerService over gRPC on a real NATS: what it writes in the trigger states, with no scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from flowmesh.api._triggers import TriggerServicer
from flowmesh.auth import AccessInterceptor
from flowmesh.messaging import Broker
from flowmesh.rpc import GrpcServer
from flowmesh.state import FlowStore, TriggerId, TriggerStates
from flowmesh.trigger.v1 import trigger_messages_pb2 as messages
from flowmesh.trigger.v1 import trigger_service_pb2_grpc
from tests.integration.running import deploy, nats_broker

FLOW = """
id: polled
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 3 * * *"
"""
TRIGGER = TriggerId("main", "company.team", "polled", "nightly")
NAMED = {"tenant": "main", "namespace": "company.team", "flow_id": "polled", "trigger_id": "nightly"}


async def _no_namespaces(request: object) -> None:
    return None


@asynccontextmanager
async def trigger_api(broker: Broker) -> AsyncIterator[trigger_service_pb2_grpc.TriggerServiceStub]:
    server = GrpcServer(
        "127.0.0.1:0",
        registrars=[
            lambda server: trigger_service_pb2_grpc.add_TriggerServiceServicer_to_server(
                TriggerServicer(FlowStore(broker), TriggerStates(broker)), server
            )
        ],
        # With authentication off, as the standalone server: every caller may see every trigger.
        interceptors=[AccessInterceptor(None, _no_namespaces)],
    )
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield trigger_service_pb2_grpc.TriggerServiceStub(channel)
    finally:
        await server.stop(0)


async def test_disabling_a_trigger_no_scheduler_has_seen_creates_its_state(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker, trigger_api(broker) as api:
        await deploy(broker, FLOW)
        assert await TriggerStates(broker).get(TRIGGER) is None
        answer = await api.SetTriggerDisabled(messages.SetTriggerDisabledRequest(**NAMED, disabled=True))
        assert answer.disabled
        state = await TriggerStates(broker).get(TRIGGER)
        assert state is not None
        assert state.disabled


async def test_unlocking_forgets_the_execution_and_the_evaluation_under_way(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker, trigger_api(broker) as api:
        await deploy(broker, FLOW)
        states = TriggerStates(broker)
        now = datetime.now(UTC)
        fired = datetime(2024, 1, 1, 3, tzinfo=UTC)
        await states.change(
            TRIGGER,
            lambda state: replace(
                state,
                date=fired,
                execution_id="running-one",
                evaluating_until=now + timedelta(minutes=5),
                worker_id="worker-1",
            ),
            now=now,
        )
        answer = await api.UnlockTrigger(messages.UnlockTriggerRequest(**NAMED))
        assert not answer.locked
        assert not answer.execution_id
        assert not answer.worker_id
        state = await states.get(TRIGGER)
        assert state is not None
        assert (state.execution_id, state.evaluating_until, state.worker_id) == (None, None, None)
        assert state.date == fired  # what it fired stays


async def _lock(states: TriggerStates, now: datetime) -> None:
    """Store TRIGGER as fired, locked on an execution and evaluated on a worker."""
    await states.change(
        TRIGGER,
        lambda state: replace(
            state,
            date=datetime(2024, 1, 1, 3, tzinfo=UTC),
            next=datetime(2024, 1, 2, 3, tzinfo=UTC),
            execution_id="running-one",
            evaluating_until=now + timedelta(minutes=5),
            worker_id="worker-1",
        ),
        now=now,
    )


async def test_unlocking_by_query_unlocks_the_locked_triggers_the_filters_select(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker, trigger_api(broker) as api:
        await deploy(broker, FLOW)
        states = TriggerStates(broker)
        await _lock(states, datetime.now(UTC))
        other_worker = messages.SearchTriggersRequest(worker_id="worker-2")
        missed = await api.UnlockTriggersByQuery(
            messages.UnlockTriggersByQueryRequest(tenant="main", query=other_worker)
        )
        assert missed.total_items == 0
        assert (await states.get(TRIGGER)).execution_id == "running-one"  # type: ignore[union-attr]
        query = messages.SearchTriggersRequest(namespace="company", worker_id="worker-1")
        done = await api.UnlockTriggersByQuery(
            messages.UnlockTriggersByQueryRequest(tenant="main", query=query)
        )
        assert done.total_items == 1
        state = await states.get(TRIGGER)
        assert state is not None
        assert (state.execution_id, state.worker_id) == (None, None)


async def test_restarting_forgets_the_evaluation_and_the_dates_not_the_execution_lock(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker, trigger_api(broker) as api:
        await deploy(broker, FLOW)
        states = TriggerStates(broker)
        await _lock(states, datetime.now(UTC))
        answer = await api.RestartTrigger(messages.RestartTriggerRequest(**NAMED))
        assert not answer.worker_id
        assert not answer.HasField("last_triggered_date")
        state = await states.get(TRIGGER)
        assert state is not None
        assert (state.date, state.next, state.evaluating_until, state.worker_id) == (None, None, None, None)
        assert state.execution_id == "running-one"
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await api.RestartTrigger(messages.RestartTriggerRequest(**{**NAMED, "trigger_id": "a>b"}))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
