"""Whether a Flow trigger fires on an upstream execution's state change, and the execution it starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flowmesh.engine import TERMINAL, new_execution_id, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language._condition import Condition
from flowmesh.language._triggers import FlowTrigger
from flowmesh.triggers._conditions import ConditionError, Upstream, condition_holds, kind_of
from flowmesh.triggers._preconditions import preconditions_window, time_window_span
from flowmesh.triggers._windows import Window, duration, window_start
from flowmesh.values import from_struct


@dataclass(frozen=True)
class Firing:
    """A Flow trigger whose plain conditions hold; it fires once each of its windows has all it wants."""

    windows: list[Window] = field(default_factory=list)


def default_states() -> frozenset[str]:
    """Return the states a Flow trigger without `states` listens to: the terminal ones, as Kestra."""
    return frozenset(state_name(state) for state in TERMINAL)


def listens_to(trigger: FlowTrigger, state: str) -> bool:
    """Return whether trigger, enabled, looks at executions reaching state (`states`; terminal by default)."""
    if trigger.disabled:
        return False
    return state in (set(trigger.states) if trigger.states is not None else default_states())


def new_states(after: Execution, since: int) -> list[tuple[int, str]]:
    """Return the states after reached from place since of its state history on, with their places.

    The place tells apart two visits of one state (RUNNING, PAUSED, RUNNING again).
    """
    histories = after.state.histories
    return [(index, state_name(histories[index].state)) for index in range(since, len(histories))]


def trigger_variables(execution: Execution, state: str) -> dict[str, Any]:
    """Return Kestra's `trigger` variables of an execution started by a Flow trigger."""
    found: dict[str, Any] = {
        "executionId": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "state": state,
    }
    if execution.HasField("outputs"):
        found["outputs"] = from_struct(execution.outputs)
    return found


def upstream_of(execution: Execution, state: str, context: dict[str, Any]) -> Upstream:
    """Return what conditions see of an execution that reached state; context renders expressions."""
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "state": state,
        "labels": {label.key: label.value for label in execution.labels},
        "outputs": from_struct(execution.outputs) if execution.HasField("outputs") else {},
        "context": context,
    }


def evaluate(trigger: FlowTrigger, upstream: Upstream, now: datetime) -> Firing | None:
    """Return how trigger responds to the upstream state change: None when it does not fire.

    Raise ConditionError when a condition cannot be evaluated.
    """
    if not listens_to(trigger, upstream["state"]):
        return None
    windows = []
    for index, condition in enumerate(trigger.conditions):
        if kind_of(condition) == "MultipleCondition":
            window = _window(condition, index, upstream, now)
            if window is None:
                return None
            windows.append(window)
        elif not condition_holds(condition, upstream):
            return None
    if trigger.preconditions is not None:
        window = preconditions_window(trigger.preconditions, upstream, now)
        if window is None:
            return None
        windows.append(window)
    return Firing(windows)


def _window(condition: Condition, index: int, upstream: Upstream, now: datetime) -> Window | None:
    props = condition.model_extra or {}
    raw = props.get("conditions")
    if not isinstance(raw, dict) or not raw:
        raise ConditionError("MultipleCondition needs `conditions`, a map of named conditions")
    try:
        named = {name: Condition.model_validate(value) for name, value in raw.items()}
    except ValueError as error:
        raise ConditionError(f"MultipleCondition has an invalid condition: {error}") from None
    met = frozenset(name for name, each in named.items() if condition_holds(each, upstream))
    if not met:
        return None
    if isinstance(props.get("timeWindow"), dict):  # Kestra's newer spelling
        span = time_window_span(props["timeWindow"], now)
        if span is None:
            return None
        start, end = span
    else:
        length = duration(props.get("window"), timedelta(days=1))
        start = window_start(now, length, duration(props.get("windowAdvance"), timedelta(0)))
        end = start + length
    return Window(
        condition_id=str(props.get("id") or f"condition{index}"),
        start=start,
        end=end,
        met=met,
        wanted=frozenset(named),
        reset=props.get("resetOnSuccess", True) is not False,
    )


def firing_execution_id(
    upstream: Execution, place: int, tenant: str, namespace: str, flow_id: str, trigger_id: str
) -> str:
    """Return the id of the execution a trigger starts for one state change: the same every time.

    A redelivered state change, or two executors seeing it, submit one execution.
    """
    key = "/".join(("flowtrigger", upstream.id, str(place), tenant, namespace, flow_id, trigger_id))
    return new_execution_id(key)
