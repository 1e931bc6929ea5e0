from __future__ import annotations

import asyncio
import contextlib
import uuid

from nats.errors import Error as NatsError

from flowmesh.messaging import WORKER_PRESENCE_TTL, WORKERS_BUCKET, Broker
from flowmesh.state._watch import bucket_snapshot
from flowmesh.telemetry import get_logger

log = get_logger("state")

# How often a worker renews its key: a few times within the key's life, so that one lost
# renewal does not make a live worker look gone.
_RENEW_EVERY = WORKER_PRESENCE_TTL / 3

# nats-py's KV watcher methods carry no annotations; the ignores below say so.


class LiveWorkers:
    """Which worker groups have a worker running: each worker keeps a key alive in a bucket.

    A worker's key is `<group>.<instance>`; the bucket forgets a key its worker
    stopped renewing (it died) after WORKER_PRESENCE_TTL, and a worker that stops
    removes its own at once.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def announce(self, group: str, stopping: asyncio.Event) -> None:
        """Keep a key for a worker of group until stopping, then remove it."""
        key = f"{group}.{uuid.uuid4().hex}"
        try:
            while not stopping.is_set():
                try:
                    kv = await self._broker.kv(WORKERS_BUCKET)
                    await kv.put(key, b"")
                except NatsError as error:
                    log.warning("worker_presence_failed", error=repr(error))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), _RENEW_EVERY)
        finally:
            with contextlib.suppress(NatsError):
                kv = await self._broker.kv(WORKERS_BUCKET)
                await kv.delete(key)

    async def has_worker(self, group: str) -> bool:
        """Return whether a worker of group is running (has renewed its key lately)."""
        return bool(await bucket_snapshot(self._broker, WORKERS_BUCKET, f"{group}.*"))
