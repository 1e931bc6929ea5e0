from __future__ import annotations

import asyncio

from nats.errors import Error as NatsError

from flowmesh.messaging import KILLED_BUCKET, Broker
from flowmesh.telemetry import get_logger

log = get_logger("state")


# nats-py's KV watcher methods carry no annotations; the ignores below say so.


class KilledExecutions:
    """The executions that were killed, as a set each worker keeps in memory.

    The executor records a kill once it is stored; workers follow the bucket and
    drop the jobs of killed executions without a read on every job.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._ids: set[str] = set()

    def __contains__(self, execution_id: object) -> bool:
        return execution_id in self._ids

    async def record(self, execution_id: str) -> None:
        kv = await self._broker.kv(KILLED_BUCKET)
        await kv.put(execution_id, b"")

    async def follow(self, stopping: asyncio.Event) -> None:
        """Keep the set up to date (the bucket's whole content, then each new kill) until stopping."""
        while not stopping.is_set():
            try:
                kv = await self._broker.kv(KILLED_BUCKET)
                watcher = await kv.watchall(ignore_deletes=True)
                try:
                    while not stopping.is_set():
                        try:
                            entry = await watcher.updates(timeout=1.0)  # type: ignore[no-untyped-call]
                        except TimeoutError:
                            continue
                        if entry is not None:
                            self._ids.add(entry.key)
                finally:
                    await watcher.stop()  # type: ignore[no-untyped-call]
            except NatsError as error:
                log.warning("killed_watch_failed", error=repr(error))
                await asyncio.sleep(1.0)
