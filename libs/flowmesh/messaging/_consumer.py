from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from google.protobuf.message import DecodeError
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext

from flowmesh.messaging._broker import Delivery
from flowmesh.telemetry import HANDLER_FAILURES, continued_trace, get_logger

log = get_logger("consumer")

Handler = Callable[[Delivery], Awaitable[None]]

# How long a handler failure holds a message back before it is tried again.
RETRY_DELAY = 1.0
# Waits between fetches while NATS fails them.
_BACKOFF_FIRST = 0.1
_BACKOFF_LAST = 5.0


async def run_consumer(
    subscription: JetStreamContext.PullSubscription,
    handler: Handler,
    *,
    concurrency: int,
    stopping: asyncio.Event,
    fetch_timeout: float = 1.0,
) -> None:
    """Fetch and handle messages, at most `concurrency` at a time, until `stopping` is set.

    The handler settles each message (ack, nak, term). When it raises, the message
    is logged and nak'ed with a delay, so that a poison message never stops the
    others; a message that cannot be parsed at all is terminated. A failing fetch
    (NATS away) is retried with a growing pause. Once `stopping` is set no new
    message is fetched, and those in hand are finished before this returns.
    """
    slots = asyncio.Semaphore(concurrency)
    backoff = _BACKOFF_FIRST
    running: set[asyncio.Task[None]] = set()

    async def handle(delivery: Delivery) -> None:
        try:
            with continued_trace(delivery.headers):
                await handler(delivery)
        except DecodeError:
            # Unreadable now means unreadable forever: retrying would only loop.
            log.error("unreadable_message_dropped", subject=delivery.subject)
            HANDLER_FAILURES.labels(delivery.subject.split(".", 2)[1]).inc()
            await delivery.term()
        except Exception:
            log.exception("handler_failed", subject=delivery.subject)
            HANDLER_FAILURES.labels(delivery.subject.split(".", 2)[1]).inc()
            await delivery.nak(delay=RETRY_DELAY)
        finally:
            slots.release()

    try:
        while not stopping.is_set():
            await slots.acquire()
            if stopping.is_set():  # set while every slot was busy: fetch nothing more
                slots.release()
                break
            free = 1
            while not slots.locked() and free < concurrency:
                await slots.acquire()
                free += 1
            try:
                messages = await subscription.fetch(free, timeout=fetch_timeout)
                backoff = _BACKOFF_FIRST
            except (TimeoutError, NatsTimeoutError):
                messages = []
            except NatsError as error:
                # NATS away or restarting: wait and fetch again, the process lives on.
                log.warning("fetch_failed", error=repr(error), retry_in=backoff)
                messages = []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), backoff)
                backoff = min(backoff * 2, _BACKOFF_LAST)
            for _ in range(free - len(messages)):
                slots.release()
            for msg in messages:
                task = asyncio.create_task(handle(Delivery(msg)))
                running.add(task)
                task.add_done_callback(running.discard)
    finally:
        if running:
            await asyncio.gather(*running, return_exceptions=True)
