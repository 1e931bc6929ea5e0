from __future__ import annotations

import asyncio
import contextlib

from nats.errors import Error as NatsError

from flowmesh.messaging._broker import Broker
from flowmesh.telemetry import CONSUMER_ACK_PENDING, CONSUMER_PENDING, get_logger

log = get_logger("messaging")

# How often the consumers' lag is read: one request per consumer each time.
LAG_EVERY = 5.0


async def watch_consumer_lag(broker: Broker, stopping: asyncio.Event, every: float = LAG_EVERY) -> None:
    """Until stopping, read the lag of each durable consumer this process pulls from into the gauges."""
    while not stopping.is_set():
        for stream, durable in sorted(broker.consumers):
            try:
                info = await broker.js.consumer_info(stream, durable)
            except (NatsError, TimeoutError) as error:
                log.debug("consumer_lag_unread", consumer=durable, error=repr(error))
                continue
            CONSUMER_PENDING.labels(stream, durable).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(stream, durable).set(info.num_ack_pending or 0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every)
