"""Waiting on the queue itself: a consumer with nothing pending and nothing unacked."""

from __future__ import annotations

from flowmesh.messaging import EXECUTOR_STREAM, Broker
from tests.waiting import eventually


async def idle(broker: Broker, stream: str, durable: str) -> bool:
    """Return whether the durable consumer has delivered and settled everything it holds."""
    info = await broker.js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def executor_settled(broker: Broker, within: float = 10.0) -> None:
    """Wait until the executor has applied every message published so far."""
    await eventually(lambda: idle(broker, EXECUTOR_STREAM, "executor"), within=within, what="executor idle")
