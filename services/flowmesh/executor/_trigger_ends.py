"""The end of an execution that a Schedule or polling trigger started: unlock the trigger, apply stopAfter.

A polling trigger stays locked on the execution it started until that execution ends;
a trigger whose `stopAfter` lists the end state is disabled then. Only executions of
those triggers cost anything: a Schedule trigger without stopAfter needs no read, a
polling trigger one read of its state.
"""

from __future__ import annotations

from datetime import datetime

from flowmesh.engine import is_terminal, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, PollingTrigger, Schedule
from flowmesh.state import TriggerId, TriggerStates
from flowmesh.telemetry import get_logger
from flowmesh.triggers import execution_ended

log = get_logger("executor")


class TriggerEnds:
    """Tells a trigger that an execution it started has ended."""

    def __init__(self, states: TriggerStates) -> None:
        self._states = states

    async def ended(self, execution: Execution, flow: FlowDefinition, now: datetime) -> None:
        """Unlock and stop the trigger of execution as its end says, when it ended and has such a trigger."""
        if not (execution.trigger.id and is_terminal(execution.state.current)):
            return
        trigger = next((each for each in flow.triggers if each.id == execution.trigger.id), None)
        if (
            not isinstance(trigger, Schedule | PollingTrigger)
            or execution.trigger.type not in trigger.type_names
        ):
            return
        disable = state_name(execution.state.current) in trigger.stopAfter
        trigger_id = TriggerId(execution.tenant_id, execution.namespace, execution.flow_id, trigger.id)
        if not disable:
            if isinstance(trigger, Schedule):
                return
            state = await self._states.get(trigger_id)
            if state is None or state.execution_id != execution.id:
                return
        await self._states.change(trigger_id, execution_ended(execution.id, disable, now), now=now)
        log.info(
            "trigger_execution_ended", trigger=trigger_id.key, execution_id=execution.id, disabled=disable
        )
