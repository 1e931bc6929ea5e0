"""The queue layer against a real nats-server: streams, consumers, KV compare-and-set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.messaging import EXECUTOR_STREAM, Broker, Delivery, executor_subject, run_consumer
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, TaskRunUpdate
from flowmesh.state import ExecutionStore, StaleRevision
from flowmesh.telemetry import continued_trace, current_trace_id
from tests.integration.running import nats_broker
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    """A broker on a JetStream of its own, with flowmesh's streams and buckets."""
    async with nats_broker(tmp_path) as broker:
        yield broker


def update(execution_id: str, task_run_id: str) -> ExecutorMessage:
    return ExecutorMessage(
        task_run_update=TaskRunUpdate(
            execution_id=execution_id, task_run_id=task_run_id, attempt=1, state=StateType.STATE_TYPE_SUCCESS
        )
    )


async def test_ensure_topology_twice_keeps_the_messages(broker: Broker) -> None:
    await broker.publish(executor_subject("e1"), update("e1", "t1"), msg_id="m1")
    await broker.ensure_topology()
    info = await broker.js.stream_info(EXECUTOR_STREAM)
    assert info.state.messages == 1


async def test_a_publish_with_the_same_message_id_is_stored_once(broker: Broker) -> None:
    first = await broker.publish(executor_subject("e1"), update("e1", "t1"), msg_id="same")
    second = await broker.publish(executor_subject("e1"), update("e1", "t1"), msg_id="same")
    assert (first, second) == (True, False)
    assert (await broker.js.stream_info(EXECUTOR_STREAM)).state.messages == 1


async def test_consumer_carries_payload_and_trace_id_and_acked_messages_leave_the_work_queue(
    broker: Broker,
) -> None:
    with continued_trace({"traceparent": f"00-{'a' * 32}-{'b' * 16}-01"}):
        await broker.publish(executor_subject("e1"), update("e1", "t1"), msg_id="m1")
    subscription = await broker.pull(EXECUTOR_STREAM, "test", "flowmesh.executor.>")
    seen: list[tuple[str, str | None]] = []
    stopping = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        message = delivery.parse(ExecutorMessage)
        seen.append((message.task_run_update.task_run_id, current_trace_id()))
        await delivery.ack()
        stopping.set()

    await asyncio.wait_for(run_consumer(subscription, handler, concurrency=4, stopping=stopping), 10)
    assert seen == [("t1", "a" * 32)]
    assert (await broker.js.stream_info(EXECUTOR_STREAM)).state.messages == 0


async def test_a_failing_handler_does_not_stop_the_others_and_its_message_comes_back(broker: Broker) -> None:
    for number in range(5):
        await broker.publish(executor_subject(f"e{number}"), update(f"e{number}", "t"), msg_id=f"m{number}")
    subscription = await broker.pull(EXECUTOR_STREAM, "test", "flowmesh.executor.>")
    handled: list[str] = []
    failures = 0
    stopping = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        nonlocal failures
        execution_id = delivery.parse(ExecutorMessage).task_run_update.execution_id
        if execution_id == "e2" and failures == 0:
            failures += 1
            raise RuntimeError("poison, once")
        handled.append(execution_id)
        await delivery.ack()
        if len(handled) == 5:
            stopping.set()

    await asyncio.wait_for(run_consumer(subscription, handler, concurrency=2, stopping=stopping), 20)
    assert sorted(handled) == ["e0", "e1", "e2", "e3", "e4"]
    assert handled[-1] == "e2", "the failed message is retried after the others"


async def test_an_unacked_message_is_redelivered_after_the_ack_deadline(broker: Broker) -> None:
    await broker.publish(executor_subject("e1"), update("e1", "t1"), msg_id="m1")
    subscription = await broker.pull(EXECUTOR_STREAM, "short", "flowmesh.executor.>", ack_wait=1.0)
    (first,) = await subscription.fetch(1, timeout=5)
    assert first.metadata.num_delivered == 1
    (again,) = await subscription.fetch(1, timeout=10)
    assert again.metadata.num_delivered == 2
    assert Delivery(again).redelivered


async def test_execution_store_compare_and_set(broker: Broker) -> None:
    store = ExecutionStore(broker)
    created = await store.create(Execution(id="e1", version=1))
    with pytest.raises(StaleRevision):
        await store.create(Execution(id="e1", version=1))
    second = await store.update(Execution(id="e1", version=2), created.revision)
    with pytest.raises(StaleRevision):
        await store.update(Execution(id="e1", version=3), created.revision)
    stored = await store.get("e1")
    assert stored is not None
    assert (stored.execution.version, stored.revision) == (2, second.revision)
    assert await store.get("missing") is None


async def test_watch_yields_the_current_state_then_each_change(broker: Broker) -> None:
    store = ExecutionStore(broker)
    stored = await store.create(Execution(id="e1", version=1))
    versions: list[int] = []

    async def follow() -> None:
        async for execution in store.watch("e1"):
            versions.append(execution.version)
            if execution.version == 3:
                return

    follower = asyncio.create_task(follow())
    await eventually(lambda: asyncio.sleep(0, result=versions == [1]), within=5, what="first state")
    stored = await store.update(Execution(id="e1", version=2), stored.revision)
    await store.update(Execution(id="e1", version=3), stored.revision)
    await asyncio.wait_for(follower, 10)
    assert versions == [1, 2, 3]


async def test_an_unreadable_message_is_dropped_and_the_others_flow(broker: Broker) -> None:
    await broker.js.publish(executor_subject("bad"), b"\xff\xff not protobuf", headers={"Nats-Msg-Id": "bad"})
    await broker.publish(executor_subject("good"), update("good", "t"), msg_id="good")
    subscription = await broker.pull(EXECUTOR_STREAM, "test", "flowmesh.executor.>")
    handled: list[str] = []
    stopping = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        handled.append(delivery.parse(ExecutorMessage).task_run_update.execution_id)
        await delivery.ack()
        stopping.set()

    await asyncio.wait_for(run_consumer(subscription, handler, concurrency=1, stopping=stopping), 10)
    assert handled == ["good"]
    info = await broker.js.consumer_info(EXECUTOR_STREAM, "test")
    assert (info.num_pending, info.num_ack_pending) == (0, 0), "the unreadable message is gone for good"


async def test_a_stopping_consumer_finishes_the_messages_it_holds_and_fetches_no_more(broker: Broker) -> None:
    """What an executor does on SIGTERM: its consumer winds down without dropping what it took."""
    for n in range(5):
        await broker.publish(executor_subject(f"e{n}"), update(f"e{n}", "t"), msg_id=f"m{n}")
    subscription = await broker.pull(EXECUTOR_STREAM, "stopper", "flowmesh.executor.>")
    holding, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []
    stopping = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        holding.set()
        await release.wait()
        handled.append(delivery.subject)
        await delivery.ack()

    consuming = asyncio.create_task(run_consumer(subscription, handler, concurrency=2, stopping=stopping))
    await asyncio.wait_for(holding.wait(), 10)
    stopping.set()
    release.set()
    await asyncio.wait_for(consuming, 10)

    assert 1 <= len(handled) <= 2
    info = await broker.js.consumer_info(EXECUTOR_STREAM, "stopper")
    # Each message taken was finished and acked; the others wait for another consumer.
    assert info.num_ack_pending == 0
    assert (await broker.js.stream_info(EXECUTOR_STREAM)).state.messages == 5 - len(handled)
