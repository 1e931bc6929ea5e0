from __future__ import annotations

import asyncio
from collections.abc import Callable

from nats.errors import Error as NatsError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from flowmesh.messaging import Broker
from flowmesh.telemetry import get_logger

log = get_logger("state")

Seen = Callable[[KeyValue.Entry, bool], None]


async def follow_bucket(
    broker: Broker,
    bucket: str,
    seen: Seen,
    stopping: asyncio.Event,
    loaded: asyncio.Event,
    *,
    ignore_deletes: bool = False,
) -> None:
    """Call seen(entry, news) for the bucket's content, then for each change, until stopping.

    loaded is set once the content there at the start has been seen: news is whether
    it was set already. After the queue is lost the watch starts anew, with the whole
    content again (then news, as loaded stays set).
    """
    while not stopping.is_set():
        try:
            kv = await broker.kv(bucket)
            watcher = await kv.watchall(ignore_deletes=ignore_deletes)
            try:
                while not stopping.is_set():
                    try:
                        entry = await watcher.updates(timeout=1.0)  # type: ignore[no-untyped-call]
                    except TimeoutError:
                        continue
                    if entry is None:  # the end of the content there at the start
                        loaded.set()
                        continue
                    seen(entry, loaded.is_set())
            finally:
                await watcher.stop()  # type: ignore[no-untyped-call]
        except NatsError as error:
            log.warning("bucket_watch_failed", bucket=bucket, error=repr(error))
            await asyncio.sleep(1.0)


SNAPSHOT_LINGER_SECONDS = 10.0


async def bucket_snapshot(broker: Broker, bucket: str, keys: str = ">") -> list[KeyValue.Entry]:
    """Return the entries of bucket whose keys match keys (a NATS subject pattern), deleted keys left out.

    Not by nats-py's end-of-content marker: its check of the new consumer races the
    delivery of the entries already on their way, so under load the marker can come
    first and a full bucket read as empty. The entry with nothing pending after it ends
    the content instead; the stream's state says whether there is any content at all.
    """
    filtered = keys != ">"
    info = await broker.js.stream_info(
        f"KV_{bucket}", subjects_filter=f"$KV.{bucket}.{keys}" if filtered else None
    )
    if not (info.state.subjects if filtered else info.state.messages):
        return []
    kv = await broker.kv(bucket)
    # The server forgets the consumer this long after it is let go (nats-py's default, five
    # minutes, kept one per call: searches called in bursts reached the server's limit).
    watcher = await kv.watch(keys, inactive_threshold=SNAPSHOT_LINGER_SECONDS)
    entries: list[KeyValue.Entry] = []
    try:
        while True:
            entry = await watcher.updates(timeout=5.0)  # type: ignore[no-untyped-call]
            if entry is None:  # nats-py's marker: see above
                continue
            if entry.operation not in (KV_DEL, KV_PURGE):
                entries.append(entry)
            if entry.delta == 0:
                return entries
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]
