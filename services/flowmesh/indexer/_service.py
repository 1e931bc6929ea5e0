"""The indexer service: batches from JetStream, one repository write per batch, then acks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence

from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import MsgAlreadyAckdError
from nats.js import JetStreamContext

from flowmesh.indexer._feeds import FEEDS, Feed
from flowmesh.indexer._retention import Retention, purge_periodically
from flowmesh.messaging import Broker
from flowmesh.repository import InvalidRecord, RepositoryBackend, RepositoryUnavailable
from flowmesh.telemetry import INDEXED, INDEXER_LAG, get_logger

log = get_logger("indexer")

# How long one fetch waits for messages; also bounds how long a stop takes.
FETCH_TIMEOUT = 1.0
# How long a batch may wait for more messages once it has some: the delay indexing adds.
LINGER = 0.2
# Waits between retries of a failed write or subscription, doubling up to the cap.
BACKOFF_INITIAL = 0.1
BACKOFF_CAP = 5.0
# How often the repository is pinged, so that health is known without traffic.
HEALTH_INTERVAL = 5.0

Batch = list[tuple[Msg, Message]]


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep for seconds, or less when stopping is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


class Indexer:
    """Copy flows, execution events and logs into the repository, idempotently, in batches;
    purge what the retention lets go."""

    def __init__(
        self,
        broker: Broker,
        repository: RepositoryBackend,
        *,
        batch_size: int = 500,
        retention: Retention | None = None,
    ) -> None:
        self._broker = broker
        self._repository = repository
        self._batch_size = batch_size
        self._retention = retention
        self._healthy = True

    @property
    def healthy(self) -> bool:
        """Return False while the repository is unreachable."""
        return self._healthy

    def _set_healthy(self, healthy: bool, error: str = "") -> None:
        if healthy == self._healthy:
            return
        self._healthy = healthy
        if healthy:
            log.info("repository_available")
        else:
            log.warning("repository_unavailable", error=error)

    async def run(self, stopping: asyncio.Event) -> None:
        """Index until stopping is set, then finish the batches in hand and return."""
        log.info("indexer_started", batch_size=self._batch_size)
        async with asyncio.TaskGroup() as group:
            group.create_task(self._watch_health(stopping))
            if self._retention is not None:
                group.create_task(purge_periodically(self._repository, self._retention, stopping))
            for feed in FEEDS:
                group.create_task(self._consume(feed, stopping))
        log.info("indexer_stopped")

    async def _watch_health(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self._repository.ping()
            except RepositoryUnavailable as exc:
                self._set_healthy(False, str(exc))
            except Exception:
                log.exception("health_check_failed")
            else:
                self._set_healthy(True)
            await _wait(stopping, HEALTH_INTERVAL)

    async def _subscribe(
        self, feed: Feed, stopping: asyncio.Event
    ) -> JetStreamContext.PullSubscription | None:
        """Bind the feed's durable consumer, retrying while NATS is unreachable."""
        delay = BACKOFF_INITIAL
        while not stopping.is_set():
            try:
                return await self._broker.pull(
                    feed.stream,
                    feed.durable,
                    feed.filter_subject,
                    max_ack_pending=max(1000, 2 * self._batch_size),
                )
            except (NatsError, TimeoutError) as exc:
                log.warning("subscribe_failed", consumer=feed.durable, error=repr(exc))
            await _wait(stopping, delay)
            delay = min(delay * 2, BACKOFF_CAP)
        return None

    async def _consume(self, feed: Feed, stopping: asyncio.Event) -> None:
        subscription = await self._subscribe(feed, stopping)
        if subscription is None:
            return
        delay = BACKOFF_INITIAL
        try:
            while not stopping.is_set():
                try:
                    msgs = await subscription.fetch(self._batch_size, timeout=FETCH_TIMEOUT)
                except TimeoutError:
                    continue  # nothing new; nats' and asyncio's timeouts are both TimeoutError
                except NatsError as exc:
                    log.warning("fetch_failed", consumer=feed.durable, error=repr(exc))
                    await _wait(stopping, delay)
                    delay = min(delay * 2, BACKOFF_CAP)
                    continue
                delay = BACKOFF_INITIAL
                msgs = await self._fill(subscription, list(msgs))
                try:
                    await self._index(feed, msgs, stopping)
                except Exception:
                    # A bug must not stop indexing: the unsettled messages come back.
                    log.exception("index_failed", consumer=feed.durable)
                    await _wait(stopping, BACKOFF_CAP)
        finally:
            with contextlib.suppress(NatsError):
                await subscription.unsubscribe()

    async def _fill(self, subscription: JetStreamContext.PullSubscription, msgs: list[Msg]) -> list[Msg]:
        """Keep fetching for a moment after a small batch, so that busy times write fewer, larger batches."""
        deadline = asyncio.get_running_loop().time() + LINGER
        while len(msgs) < self._batch_size:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                msgs += await subscription.fetch(self._batch_size - len(msgs), timeout=remaining)
            except (TimeoutError, NatsError):
                break
        return msgs

    async def _index(self, feed: Feed, msgs: Sequence[Msg], stopping: asyncio.Event) -> None:
        """Save one fetched batch, then settle every message of it."""
        batch: Batch = []
        for msg in msgs:
            try:
                record = feed.parse(msg)
            except (DecodeError, ValueError) as exc:
                log.error("message_invalid", consumer=feed.durable, subject=msg.subject, error=str(exc))
                await _settle(msg.term)
                continue
            if record is None:
                await _settle(msg.ack)  # nothing to write, so nothing to wait for
            else:
                batch.append((msg, record))
        if batch and not await self._save(feed, batch, stopping):
            # Stopped during an outage: hand back what is unsettled, for another instance.
            for msg, _ in batch:
                await _settle(msg.nak)
        with contextlib.suppress(NatsError, TimeoutError):
            await self._broker.nc.flush()

    async def _save(self, feed: Feed, batch: Batch, stopping: asyncio.Event) -> bool:
        """Write batch and ack it, retrying while the repository is away.

        Return False when stopping interrupts the retries. A batch the database
        rejects is written one record at a time, and each rejected record is
        logged and terminated, so that one bad record cannot block the stream.
        """
        delay = BACKOFF_INITIAL
        while True:
            try:
                await feed.save(self._repository, [record for _, record in batch])
            except InvalidRecord as exc:
                if len(batch) > 1:
                    return await self._save_each(feed, batch, stopping)
                msg = batch[0][0]
                log.error("record_rejected", consumer=feed.durable, subject=msg.subject, error=str(exc))
                await _settle(msg.term)
                return True
            except RepositoryUnavailable as exc:
                self._set_healthy(False, str(exc))
            except Exception:
                log.exception("save_failed", consumer=feed.durable, size=len(batch))
            else:
                self._set_healthy(True)
                INDEXED.labels(feed.durable).inc(len(batch))
                newest = max(msg.metadata.timestamp for msg, _ in batch)
                INDEXER_LAG.labels(feed.durable).set(max(0.0, time.time() - newest.timestamp()))
                for msg, _ in batch:
                    await _settle(msg.ack)
                return True
            if stopping.is_set():
                return False
            for msg, _ in batch:
                await _settle(msg.in_progress)  # keep the batch ours while we wait
            await _wait(stopping, delay)
            delay = min(delay * 2, BACKOFF_CAP)

    async def _save_each(self, feed: Feed, batch: Batch, stopping: asyncio.Event) -> bool:
        for item in batch:
            if not await self._save(feed, [item], stopping):
                return False
        return True


async def _settle(action: Callable[[], Awaitable[None]]) -> None:
    """Send an ack, nak, term or progress; a lost one only means a redelivery."""
    try:
        await action()
    except MsgAlreadyAckdError:
        pass  # settled earlier in this batch
    except NatsError as exc:
        log.warning("settle_failed", error=repr(exc))
