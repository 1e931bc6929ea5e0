"""The Toggle task on a real NATS: it enables and disables a trigger through the trigger's state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.state import TriggerId, TriggerStates, set_disabled
from tests.integration.running import deploy, ended, log_entries, running, started

pytestmark = pytest.mark.integration

# The conformance corpus's trigger-toggle.yaml, as it is there (the corpus lives outside the repository).
TRIGGER_TOGGLE = """\
id: trigger-toggle
namespace: io.kestra.tests.trigger

tasks:
    - id: disable
      type: io.kestra.core.tasks.trigger.Toggle
      trigger: schedule
      enabled: true

triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
"""

SCHEDULE = TriggerId("main", "io.kestra.tests.trigger", "trigger-toggle", "schedule")


async def test_the_conformance_flow_enables_its_disabled_schedule(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        states = TriggerStates(broker)
        await deploy(broker, TRIGGER_TOGGLE)
        await states.change(SCHEDULE, set_disabled(True, datetime.now(UTC)), now=datetime.now(UTC))

        execution = await ended(broker, (await started(broker, TRIGGER_TOGGLE)).id)
        state = await states.get(SCHEDULE)

    assert execution.state.current == StateType.STATE_TYPE_SUCCESS
    assert len(execution.task_runs) == 1
    assert state is not None
    assert not state.disabled


async def test_toggle_disables_a_trigger_of_another_flow_by_default(tmp_path: Path) -> None:
    toggler = """
id: toggler
namespace: company.team
tasks:
  - id: off
    type: io.kestra.plugin.core.trigger.Toggle
    namespace: "{{ 'io.kestra.tests' ~ '.trigger' }}"
    flowId: trigger-toggle
    trigger: schedule
"""
    async with running(tmp_path) as broker:
        await deploy(broker, TRIGGER_TOGGLE)

        execution = await ended(broker, (await started(broker, toggler)).id)
        state = await TriggerStates(broker).get(SCHEDULE)

    assert execution.state.current == StateType.STATE_TYPE_SUCCESS
    assert state is not None
    assert state.disabled


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("trigger: nope", "Unable to find trigger 'nope' in flow company.team.unknown-trigger"),
        ("trigger: schedule\n    flowId: nowhere", "Unable to find flow company.team.nowhere"),
    ],
)
async def test_toggle_of_an_unknown_trigger_or_flow_fails_the_task_run_saying_so(
    tmp_path: Path, properties: str, message: str
) -> None:
    flow = f"""
id: unknown-trigger
namespace: company.team
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    enabled: true
    {properties}
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
"""
    async with running(tmp_path) as broker:
        execution = await ended(broker, (await started(broker, flow)).id)
        lines = [entry.message for entry in await log_entries(broker, execution.id)]

    assert execution.state.current == StateType.STATE_TYPE_FAILED
    assert message in lines
