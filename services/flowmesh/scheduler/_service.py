"""The scheduler: starts executions from the Schedule triggers of the deployed flows.

It follows the flows bucket and the triggers bucket (each trigger's state, so planning
reads nothing more), and fires the triggers of the partitions it holds a lease on
(flowmesh.state.Leases): several schedulers split the triggers between them, and take
over the partitions of one that stopped renewing its lease. Each planned trigger's next
date sits in a heap; at each date the fire is handed to a bounded pool that claims it (a
create-only key per trigger and date) before submitting the execution, whose id is
derived from the trigger and the date. Clocks may disagree: a fire is claimed once, and a
second submit of the same execution is a no-op, so a fire claimed by a scheduler that died
before submitting it is submitted by the next one that finds no execution for it.

A date is passed over (recorded as the trigger's last date, no execution) when the
trigger's conditions do not hold on it, or when it comes later than its lateMaximumDelay.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.errors import Error as NatsError

from flowmesh.engine import new_execution_id
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import (
    FlowDefinition,
    FlowInvalid,
    InputsError,
    Schedule,
    parse_flow,
)
from flowmesh.messaging import FLOWS_BUCKET, TRIGGERS_BUCKET, Broker
from flowmesh.scheduler._backfill import Backfills
from flowmesh.scheduler._executions import conditions_refuse, schedule_execution
from flowmesh.scheduler._figures import SchedulerFigures
from flowmesh.scheduler._polling import PollingTriggers
from flowmesh.state import (
    ExecutionStore,
    Leases,
    TriggerId,
    TriggerState,
    TriggerStates,
    follow_bucket,
    partition_of,
)
from flowmesh.telemetry import SCHEDULER_LOOP_SECONDS, get_logger

log = get_logger("scheduler")

Clock = Callable[[], datetime]

# How often the figures are logged.
_FIGURES_EVERY = 60.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class _Planned:
    """A Schedule trigger of a deployed flow, its partition, and the date it fires at next."""

    trigger_id: TriggerId
    flow: FlowDefinition
    revision: int
    trigger: Schedule
    partition: int
    next: datetime = field(default_factory=utc_now)


def _first_date(
    trigger: Schedule, state: TriggerState | None, now: datetime, handover: timedelta
) -> datetime:
    schedule = trigger.schedule()
    # Before its first fire, a trigger has missed nothing (whatever the clock that wrote its state),
    # nor while it is disabled.
    if state is None or state.date is None or state.disabled:
        return schedule.next_after(now)
    first = schedule.next_after(state.date)
    # Dates within the handover (a lease passing from one scheduler to another) were not
    # missed through an outage: they are fired whatever the recover policy.
    if first > now - handover:
        return first
    policy = trigger.recoverMissedSchedules or "ALL"
    if policy == "ALL":
        return first
    if policy == "LAST":
        return schedule.last_at_or_before(now)
    return schedule.next_after(now)


class Scheduler:
    """Fires the Schedule triggers of every enabled flow: see the module's docstring.

    now is the scheduler's clock (tests move it); tick bounds how long the loop waits
    between two looks at the flows bucket when no fire is due sooner. partitions and
    lease_ttl are those of the leases; concurrency bounds the fires under way at once.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        now: Clock = utc_now,
        tick: float = 1.0,
        name: str = "",
        partitions: int = 32,
        lease_ttl: float = 10.0,
        concurrency: int = 64,
    ) -> None:
        self._broker = broker
        self._now = now
        self._tick = tick
        self._name = name or f"scheduler-{secrets.token_hex(4)}"
        self._partitions = partitions
        self._lease_ttl = lease_ttl
        self._leases = Leases(broker, self._name, partitions, lease_ttl)
        self._states = TriggerStates(broker)
        self._executions = ExecutionStore(broker)
        # Every Schedule trigger of the enabled flows, by key; those of owned partitions are planned.
        self._known: dict[str, _Planned] = {}
        self._planned: dict[str, _Planned] = {}
        # (next date as a timestamp, sequence, trigger key); entries whose plan moved on are skipped.
        self._heap: list[tuple[float, int, str]] = []
        self._sequence = 0
        # The trigger keys of each flow (its flows bucket key), to drop them when the flow changes.
        self._of_flow: dict[str, list[str]] = {}
        self._backfills = Backfills(self._states, self._executions, name=self._name, now=now)
        # Each trigger's state and its record's revision, as the triggers bucket says.
        self._seen: dict[str, tuple[TriggerState, int]] = {}
        # The work handed out to the `concurrency` workers: fires, and next dates to record.
        self._concurrency = concurrency
        self._work: asyncio.Queue[Coroutine[Any, Any, None] | None] = asyncio.Queue()
        self.figures = SchedulerFigures()

    @property
    def name(self) -> str:
        return self._name

    @property
    def partitions(self) -> frozenset[int]:
        """Return the partitions this scheduler holds the lease of."""
        return frozenset(self._leases.owned)

    def _trigger_changed(self, entry: Any, news: bool) -> None:
        if entry.value:
            self._seen[entry.key] = (TriggerState.from_json(entry.value), entry.revision)
        else:
            self._seen.pop(entry.key, None)
        self._backfills.state_changed(entry.key, self._seen.get(entry.key, (TriggerState(), 0))[0])

    def _disabled(self, key: str) -> bool:
        """Return whether the api, a Toggle task or stopAfter disabled the trigger (the triggers bucket)."""
        seen = self._seen.get(key)
        return seen is not None and seen[0].disabled

    async def run(self, stopping: asyncio.Event) -> None:
        """Fire triggers until stopping is set; the fires queued and under way finish first."""
        started = time.perf_counter()
        loaded = asyncio.Event()
        following = asyncio.create_task(
            follow_bucket(self._broker, TRIGGERS_BUCKET, self._trigger_changed, stopping, loaded)
        )
        polling = asyncio.create_task(PollingTriggers(self._broker, self._now, tick=self._tick).run(stopping))
        leasing = asyncio.create_task(self._hold_leases(stopping))
        figures = asyncio.create_task(self._log_figures(stopping))
        workers = [asyncio.create_task(self._work_on()) for _ in range(self._concurrency)]
        try:
            await loaded.wait()
            await self._leases_step()
            await self._watch_flows(stopping, started)
        finally:
            for helper in (following, polling, leasing, figures):
                helper.cancel()
            await asyncio.gather(following, polling, leasing, figures, return_exceptions=True)
            if stopping.is_set():
                # A stop: the fires queued and under way end first, for at most one lease TTL (the
                # leases are no longer renewed, so the others would take over then anyway); then
                # the leases go and the others take over at once.
                for _ in workers:
                    self._work.put_nowait(None)
                _, unfinished = await asyncio.wait(workers, timeout=self._lease_ttl)
                if unfinished:
                    log.warning("scheduler_stopped_with_fires_queued", queued=self._work.qsize())
                await self._stop(workers)
                await self._leases.release()
            else:
                # Cancelled, as a killed process would stop: the leases lapse, and the others take over then.
                await self._stop(workers)

    async def _stop(self, workers: list[asyncio.Task[None]]) -> None:
        """Cancel what the workers still do and close the fires still queued."""
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        while not self._work.empty():
            work = self._work.get_nowait()
            if work is not None:
                work.close()

    async def _work_on(self) -> None:
        while (work := await self._work.get()) is not None:
            try:
                await work
            except Exception as error:  # one failed fire must not stop the worker
                log.error("scheduler_work_failed", error=repr(error))

    async def _hold_leases(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._lease_ttl / 4)
            if not stopping.is_set():
                await self._leases_step()

    async def _leases_step(self) -> None:
        gained, lost = await self._leases.step()
        if lost:
            for key in [key for key, planned in self._planned.items() if planned.partition in lost]:
                del self._planned[key]
        if gained:
            self._plan_all([planned for planned in self._known.values() if planned.partition in gained])
        if gained or lost:
            log.info(
                "scheduler_partitions", gained=sorted(gained), lost=sorted(lost), held=len(self.partitions)
            )

    async def _log_figures(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), _FIGURES_EVERY)
            figures = self.figures
            if figures.loop.count:
                log.info(
                    "scheduler_figures",
                    loop=figures.loop.summary(),
                    lag=figures.lag.summary(),
                    fired=figures.lag.count,
                    passed_over=figures.passed_over,
                    planned=len(self._planned),
                )
                self.figures.reset()

    async def _watch_flows(self, stopping: asyncio.Event, started: float) -> None:
        while not stopping.is_set():
            try:
                kv = await self._broker.kv(FLOWS_BUCKET)
                watcher = await kv.watchall()
                try:
                    await self._follow(watcher, stopping, started)
                finally:
                    await watcher.stop()  # type: ignore[no-untyped-call]
            except NatsError as error:
                log.warning("scheduler_watch_failed", error=repr(error))
                await asyncio.sleep(1.0)

    async def _follow(self, watcher: Any, stopping: asyncio.Event, started: float) -> None:
        loading: list[_Planned] | None = []  # the triggers of the flows there at the start
        while not stopping.is_set():
            timed_out = False
            try:
                entry = await watcher.updates(timeout=self._wait() if loading is None else self._tick)
            except TimeoutError:
                entry, timed_out = None, True
            if entry is not None:
                found = self._flow_changed(entry.key, entry.value or b"")
                if loading is None:
                    self._plan_all(found)
                else:
                    loading.extend(found)
            elif loading is not None and not timed_out:  # the end of the flows there at the start
                self._plan_all(loading)
                log.info(
                    "scheduler_planned",
                    triggers=len(self._known),
                    planned=len(self._planned),
                    seconds=round(time.perf_counter() - started, 3),
                )
                loading = None
            if loading is None:
                self._fire_due(stopping)
                await self._backfills.fire_due(self._planned, stopping)

    def _wait(self) -> float:
        """Return how long to wait for news of the flows before the next fire is due."""
        while self._heap and self._stale(self._heap[0]):
            heapq.heappop(self._heap)
        if not self._heap:
            return self._tick
        due_in = self._heap[0][0] - self._now().timestamp()
        return min(self._tick, max(due_in, 0.001))

    def _stale(self, item: tuple[float, int, str]) -> bool:
        planned = self._planned.get(item[2])
        return planned is None or planned.next.timestamp() != item[0]

    def _fire_due(self, stopping: asyncio.Event) -> None:
        """Hand each due fire to the workers: one pass of the loop."""
        began = time.perf_counter()
        now = self._now().timestamp()
        handed = 0
        while self._heap and self._heap[0][0] <= now and not stopping.is_set():
            item = heapq.heappop(self._heap)
            if not self._stale(item):
                planned = self._planned[item[2]]
                self._work.put_nowait(self._handle(planned, planned.next))
                handed += 1
        took = time.perf_counter() - began
        SCHEDULER_LOOP_SECONDS.observe(took)
        if handed:
            self.figures.loop.add(took)

    async def _handle(self, planned: _Planned, date: datetime) -> None:
        """Fire planned at date unless it was disabled or its partition lost meanwhile; plan its next date."""
        following = planned.trigger.schedule().next_after(date)
        key = planned.trigger_id.key
        try:
            if planned.partition in self._leases.owned and not self._disabled(key):
                await self._fire(planned, date, following)
        finally:
            if self._planned.get(key) is planned and planned.next == date:
                planned.next = following
                self._push(planned)

    def _push(self, planned: _Planned) -> None:
        self._sequence += 1
        heapq.heappush(self._heap, (planned.next.timestamp(), self._sequence, planned.trigger_id.key))

    def _flow_changed(self, flow_key: str, value: bytes) -> list[_Planned]:
        """Note the flow's Schedule triggers (forgetting its former ones); return them, to plan."""
        for key in self._of_flow.pop(flow_key, []):
            self._known.pop(key, None)
            self._planned.pop(key, None)
        if not value:
            return []
        stored = Flow.FromString(value)
        if stored.deleted:
            return []
        try:
            flow = parse_flow(stored.source)
        except FlowInvalid as error:
            log.warning("scheduler_flow_invalid", flow=flow_key, error=str(error))
            return []
        if flow.disabled:
            return []
        found = []
        for trigger in flow.triggers:
            if isinstance(trigger, Schedule) and not trigger.disabled:
                trigger_id = TriggerId(stored.tenant_id, flow.namespace, flow.id, trigger.id)
                partition = partition_of(trigger_id.key, self._partitions)
                found.append(_Planned(trigger_id, flow, stored.revision, trigger, partition))
        for planned in found:
            self._known[planned.trigger_id.key] = planned
        self._of_flow[flow_key] = [planned.trigger_id.key for planned in found]
        return found

    def _plan_all(self, triggers: list[_Planned]) -> None:
        """Plan the triggers of owned partitions from their known states, and record their next dates."""
        now = self._now()
        owned = self._leases.owned
        for planned in triggers:
            key = planned.trigger_id.key
            if planned.partition not in owned or self._known.get(key) is not planned or key in self._planned:
                continue
            seen = self._seen.get(key)
            planned.next = _first_date(
                planned.trigger, seen[0] if seen else None, now, timedelta(seconds=self._lease_ttl)
            )
            self._planned[key] = planned
            self._push(planned)
            if seen is None or seen[0].next != planned.next:
                self._work.put_nowait(self._record_next(planned.trigger_id, planned.next))

    async def _record_next(self, trigger_id: TriggerId, first: datetime) -> None:
        """Record the date a trigger fires at first, for the api to show."""
        await self._states.change(
            trigger_id,
            lambda known: replace(known, next=first),
            now=self._now(),
            known=self._known_state(trigger_id),
        )

    def _known_state(self, trigger_id: TriggerId) -> tuple[TriggerState, int]:
        return self._seen.get(trigger_id.key) or (TriggerState(), 0)

    async def _fire(self, planned: _Planned, date: datetime, following: datetime) -> None:
        trigger_id = planned.trigger_id
        reason = self._passed_over_because(planned, date)
        if reason:
            self.figures.passed_over += 1
            log.info("trigger_passed_over", trigger=trigger_id.key, date=date.isoformat(), reason=reason)
            await self._record_fire(trigger_id, date, following)
            return
        try:
            execution = schedule_execution(
                planned,
                date,
                execution_id=new_execution_id(f"trigger/{trigger_id.key}/{date.timestamp()}"),
                inputs=planned.trigger.inputs,
                labels=planned.trigger.label_map(),
                now=self._now(),
            )
        except InputsError as error:
            log.warning("scheduler_inputs_invalid", trigger=trigger_id.key, error=str(error))
            return
        claimed = await self._states.claim(trigger_id, date, self._name)
        if not claimed and await self._executions.get(execution.id):
            return  # fired by the scheduler that claimed it
        # Claimed here, or by a scheduler that died before it submitted: submit (again, a no-op
        # when the claimer did submit meanwhile: the id is the trigger's and the date's).
        await self._executions.submit(execution)
        self.figures.lag.add((self._now() - date).total_seconds())
        await self._record_fire(trigger_id, date, following)
        log.debug("trigger_fired", trigger=trigger_id.key, date=date.isoformat(), execution_id=execution.id)

    def _passed_over_because(self, planned: _Planned, date: datetime) -> str:
        """Return why date is passed over (it came too late, a condition does not hold), or nothing."""
        delay = planned.trigger.lateMaximumDelay
        if delay is not None and self._now() > date + delay:
            return f"later than lateMaximumDelay {delay}"
        return conditions_refuse(planned, date)

    async def _record_fire(self, trigger_id: TriggerId, date: datetime, following: datetime) -> None:
        """Record date as the trigger's last one (fires of one trigger may end out of order)."""

        def fired(known: TriggerState) -> TriggerState:
            if known.date is not None and known.date >= date:
                return known
            return replace(known, date=date, next=following)

        await self._states.change(trigger_id, fired, now=self._now(), known=self._known_state(trigger_id))
