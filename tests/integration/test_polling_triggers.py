"""Polling triggers on a real NATS and a real HTTP server: http.Trigger evaluated by workers at its
interval, never twice at once, locked while its execution runs; stopAfter; unlocking a stuck lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.messaging import POLLS_STREAM, Broker, poll_subject
from flowmesh.queue.v1.queue_pb2 import PollTrigger
from flowmesh.scheduler import PollingTriggers, Scheduler
from flowmesh.state import TriggerId, TriggerState, TriggerStates
from flowmesh.triggers import polling_execution_id
from flowmesh.values import from_struct
from flowmesh.worker import Worker
from tests.httpserver import HITS, MOST_AT_ONCE, http_server
from tests.integration.running import deploy, ended, executions_of, running
from tests.waiting import eventually

pytestmark = pytest.mark.integration

NAMESPACE = "company.team"
# The condition holds for the first response only: its body and its header both count one hit.
FIRST_HIT = "\"{{ json(response.body).hits == 1 and response.headers['x-hits'][0] == '1' }}\""


def polled_flow(flow_id: str, triggers: str, task_seconds: float = 0) -> str:
    """Return a flow whose one task logs the trigger's body, after sleeping task_seconds."""
    sleep = (
        f"  - id: wait\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT{task_seconds}S\n"
        if task_seconds
        else ""
    )
    return (
        f"id: {flow_id}\nnamespace: {NAMESPACE}\ntasks:\n{sleep}"
        "  - id: said\n    type: io.kestra.plugin.core.log.Log\n    message: '{{ trigger.body }}'\n"
        f"triggers:\n{triggers}"
    )


def http_trigger(trigger_id: str, uri: str, **properties: str) -> str:
    lines = [f"  - id: {trigger_id}", "    type: io.kestra.plugin.core.http.Trigger", f"    uri: '{uri}'"]
    lines += [f"    {name}: {value}" for name, value in properties.items()]
    return "\n".join(lines) + "\n"


@asynccontextmanager
async def polling(broker: Broker, lease: timedelta = timedelta(minutes=1)) -> AsyncIterator[None]:
    """Run a scheduler's polling part, looking every 50 ms, with evaluations leased for lease."""
    stopping = asyncio.Event()
    task = asyncio.create_task(
        PollingTriggers(broker, lambda: datetime.now(UTC), tick=0.05, lease=lease).run(stopping)
    )
    try:
        yield
    finally:
        stopping.set()
        await task


def trigger_of(flow_id: str, trigger_id: str) -> TriggerId:
    return TriggerId("main", NAMESPACE, flow_id, trigger_id)


async def state_of(broker: Broker, flow_id: str, trigger_id: str) -> TriggerState:
    return await TriggerStates(broker).get(trigger_of(flow_id, trigger_id)) or TriggerState()


