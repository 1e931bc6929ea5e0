"""Polling triggers: at each interval, the scheduler leases the trigger and sends its evaluation to a worker.

The lease (flowmesh.triggers: take_lease) is taken compare-and-set in the trigger's
state, so with several schedulers one evaluation is sent per interval, none while one
is under way or the trigger is locked on the execution it started, and none while it
is disabled. A worker of the trigger's worker group evaluates it (see the worker's
_polling module); while the group has no worker running, nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flowmesh.engine import DEFAULT_WORKER_GROUP
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import POLLING_TRIGGER_CLASSES, FlowInvalid, PollingTrigger, parse_flow
from flowmesh.messaging import FLOWS_BUCKET, Broker, poll_subject
from flowmesh.plugins import WORKER_GROUP_PATTERN
from flowmesh.queue.v1.queue_pb2 import PollTrigger
from flowmesh.state import Services, TriggerId, TriggerStates, follow_bucket
from flowmesh.telemetry import get_logger
from flowmesh.triggers import next_evaluation, take_lease

log = get_logger("scheduler")

# How long an evaluation may take before its lease runs out and another one may start.
DEFAULT_LEASE = timedelta(minutes=1)
_TYPE_NAMES = tuple(name for cls in POLLING_TRIGGER_CLASSES for name in cls.type_names)


@dataclass
class _Polled:
    """A polling trigger of a deployed flow, and when the scheduler looks at it next."""

    trigger_id: TriggerId
    revision: int
    trigger: PollingTrigger
    group: str
    due: datetime


class PollingTriggers:
    """Sends the evaluations of the enabled polling triggers of every enabled flow to workers.

    now is the scheduler's clock; tick bounds the wait between two looks when nothing
    is due sooner; lease is how long a worker has for one evaluation.
    """

    def __init__(
        self,
        broker: Broker,
        now: Callable[[], datetime],
        *,
        tick: float = 1.0,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._broker = broker
        self._now = now
        self._tick = tick
        self._lease = lease
        self._states = TriggerStates(broker)
        self._workers = Services(broker)
        # By flows bucket key: the flow's polling triggers.
        self._polled: dict[str, list[_Polled]] = {}
        self._changed = asyncio.Event()

    async def run(self, stopping: asyncio.Event) -> None:
        """Send evaluations as they fall due until stopping is set."""
        loaded = asyncio.Event()
        following = asyncio.create_task(
            follow_bucket(self._broker, FLOWS_BUCKET, self._flow_seen, stopping, loaded)
        )
        try:
            await loaded.wait()
            while not stopping.is_set():
                await self._send_due()
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken(stopping), self._wait())
        finally:
            await following

    async def _woken(self, stopping: asyncio.Event) -> None:
        """Return once stopping is set or a flow changed."""
        waits = [asyncio.ensure_future(stopping.wait()), asyncio.ensure_future(self._changed.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _wait(self) -> float:
        now = self._now()
        dues = [(each.due - now).total_seconds() for polled in self._polled.values() for each in polled]
        return max(0.001, min([self._tick, *dues]))

    def _flow_seen(self, entry: Any, news: bool) -> None:
        self._polled.pop(entry.key, None)
        if not entry.value:
            return
        stored = Flow.FromString(entry.value)
        # Most flows have no polling trigger: they are not parsed (a scheduler reads every flow at start).
        if stored.deleted or not any(name in stored.source for name in _TYPE_NAMES):
            return
        try:
            flow = parse_flow(stored.source)
        except FlowInvalid:
            return  # the scheduler's own watch logs it
        if flow.disabled:
            return
        polled = [
            _Polled(
                TriggerId(stored.tenant_id, flow.namespace, flow.id, trigger.id),
                stored.revision,
                trigger,
                _group(trigger),
                self._now(),
            )
            for trigger in flow.triggers
            if isinstance(trigger, PollingTrigger) and not trigger.disabled
        ]
        if polled:
            self._polled[entry.key] = polled
            self._changed.set()

    async def _send_due(self) -> None:
        now = self._now()
        for polled in [each for flow in self._polled.values() for each in flow if each.due <= now]:
            try:
                polled.due = await self._send(polled)
            except Exception:
                log.exception("polling_trigger_send_failed", trigger=polled.trigger_id.key)
                polled.due = now + polled.trigger.interval

    async def _send(self, polled: _Polled) -> datetime:
        """Lease the trigger and send its evaluation, if one may start; return when to look again."""
        now = self._now()
        interval = polled.trigger.interval
        waiting_until = next_evaluation(await self._states.get(polled.trigger_id), now, interval)
        if waiting_until is not None:
            return waiting_until
        if polled.group != DEFAULT_WORKER_GROUP and not await self._workers.has_worker(polled.group):
            # As a task's job with fallback WAIT, but nothing piles up in the queue meanwhile.
            log.debug("polling_trigger_unserved", trigger=polled.trigger_id.key, group=polled.group)
            return now + interval
        until = now + self._lease
        state = await self._states.change(polled.trigger_id, take_lease(now, interval, until), now=now)
        if state.evaluating_until != until:
            return next_evaluation(state, now, interval) or now + interval  # another scheduler's
        trigger = polled.trigger_id
        message = PollTrigger(
            tenant_id=trigger.tenant,
            namespace=trigger.namespace,
            flow_id=trigger.flow_id,
            flow_revision=polled.revision,
            trigger_id=trigger.trigger_id,
        )
        message.date.FromDatetime(now)
        message.lease_until.FromDatetime(until)
        await self._broker.publish(
            poll_subject(polled.group), message, msg_id=f"poll:{trigger.key}:{int(until.timestamp() * 1000)}"
        )
        log.info("polling_trigger_sent", trigger=trigger.key, group=polled.group, date=now.isoformat())
        return now + interval


def _group(trigger: PollingTrigger) -> str:
    """Return the worker group that evaluates trigger: its workerGroup's key, when it names one."""
    if trigger.workerGroup is None:
        return DEFAULT_WORKER_GROUP
    key = trigger.workerGroup.key
    if not re.match(WORKER_GROUP_PATTERN, key):
        log.warning("polling_trigger_group_unusable", trigger=trigger.id, group=key)
        return DEFAULT_WORKER_GROUP
    return key
