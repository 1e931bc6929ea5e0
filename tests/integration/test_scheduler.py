"""The scheduler on a real NATS: each fire once with several schedulers, skewed clocks, outages."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.messaging import EXECUTIONS_BUCKET, TRIGGER_FIRES_BUCKET, Broker
from flowmesh.scheduler import Scheduler
from flowmesh.state import TriggerId, TriggerStates, partition_of, preferred_owner
from flowmesh.values import from_struct
from tests.integration.running import bucket_values, deploy, executions_of, nats_broker
from tests.waiting import eventually

EVERY_SECOND = """
id: every-second
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""


def every_minute(policy: str) -> str:
    return f"""
id: every-minute
namespace: company.team
inputs:
  - id: who
    type: STRING
    defaults: nobody
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ inputs.who }}}}"
triggers:
  - id: minutely
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    timezone: Europe/Paris
    recoverMissedSchedules: {policy}
    inputs:
      who: scheduler
    labels:
      origin: schedule
  - id: off
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    disabled: true
"""


class Clock:
    """A scheduler's clock that the test sets: a fixed instant, or the real time shifted."""

    def __init__(self, at: datetime | None = None, skew: timedelta = timedelta(0)) -> None:
        self.at = at
        self.skew = skew

    def __call__(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC) + self.skew


class Schedulers:
    """Schedulers running on one broker, each stoppable on its own."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    def start(
        self, clock: Callable[[], datetime], *, name: str = "", lease_ttl: float = 10.0, concurrency: int = 64
    ) -> asyncio.Task[None]:
        return self.start_scheduler(clock, name=name, lease_ttl=lease_ttl, concurrency=concurrency)[1]

    def start_scheduler(
        self, clock: Callable[[], datetime], *, name: str = "", lease_ttl: float = 10.0, concurrency: int = 64
    ) -> tuple[Scheduler, asyncio.Task[None]]:
        stopping = asyncio.Event()
        scheduler = Scheduler(
            self._broker, now=clock, tick=0.05, name=name, lease_ttl=lease_ttl, concurrency=concurrency
        )
        task = asyncio.create_task(scheduler.run(stopping))
        self._running.append((stopping, task))
        return scheduler, task

    async def stop_all(self) -> None:
        for stopping, _ in self._running:
            stopping.set()
        await asyncio.gather(*(task for _, task in self._running), return_exceptions=True)


def dates_of(executions: list[Execution]) -> Counter[datetime]:
    return Counter(datetime.fromisoformat(from_struct(e.trigger.variables)["date"]) for e in executions)


def assert_each_second_once(dates: Counter[datetime]) -> None:
    assert dates, "no execution"
    duplicates = {date: count for date, count in dates.items() if count > 1}
    assert not duplicates
    first, last = min(dates), max(dates)
    gaps = [first + timedelta(seconds=s) for s in range(int((last - first).total_seconds()))]
    assert [date for date in gaps if date not in dates] == []


async def until_dates(broker: Broker, flow_id: str, count: int, within: float = 30) -> Counter[datetime]:
    async def enough() -> Counter[datetime] | None:
        dates = dates_of(await executions_of(broker, flow_id))
        return dates if len(dates) >= count else None

    return await eventually(enough, within=within, what=f"{count} dates of {flow_id}")


async def test_two_schedulers_one_stopped_midway_fire_each_second_once(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, EVERY_SECOND)
        schedulers = Schedulers(broker)
        schedulers.start(Clock())
        second = schedulers.start(Clock())
        try:
            seen = len(await until_dates(broker, "every-second", 3))
            second.cancel()
            await until_dates(broker, "every-second", seen + 4)
        finally:
            await schedulers.stop_all()
        assert_each_second_once(dates_of(await executions_of(broker, "every-second")))


def names_preferring_the_second(trigger: TriggerId) -> tuple[str, str, str]:
    """Return three scheduler names of which the second is the one the trigger's partition goes to."""
    partition = partition_of(trigger.key, 32)
    for index in range(1000):
        names = ("on-time", f"ahead-{index}", "behind")
        if preferred_owner(partition, names) == names[1]:
            return names
    raise AssertionError("no name found")


