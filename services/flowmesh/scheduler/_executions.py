"""The execution a Schedule trigger starts for one of its dates, live or backfilled, and whether
the trigger's conditions let that date fire."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from flowmesh.engine import triggered_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, Schedule, resolve_inputs
from flowmesh.state import TriggerId
from flowmesh.triggers import ConditionError, conditions_allow, schedule_variables


class Planned(Protocol):
    """A Schedule trigger of a deployed flow, as the scheduler plans it."""

    @property
    def trigger_id(self) -> TriggerId: ...
    @property
    def flow(self) -> FlowDefinition: ...
    @property
    def revision(self) -> int: ...
    @property
    def trigger(self) -> Schedule: ...


def schedule_execution(
    planned: Planned,
    date: datetime,
    *,
    execution_id: str,
    inputs: Mapping[str, Any],
    labels: Mapping[str, str],
    now: datetime,
) -> Execution:
    """Return the execution a Schedule trigger starts for date, with trigger.date, next and previous.

    Raise InputsError when inputs do not fit the flow's.
    """
    return triggered_execution(
        planned.trigger,
        schedule_variables(planned.trigger.schedule(), date),
        execution_id=execution_id,
        tenant_id=planned.trigger_id.tenant,
        flow=planned.flow,
        flow_revision=planned.revision,
        inputs=resolve_inputs(planned.flow, dict(inputs)),
        labels=dict(labels),
        now=now,
    )


def conditions_refuse(planned: Planned, date: datetime) -> str:
    """Return why the trigger's conditions pass over date (one fails or cannot be evaluated), or ""."""
    flow = planned.flow
    variables = schedule_variables(planned.trigger.schedule(), date)
    context = {"trigger": variables, "flow": {"id": flow.id, "namespace": flow.namespace}}
    try:
        if not conditions_allow(planned.trigger, context):
            return "a condition does not hold"
    except ConditionError as error:
        return f"a condition cannot be evaluated: {error}"
    return ""
