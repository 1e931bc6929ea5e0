"""Two `flowmesh server scheduler` processes on one NATS server; one is SIGKILLed midway.

The per-second trigger's slots, from its first fire to its last, are each fired once:
none lost with the killed scheduler, none doubled by the survivor taking over.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from flowmesh.embedded import EmbeddedNats
from flowmesh.messaging import Broker
from flowmesh.state import TriggerId, TriggerStates
from tests.e2e.harness import Deployment, eventually
from tests.integration.running import deploy, executions_of
from tests.integration.test_scheduler import EVERY_SECOND, assert_each_second_once, dates_of

pytestmark = pytest.mark.e2e


async def test_a_killed_scheduler_process_loses_and_doubles_no_fire(tmp_path: Path) -> None:
    deployment = Deployment("schedulers", tmp_path)
    async with EmbeddedNats(tmp_path / "nats") as nats:
        broker = await Broker.connect(nats.url)
        try:
            await broker.ensure_topology()
            await deploy(broker, EVERY_SECOND)
            first = deployment.spawn("scheduler-1", "scheduler", "--nats-url", nats.url)
            deployment.spawn("scheduler-2", "scheduler", "--nats-url", nats.url)
            trigger = TriggerId("main", "company.team", "every-second", "tick")
            planned = TriggerStates(broker).get
            await eventually(lambda: planned(trigger), what="the trigger planned", within=60)

            async def fired(count: int) -> int | None:
                dates = dates_of(await executions_of(broker, "every-second"))
                return len(dates) if len(dates) >= count else None

            before = await eventually(lambda: fired(3), what="3 fires", within=60)
            first.popen.send_signal(signal.SIGKILL)
            await eventually(lambda: fired(before + 5), what="5 more fires after the kill", within=90)
            codes = await deployment.stop()
            assert codes["scheduler-1"] == -signal.SIGKILL
            assert codes["scheduler-2"] == 0
            assert_each_second_once(dates_of(await executions_of(broker, "every-second")))
            deployment.retire()
        finally:
            await broker.close()
