"""A wide loop with the real executor and worker: reports decided together, no change left out of events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.messaging import EVENTS_STREAM, Broker, execution_event_subject
from flowmesh.queue.v1.queue_pb2 import ExecutionEvent
from tests.integration.running import in_state, running, started

pytestmark = pytest.mark.integration

WIDE = """
id: wide
namespace: loops
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 60) }}"
    concurrencyLimit: 0
    tasks:
      - id: one
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
      - id: two
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == '7' }}"
        allowFailure: true
"""


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        yield connected


async def test_every_change_of_a_wide_loop_reaches_the_events(broker: Broker) -> None:
    execution = await started(broker, WIDE)

    done = await in_state(broker, execution.id, StateType.STATE_TYPE_WARNING)

    assert len(done.task_runs) == 1 + 2 * 60
    final = {run.id: (state_name(run.state.current), run.version) for run in done.task_runs}
    # The events carry each task run as it changed: the last event of each is its final state.
    seen: dict[str, tuple[str, int]] = {}
    subscription = await broker.js.subscribe(
        execution_event_subject(execution.id), stream=EVENTS_STREAM, ordered_consumer=True
    )
    try:
        while len(seen) < len(final) or seen != final:
            message = await subscription.next_msg(timeout=5)
            event = ExecutionEvent.FromString(message.data)
            for run in event.execution.task_runs:
                assert run.version == event.execution.version
                seen[run.id] = (state_name(run.state.current), run.version)
    finally:
        await subscription.unsubscribe()
    assert seen == final