async def test_an_http_trigger_starts_an_execution_with_the_response_when_its_condition_holds(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as broker, http_server() as base:
        stopping = asyncio.Event()
        scheduler = asyncio.create_task(Scheduler(broker, tick=0.2).run(stopping))
        try:
            trigger = http_trigger(
                "price",
                f"{base}/counted/price",
                interval="PT1S",
                responseCondition=FIRST_HIT,
                labels="{origin: poll}",
            )
            await deploy(broker, polled_flow("price-watch", trigger))

            (started,) = await eventually(
                lambda: executions_of(broker, "price-watch"), within=15, what="the trigger starts"
            )
            execution = await ended(broker, started.id)
            await eventually(lambda: _unlocked(broker, "price-watch", "price"), what="its end unlocks it")
        finally:
            stopping.set()
            await scheduler

    assert execution.state.current == StateType.STATE_TYPE_SUCCESS
    assert execution.trigger.id == "price"
    assert execution.trigger.type == "io.kestra.plugin.core.http.Trigger"
    variables = from_struct(execution.trigger.variables)
    assert variables["uri"] == f"{base}/counted/price"
    assert variables["code"] == 200
    assert variables["headers"]["x-hits"] == ["1"]
    assert variables["body"] == '{"name":"price","hits":1}'
    assert {label.key: label.value for label in execution.labels}["origin"] == "poll"


async def _unlocked(broker: Broker, flow_id: str, trigger_id: str) -> bool:
    return (await state_of(broker, flow_id, trigger_id)).execution_id is None


async def test_no_evaluation_while_one_is_under_way_or_its_execution_runs_and_they_resume_after(
    tmp_path: Path,
) -> None:
    # Every evaluation's condition holds, and would start an execution: the second execution
    # starts after the first ended, with the second hit, so nothing was evaluated in between.
    async with running(tmp_path) as broker, http_server() as base, polling(broker):
        trigger = http_trigger("slow", f"{base}/counted/slow-poll?seconds=1", interval="PT0.1S")
        await deploy(broker, polled_flow("slow-poll", trigger, task_seconds=1.5))

        async def two() -> list[Execution] | None:
            found = await executions_of(broker, "slow-poll")
            return found if len(found) >= 2 else None

        first, second = (await eventually(two, within=20, what="a second execution"))[:2]
        first = await ended(broker, first.id)

    assert from_struct(first.trigger.variables)["body"] == '{"name":"slow-poll","hits":1}'
    assert from_struct(second.trigger.variables)["body"] == '{"name":"slow-poll","hits":2}'
    first_end = first.state.histories[-1].date.ToDatetime()
    assert second.state.histories[0].date.ToDatetime() >= first_end
    assert MOST_AT_ONCE["slow-poll"] == 1


async def test_two_schedulers_never_evaluate_one_trigger_twice_at_once(tmp_path: Path) -> None:
    async with running(tmp_path) as broker, http_server() as base, polling(broker), polling(broker):
        trigger = http_trigger(
            "busy", f"{base}/counted/busy?seconds=0.3", interval="PT0.05S", responseCondition="'{{ false }}'"
        )
        await deploy(broker, polled_flow("busy", trigger))

        await eventually(lambda: _at_least(HITS["busy"], 6), within=20, what="six evaluations")

        assert MOST_AT_ONCE["busy"] == 1
        assert await executions_of(broker, "busy") == []


async def _at_least(value: int, wanted: int) -> bool:
    return value >= wanted


async def test_a_false_condition_or_a_failed_request_starts_nothing_and_frees_the_lease(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as broker, http_server() as base, polling(broker):
        triggers = http_trigger(
            "never",
            f"{base}/counted/never",
            interval="PT0.1S",
            responseCondition="'{{ response.statusCode == 201 }}'",
        ) + http_trigger("failing", f"{base}/counted/failing?code=500", interval="PT0.1S")
        await deploy(broker, polled_flow("quiet", triggers))

        await eventually(lambda: _at_least(min(HITS["never"], HITS["failing"]), 3), what="evaluations go on")

        assert await executions_of(broker, "quiet") == []
        for trigger_id in ("never", "failing"):
            state = await state_of(broker, "quiet", trigger_id)
            assert state.execution_id is None
            assert state.date is not None


async def test_unlocking_clears_a_stuck_lock(tmp_path: Path) -> None:
    async with running(tmp_path) as broker, http_server() as base:
        states = TriggerStates(broker)
        stuck = trigger_of("stuck", "locked")
        await states.change(stuck, lambda state: replace(state, execution_id="gone"), now=datetime.now(UTC))
        # The witness is evaluated meanwhile: the scheduler is looking at the flow's triggers.
        triggers = http_trigger("locked", f"{base}/counted/locked", interval="PT0.1S") + http_trigger(
            "witness", f"{base}/counted/witness", interval="PT0.1S", responseCondition="'{{ false }}'"
        )
        await deploy(broker, polled_flow("stuck", triggers))
        async with polling(broker):
            await eventually(lambda: _at_least(HITS["witness"], 3), what="the witness is evaluated")
            assert HITS["locked"] == 0

            await states.change(stuck, lambda state: replace(state, execution_id=None), now=datetime.now(UTC))

            started, *_ = await eventually(
                lambda: executions_of(broker, "stuck"), what="the trigger starts again"
            )
            assert (await ended(broker, started.id)).state.current == StateType.STATE_TYPE_SUCCESS


async def test_stop_after_success_disables_the_trigger_after_its_first_successful_execution(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as broker, http_server() as base, polling(broker):
        triggers = http_trigger("once", f"{base}/counted/once", interval="PT0.1S", stopAfter="[SUCCESS]")
        triggers += http_trigger(
            "witness", f"{base}/counted/once-witness", interval="PT0.1S", responseCondition="'{{ false }}'"
        )
        await deploy(broker, polled_flow("once", triggers))

        disabled = await eventually(
            lambda: _disabled(broker, "once", "once"), within=20, what="stopAfter disables the trigger"
        )
        seen = HITS["once-witness"]
        await eventually(lambda: _at_least(HITS["once-witness"], seen + 3), what="the witness goes on")

        assert HITS["once"] == 1
        (execution,) = await executions_of(broker, "once")
        assert execution.state.current == StateType.STATE_TYPE_SUCCESS
        assert disabled.execution_id is None


async def _disabled(broker: Broker, flow_id: str, trigger_id: str) -> TriggerState | None:
    state = await state_of(broker, flow_id, trigger_id)
    return state if state.disabled else None


async def test_a_dead_workers_lease_runs_out_and_the_trigger_is_evaluated_again(tmp_path: Path) -> None:
    async with running(tmp_path) as broker, http_server() as base:
        until = datetime.now(UTC) + timedelta(seconds=2)
        await TriggerStates(broker).change(
            trigger_of("orphan", "poll"),
            lambda state: replace(state, evaluating_until=until, worker_id="dead-worker"),
            now=datetime.now(UTC),
        )
        trigger = http_trigger(
            "poll", f"{base}/counted/orphan", interval="PT0.1S", responseCondition="'{{ false }}'"
        )
        await deploy(broker, polled_flow("orphan", trigger))
        async with polling(broker, lease=timedelta(seconds=2)):
            await eventually(
                lambda: _at_least(HITS["orphan"], 1), within=15, what="an evaluation after the lease"
            )

        assert datetime.now(UTC) >= until


async def test_an_evaluation_run_again_after_its_worker_died_past_the_lock_submits_the_same_execution(
    tmp_path: Path,
) -> None:
    # The worker locked the trigger on its evaluation's execution, then died before submitting it:
    # JetStream hands its message to another worker, which submits that very execution.
    async with running(tmp_path) as broker, http_server() as base:
        trigger = http_trigger("rerun", f"{base}/counted/rerun")
        await deploy(broker, polled_flow("rerun", trigger))
        date = datetime.now(UTC)
        execution_id = polling_execution_id(trigger_of("rerun", "rerun"), date)
        await TriggerStates(broker).change(
            trigger_of("rerun", "rerun"), lambda state: replace(state, execution_id=execution_id), now=date
        )
        message = PollTrigger(
            tenant_id="main", namespace=NAMESPACE, flow_id="rerun", flow_revision=1, trigger_id="rerun"
        )
        message.date.FromDatetime(date)
        message.lease_until.FromDatetime(date + timedelta(minutes=1))
        await broker.publish(poll_subject("default"), message, msg_id="rerun")

        execution = await ended(broker, execution_id)
        await eventually(lambda: _unlocked(broker, "rerun", "rerun"), what="its end unlocks the trigger")

    assert execution.state.current == StateType.STATE_TYPE_SUCCESS
    assert from_struct(execution.trigger.variables)["body"] == '{"name":"rerun","hits":1}'


async def test_a_trigger_is_evaluated_by_a_worker_of_its_worker_group(tmp_path: Path) -> None:
    async with running(tmp_path) as broker, http_server() as base, polling(broker):
        triggers = http_trigger(
            "remote",
            f"{base}/counted/remote",
            interval="PT0.1S",
            responseCondition="'{{ false }}'",
            workerGroup="{key: remote}",
        ) + http_trigger(
            "local", f"{base}/counted/local", interval="PT0.1S", responseCondition="'{{ false }}'"
        )
        await deploy(broker, polled_flow("grouped", triggers))
        await eventually(lambda: _at_least(HITS["local"], 3), what="the default group's worker evaluates")
        assert HITS["remote"] == 0
        # Nothing waits in the queue for the group meanwhile: no evaluation is sent without a worker.
        queued = await broker.js.stream_info(POLLS_STREAM, subjects_filter=poll_subject("remote"))
        assert not queued.state.subjects

        stopping = asyncio.Event()
        remote = asyncio.create_task(Worker(broker, group="remote", worker_id="remote-1").run(stopping))
        try:
            await eventually(lambda: _at_least(HITS["remote"], 1), what="the remote group's worker evaluates")
        finally:
            stopping.set()
            await remote
