"""Flow triggers with the real executor and worker: downstream flows start on upstream state changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor._flow_triggers import FlowTriggers
from flowmesh.language import parse_flow
from flowmesh.messaging import Broker
from flowmesh.state import ExecutionStore
from flowmesh.triggers import firing_execution_id
from flowmesh.values import from_struct
from tests.integration.running import deploy, ended, executions_of, running, started
from tests.waiting import eventually

pytestmark = pytest.mark.integration

UPSTREAM = """
id: upstream
namespace: shop
inputs:
  - id: fail
    type: BOOLEAN
    defaults: false
tasks:
  - id: make
    type: io.kestra.plugin.core.debug.Return
    format: "order-{{ execution.id }}"
  - id: maybe
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
outputs:
  - id: order
    type: STRING
    value: "{{ outputs.make.value }}"
"""
DOWNSTREAM = """
id: downstream
namespace: shop
inputs:
  - id: order
    type: STRING
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.order }} from {{ trigger.flowId }} in {{ trigger.state }}"
triggers:
  - id: on-upstream
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      order: "{{ trigger.outputs.order }}"
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: shop
        flowId: upstream
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [SUCCESS]
"""
LEFT = """
id: left
namespace: pair
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: left
"""
RIGHT = LEFT.replace("left", "right")
BOTH = """
id: both
namespace: pair
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }}"
triggers:
  - id: when-both
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - id: pair
        type: io.kestra.plugin.core.condition.MultipleCondition
        window: PT1H
        conditions:
          left:
            type: io.kestra.plugin.core.condition.ExecutionFlow
            namespace: pair
            flowId: left
          right:
            type: io.kestra.plugin.core.condition.ExecutionFlow
            namespace: pair
            flowId: right
"""


async def ended_executions_of(broker: Broker, flow_id: str, count: int) -> list[Execution]:
    """Wait until a flow has count ended executions; return them."""

    async def there() -> list[Execution] | None:
        found = await executions_of(broker, flow_id)
        done = [
            each
            for each in found
            if each.state.current in (StateType.STATE_TYPE_SUCCESS, StateType.STATE_TYPE_FAILED)
        ]
        return done if len(done) >= count else None

    return await eventually(there, within=20, what=f"{count} executions of {flow_id} end")


def firing_id(upstream: Execution, flow_id: str, trigger_id: str) -> str:
    """Return the id of the execution a trigger starts on upstream's last state change."""
    place = len(upstream.state.histories) - 1
    return firing_execution_id(upstream, place, upstream.tenant_id, upstream.namespace, flow_id, trigger_id)


async def test_a_successful_upstream_starts_the_downstream_with_its_outputs(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        await deploy(broker, DOWNSTREAM)
        upstream = await ended(broker, (await started(broker, UPSTREAM)).id)
        assert upstream.state.current == StateType.STATE_TYPE_SUCCESS
        [downstream] = await ended_executions_of(broker, "downstream", 1)
        assert downstream.id == firing_id(upstream, "downstream", "on-upstream")
        assert downstream.state.current == StateType.STATE_TYPE_SUCCESS
        assert from_struct(downstream.inputs) == {"order": f"order-{upstream.id}"}
        assert from_struct(downstream.task_runs[0].outputs) == {
            "value": f"order-{upstream.id} from upstream in SUCCESS"
        }
        variables = from_struct(downstream.trigger.variables)
        assert variables["executionId"] == upstream.id
        assert variables["outputs"] == {"order": f"order-{upstream.id}"}


async def test_a_failed_upstream_does_not_start_a_downstream_waiting_for_success(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        await deploy(broker, DOWNSTREAM)
        failed = await ended(
            broker, (await started(broker, UPSTREAM, {"fail": "true"}, execution_id="failing")).id
        )
        assert failed.state.current == StateType.STATE_TYPE_FAILED
        succeeded = await ended(broker, (await started(broker, UPSTREAM, execution_id="succeeding")).id)
        # The later success's downstream is there: the failure's would have been started before it.
        [downstream] = await ended_executions_of(broker, "downstream", 1)
        assert from_struct(downstream.trigger.variables)["executionId"] == succeeded.id
        assert await ExecutionStore(broker).get(firing_id(failed, "downstream", "on-upstream")) is None


async def test_a_state_change_seen_twice_starts_one_execution(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        await deploy(broker, DOWNSTREAM)
        upstream = await ended(broker, (await started(broker, UPSTREAM)).id)
        await ended_executions_of(broker, "downstream", 1)
        # A second executor sees the same state change again, as after a redelivery.
        other = FlowTriggers(broker, ExecutionStore(broker))
        stopping = asyncio.Event()
        following = asyncio.create_task(other.index.follow(stopping))
        await other.index.loaded.wait()
        place = len(upstream.state.histories) - 1
        for _ in range(2):
            await other.changed(upstream, place, parse_flow(UPSTREAM), datetime.now(UTC))
        stopping.set()
        await following
        assert len(await executions_of(broker, "downstream")) == 1


async def test_a_multiple_condition_fires_once_both_flows_succeeded_in_its_window(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        await deploy(broker, BOTH)
        left = await ended(broker, (await started(broker, LEFT, execution_id="left-1")).id)
        assert await ExecutionStore(broker).get(firing_id(left, "both", "when-both")) is None
        right = await ended(broker, (await started(broker, RIGHT, execution_id="right-1")).id)
        [both] = await ended_executions_of(broker, "both", 1)
        assert both.id == firing_id(right, "both", "when-both")
        # The window starts over: left alone again starts nothing, left then right does.
        again = await ended(broker, (await started(broker, LEFT, execution_id="left-2")).id)
        right = await ended(broker, (await started(broker, RIGHT, execution_id="right-2")).id)
        await ended_executions_of(broker, "both", 2)
        assert await ExecutionStore(broker).get(firing_id(again, "both", "when-both")) is None
        assert await ExecutionStore(broker).get(firing_id(right, "both", "when-both")) is not None
        assert len(await executions_of(broker, "both")) == 2


AFTER_BOTH = """
id: after-both
namespace: pair
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }}"
triggers:
  - id: deps
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: deps
      flows:
        - namespace: pair
          flowId: left
          states: [SUCCESS]
        - namespace: pair
          flowId: right
          states: [SUCCESS]
      timeWindow:
        type: SLIDING_WINDOW
        window: PT1H
"""


async def test_preconditions_fire_once_every_upstream_flow_succeeded(tmp_path: Path) -> None:
    async with running(tmp_path) as broker:
        await deploy(broker, AFTER_BOTH)
        left = await ended(broker, (await started(broker, LEFT, execution_id="left-1")).id)
        right = await ended(broker, (await started(broker, RIGHT, execution_id="right-1")).id)
        [after] = await ended_executions_of(broker, "after-both", 1)
        assert after.id == firing_id(right, "after-both", "deps")
        assert from_struct(after.task_runs[0].outputs) == {"value": "right"}
        assert await ExecutionStore(broker).get(firing_id(left, "after-both", "deps")) is None