async def test_clocks_90_seconds_apart_duplicate_nothing(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, EVERY_SECOND)
        schedulers = Schedulers(broker)
        on_time, ahead, behind = names_preferring_the_second(
            TriggerId("main", "company.team", "every-second", "tick")
        )
        schedulers.start(Clock(), name=on_time)
        try:
            await until_dates(broker, "every-second", 1)
            # The trigger's partition passes to the scheduler ahead once it has joined.
            schedulers.start(Clock(skew=timedelta(seconds=90)), name=ahead)
            schedulers.start(Clock(skew=timedelta(seconds=-90)), name=behind)
            # The scheduler ahead fires 90 s early; the others find those fires claimed.
            dates = await until_dates(broker, "every-second", 95)
            now = datetime.now(UTC)
            assert max(dates) > now + timedelta(seconds=80)
        finally:
            await schedulers.stop_all()
        assert_each_second_once(dates_of(await executions_of(broker, "every-second")))


PARIS_10H = datetime(2024, 1, 1, 9, 0, 30, tzinfo=UTC)


async def next_is(broker: Broker, trigger: TriggerId, date: datetime) -> bool:
    state = await TriggerStates(broker).get(trigger)
    return state is not None and state.next == date


def minute(m: int) -> datetime:
    return datetime(2024, 1, 1, 9, m, tzinfo=UTC)


@pytest.mark.parametrize(
    ("policy", "recovered"),
    [("ALL", [2, 3, 4, 5]), ("LAST", [5]), ("NONE", [])],
)
async def test_missed_schedules_after_an_outage(tmp_path: Path, policy: str, recovered: list[int]) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, every_minute(policy))
        before = Schedulers(broker)
        clock = Clock(at=PARIS_10H)
        before.start(clock)
        try:
            # Once the scheduler has read the flow, the trigger's state is there: then 09:01 fires.
            trigger = TriggerId("main", "company.team", "every-minute", "minutely")
            await eventually(lambda: TriggerStates(broker).get(trigger), what="the trigger's state")
            clock.at = minute(1) + timedelta(seconds=30)
            await until_dates(broker, "every-minute", 1)
        finally:
            await before.stop_all()
        # The outage: no scheduler from 09:01:30 to 09:05:30.
        after = Schedulers(broker)
        clock = Clock(at=minute(5) + timedelta(seconds=30))
        after.start(clock)
        try:
            await until_dates(broker, "every-minute", 1 + len(recovered))
            # The scheduler has planned 09:06 once it says so in the trigger's state.
            await eventually(lambda: next_is(broker, trigger, minute(6)), what="09:06 planned")
            clock.at = minute(6) + timedelta(seconds=30)
            await until_dates(broker, "every-minute", 2 + len(recovered))
        finally:
            await after.stop_all()
        executions = await executions_of(broker, "every-minute")
        assert dates_of(executions) == Counter(minute(m) for m in [1, *recovered, 6])
        first = next(e for e in executions if dates_of([e]) == Counter([minute(1)]))
        assert from_struct(first.trigger.variables) == {
            "date": "2024-01-01T10:01:00+01:00",
            "next": "2024-01-01T10:02:00+01:00",
            "previous": "2024-01-01T10:00:00+01:00",
        }
        assert first.trigger.id == "minutely"
        assert from_struct(first.inputs) == {"who": "scheduler"}
        assert {label.key: label.value for label in first.labels}["origin"] == "schedule"


async def test_a_fire_claimed_by_a_scheduler_that_died_before_submitting_is_not_lost(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, every_minute("ALL"))
        trigger = TriggerId("main", "company.team", "every-minute", "minutely")
        # A scheduler claimed 09:01, then was killed before it submitted the execution.
        assert await TriggerStates(broker).claim(trigger, minute(1), "killed-scheduler")
        schedulers = Schedulers(broker)
        clock = Clock(at=PARIS_10H)
        schedulers.start(clock)
        try:
            await eventually(lambda: TriggerStates(broker).get(trigger), what="the trigger's state")
            clock.at = minute(1) + timedelta(seconds=30)
            await until_dates(broker, "every-minute", 1)
        finally:
            await schedulers.stop_all()
        assert dates_of(await executions_of(broker, "every-minute")) == Counter([minute(1)])


