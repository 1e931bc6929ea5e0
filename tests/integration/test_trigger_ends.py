"""stopAfter on Schedule triggers: disabled once an execution they started ends in a listed state."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flowmesh.scheduler import Scheduler
from flowmesh.state import TriggerId, TriggerState, TriggerStates
from tests.integration.running import deploy, running
from tests.waiting import eventually

pytestmark = pytest.mark.integration

# Both fire every second; the executions succeed.
FLOW = """
id: stopping
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: once
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    stopAfter: [SUCCESS]
  - id: witness
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""


def trigger(trigger_id: str) -> TriggerId:
    return TriggerId("main", "company.team", "stopping", trigger_id)


async def test_stop_after_disables_a_schedule_after_its_first_successful_execution(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        states = TriggerStates(broker)
        stopping = asyncio.Event()
        scheduler = asyncio.create_task(Scheduler(broker, tick=0.2).run(stopping))
        try:
            await deploy(broker, FLOW)

            async def disabled() -> TriggerState | None:
                state = await states.get(trigger("once"))
                return state if state is not None and state.disabled else None

            stopped = await eventually(disabled, within=20, what="stopAfter disables the trigger")
            witness = await states.get(trigger("witness"))
            assert witness is not None
            assert witness.date is not None
            since = witness.date

            async def witness_fired_twice_more() -> bool:
                state = await states.get(trigger("witness"))
                return (
                    state is not None and state.date is not None and (state.date - since).total_seconds() >= 2
                )

            await eventually(witness_fired_twice_more, within=10, what="the witness goes on firing")
            after = await states.get(trigger("once"))
        finally:
            stopping.set()
            await scheduler

    assert after is not None
    assert after.disabled
    # The trigger fired no more once disabled: its last date is at most the one fired as it was disabled.
    assert after.date is not None
    assert stopped.date is not None
    assert (after.date - stopped.date).total_seconds() <= 1
