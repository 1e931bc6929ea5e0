"""Backfills on a real NATS: each date once, with inputs and labels; paused, resumed; two schedulers."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flowmesh.messaging import Broker
from flowmesh.state import Backfill, TriggerId, TriggerState, TriggerStates
from flowmesh.values import from_struct
from tests.integration.running import deploy, executions_of, nats_broker
from tests.integration.test_scheduler import Clock, Schedulers, dates_of, until_dates
from tests.waiting import eventually

HOURLY = """
id: hourly
namespace: company.team
inputs:
  - id: who
    type: STRING
    defaults: nobody
  - id: batch
    type: INT
    defaults: 0
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.who }}"
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    timezone: Europe/Paris
    inputs:
      who: scheduler
    labels:
      origin: schedule
"""

WITNESS = """
id: witness
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
    timezone: UTC
"""

TRIGGER = TriggerId("main", "company.team", "hourly", "hourly")


def hour(h: int) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=h)


async def start_backfill(
    broker: Broker,
    trigger: TriggerId,
    start: datetime,
    end: datetime | None,
    *,
    inputs: dict[str, object] | None = None,
    run: str = "backfill",
) -> None:
    """Store a backfill in the trigger's state, as the api does; its executions get the label run."""
    backfill = Backfill(
        start=start,
        end=end,
        current=start,
        created=datetime.now(UTC),
        inputs=inputs or {},
        labels={"run": run},
    )
    await TriggerStates(broker).change(
        trigger, lambda state: replace(state, backfill=backfill), now=datetime.now(UTC)
    )


async def change_backfill(broker: Broker, *, paused: bool) -> None:
    def change(state: TriggerState) -> TriggerState:
        assert state.backfill is not None
        return replace(state, backfill=replace(state.backfill, paused=paused))

    await TriggerStates(broker).change(TRIGGER, change, now=datetime.now(UTC))


async def backfilled(broker: Broker, flow_id: str) -> Counter[datetime]:
    """Return the dates of the executions of flow_id that a backfill started (live ones left out)."""
    executions = await executions_of(broker, flow_id)
    return dates_of([e for e in executions if any(label.key == "run" for label in e.labels)])


async def until_backfilled(broker: Broker, flow_id: str, count: int) -> None:
    async def enough() -> bool:
        return sum((await backfilled(broker, flow_id)).values()) >= count

    await eventually(enough, what=f"{count} backfilled dates of {flow_id}")


async def backfill_over(broker: Broker, trigger: TriggerId) -> bool:
    state = await TriggerStates(broker).get(trigger)
    return state is not None and state.backfill is None


async def planned(broker: Broker, trigger: TriggerId) -> TriggerState | None:
    """Return the trigger's state once a scheduler has planned it."""
    state = await TriggerStates(broker).get(trigger)
    return state if state is not None and state.next is not None else None


async def test_a_backfill_fires_every_date_once_with_its_inputs_and_labels(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, HOURLY)
        schedulers = Schedulers(broker)
        schedulers.start(Clock(at=hour(12) + timedelta(seconds=30)))
        try:
            await eventually(lambda: planned(broker, TRIGGER), what="the trigger planned")
            await start_backfill(broker, TRIGGER, hour(0), hour(5), inputs={"batch": 7}, run="first")
            await until_dates(broker, "hourly", 6)
            await eventually(lambda: backfill_over(broker, TRIGGER), what="the backfill over")
        finally:
            await schedulers.stop_all()
        executions = await executions_of(broker, "hourly")
        assert dates_of(executions) == Counter(hour(h) for h in range(6))
        first = next(e for e in executions if dates_of([e]) == Counter([hour(0)]))
        # The backfill's inputs over the trigger's, its labels beside the trigger's.
        assert from_struct(first.inputs) == {"who": "scheduler", "batch": 7}
        labels = {label.key: label.value for label in first.labels}
        assert (labels["origin"], labels["run"]) == ("schedule", "first")
        assert from_struct(first.trigger.variables) == {
            "date": "2024-01-01T01:00:00+01:00",
            "next": "2024-01-01T02:00:00+01:00",
            "previous": "2024-01-01T00:00:00+01:00",
        }


async def test_a_paused_backfill_fires_nothing_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, HOURLY)
        await deploy(broker, WITNESS)
        schedulers = Schedulers(broker)
        clock = Clock(at=hour(3) + timedelta(minutes=30))
        schedulers.start(clock)
        try:
            await eventually(lambda: planned(broker, TRIGGER), what="the trigger planned")
            # Up to 10:00: the dates up to now (03:30) fire, the others wait for the clock.
            await start_backfill(broker, TRIGGER, hour(0), hour(10))
            await until_backfilled(broker, "hourly", 4)
            await change_backfill(broker, paused=True)
            clock.at = hour(6) + timedelta(minutes=30)
            # A backfill stored after the pause fires: the scheduler has seen the pause by then.
            witness = TriggerId("main", "company.team", "witness", "daily")
            await start_backfill(broker, witness, hour(-48), hour(0))
            await until_backfilled(broker, "witness", 3)
            assert await backfilled(broker, "hourly") == Counter(hour(h) for h in range(4))

            await change_backfill(broker, paused=False)
            await until_backfilled(broker, "hourly", 7)
            clock.at = hour(11)
            await eventually(lambda: backfill_over(broker, TRIGGER), what="the backfill over")
        finally:
            await schedulers.stop_all()
        # The live fires (04:00 to 10:00, due once the clock moved) are left out: each backfill date once.
        assert await backfilled(broker, "hourly") == Counter(hour(h) for h in range(11))


async def test_two_schedulers_fire_each_backfill_date_once(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        await deploy(broker, HOURLY)
        schedulers = Schedulers(broker)
        clock = Clock(at=hour(48))
        schedulers.start(clock)
        schedulers.start(clock)
        try:
            await eventually(lambda: planned(broker, TRIGGER), what="the trigger planned")
            await start_backfill(broker, TRIGGER, hour(0), None)
            await eventually(lambda: backfill_over(broker, TRIGGER), what="the backfill over", within=60)
        finally:
            await schedulers.stop_all()
        # Without an end, up to now: 00:00 on the first day to 00:00 on the third.
        dates = dates_of(await executions_of(broker, "hourly"))
        assert dates == Counter(hour(h) for h in range(49))