async def test_a_clean_stop_fires_what_it_had_queued_first(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        flows = [every_minute("NONE").replace("id: every-minute", f"id: queued-{n}") for n in range(60)]
        for source in flows:
            await deploy(broker, source)
        schedulers = Schedulers(broker)
        clock = Clock(at=PARIS_10H)
        # One fire at a time: when the first execution is there, the other 59 wait in the queue.
        schedulers.start(clock, concurrency=1)
        try:

            async def all_planned() -> bool:
                states = await TriggerStates(broker).all("main")
                return sum(trigger.trigger_id == "minutely" for trigger in states) == 60

            await eventually(all_planned, what="the 60 triggers' states")
            clock.at = minute(1) + timedelta(seconds=30)
            await until_dates(broker, "queued-0", 1)
        finally:
            await schedulers.stop_all()
        stored = await bucket_values(broker, EXECUTIONS_BUCKET)
        fired = [Execution.FromString(value).flow_id for value in stored.values()]
        assert sorted(fired) == sorted(f"queued-{n}" for n in range(60))


def every_second(flow_id: str) -> str:
    return EVERY_SECOND.replace("id: every-second", f"id: {flow_id}")


FLOWS = [f"split-{index}" for index in range(8)]


async def fired_by(broker: Broker) -> Counter[str]:
    """Return how many fires each scheduler claimed."""
    return Counter(value.decode() for value in (await bucket_values(broker, TRIGGER_FIRES_BUCKET)).values())


async def test_two_schedulers_split_the_triggers_and_the_survivor_takes_over_a_killed_ones(
    tmp_path: Path,
) -> None:
    async with nats_broker(tmp_path) as broker:
        for flow_id in FLOWS:
            await deploy(broker, every_second(flow_id))
        schedulers = Schedulers(broker)
        first, _ = schedulers.start_scheduler(Clock(), name="first", lease_ttl=1.0)
        second, killed = schedulers.start_scheduler(Clock(), name="second", lease_ttl=1.0)
        try:

            async def both_fire() -> bool:
                fires = await fired_by(broker)
                return fires["first"] >= 3 and fires["second"] >= 3

            await eventually(both_fire, within=30, what="fires claimed by both schedulers")
            assert first.partitions
            assert second.partitions
            assert not first.partitions & second.partitions
            # Killed: its lease is not given back, it lapses.
            killed.cancel()

            async def survivor_holds_all() -> bool:
                return len(first.partitions) == 32

            await eventually(survivor_holds_all, within=30, what="the survivor holding all")
            counts = {flow_id: len(dates_of(await executions_of(broker, flow_id))) for flow_id in FLOWS}
            for flow_id in FLOWS:
                await until_dates(broker, flow_id, counts[flow_id] + 3)
        finally:
            await schedulers.stop_all()
        for flow_id in FLOWS:
            assert_each_second_once(dates_of(await executions_of(broker, flow_id)))


MONDAYS_ONLY = """
id: mondays
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 10 * * *"
    timezone: Europe/Paris
    conditions:
      - type: io.kestra.plugin.core.condition.Not
        conditions:
          - type: io.kestra.plugin.core.condition.Weekend
      - type: io.kestra.core.models.conditions.types.DayWeekCondition
        dayOfWeek: MONDAY
"""


async def test_dates_a_condition_refuses_are_passed_over(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, MONDAYS_ONLY)
        trigger = TriggerId("main", "company.team", "mondays", "daily")
        sunday_10h = datetime(2024, 1, 7, 9, tzinfo=UTC)
        schedulers = Schedulers(broker)
        clock = Clock(at=sunday_10h - timedelta(hours=1))
        schedulers.start(clock)
        try:
            await eventually(lambda: next_is(broker, trigger, sunday_10h), what="Sunday 10:00 planned")
            # Sunday, Monday and Tuesday 10:00 are all due: only Monday's holds.
            clock.at = sunday_10h + timedelta(days=2, minutes=30)

            async def tuesday_passed() -> bool:
                state = await TriggerStates(broker).get(trigger)
                return state is not None and state.date == sunday_10h + timedelta(days=2)

            await eventually(tuesday_passed, what="Tuesday 10:00 passed over")
        finally:
            await schedulers.stop_all()
        assert dates_of(await executions_of(broker, "mondays")) == Counter([sunday_10h + timedelta(days=1)])


async def test_dates_later_than_late_maximum_delay_are_passed_over(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(
            broker,
            every_minute("ALL").replace("    recoverMissedSchedules: ALL\n", "    lateMaximumDelay: PT1M\n"),
        )
        trigger = TriggerId("main", "company.team", "every-minute", "minutely")
        schedulers = Schedulers(broker)
        clock = Clock(at=PARIS_10H)
        schedulers.start(clock)
        try:
            await eventually(lambda: next_is(broker, trigger, minute(1)), what="09:01 planned")
            # 09:01 and 09:02 come more than a minute late; 09:03 within it.
            clock.at = minute(3) + timedelta(seconds=30)
            await until_dates(broker, "every-minute", 1)
            await eventually(lambda: next_is(broker, trigger, minute(4)), what="09:04 planned")
        finally:
            await schedulers.stop_all()
        assert dates_of(await executions_of(broker, "every-minute")) == Counter([minute(3)])
