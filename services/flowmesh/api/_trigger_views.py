"""The triggers of the deployed flows as the api shows them: each with its stored state, sorted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1.state_pb2 import Label
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, FlowInvalid, Schedule, Trigger, parse_flow
from flowmesh.rpc import ApiError
from flowmesh.state import Backfill, TriggerId
from flowmesh.state import TriggerState as StoredState
from flowmesh.trigger.v1 import trigger_pb2
from flowmesh.values import to_struct


@dataclass(frozen=True)
class FlowTrigger:
    """A trigger of a deployed flow, and its stored state (None before anything wrote one)."""

    trigger_id: TriggerId
    flow: FlowDefinition
    stored: Flow
    trigger: Trigger
    state: StoredState | None


def flow_triggers(tenant: str, flows: Iterable[Flow]) -> list[FlowTrigger]:
    """Return the triggers of the given flows, without state; flows that do not parse have none."""
    found = []
    for stored in flows:
        try:
            flow = parse_flow(stored.source)
        except FlowInvalid:
            continue
        for trigger in flow.triggers:
            trigger_id = TriggerId(tenant, flow.namespace, flow.id, trigger.id)
            found.append(FlowTrigger(trigger_id, flow, stored, trigger, None))
    return found


class ParsedTriggers:
    """The triggers of each deployed flow, parsed once per revision: a listing reads every flow."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str, str], tuple[int, list[FlowTrigger]]] = {}

    def of(self, tenant: str, flows: Iterable[Flow]) -> list[FlowTrigger]:
        """Return the triggers of flows (tenant's deployed flows, all of them), without state."""
        known: dict[tuple[str, str, str], tuple[int, list[FlowTrigger]]] = {}
        found = []
        for stored in flows:
            key = (tenant, stored.namespace, stored.id)
            cached = self._known.get(key)
            if cached is None or cached[0] != stored.revision:
                cached = (stored.revision, flow_triggers(tenant, [stored]))
            known[key] = cached
            found += cached[1]
        # What is no longer deployed is forgotten.
        self._known = {key: value for key, value in self._known.items() if key[0] != tenant} | known
        return found


def kind_of(trigger: Trigger) -> trigger_pb2.TriggerKind:
    """Return Kestra's TriggerType of a trigger: Schedule, polling (it has an interval) or neither."""
    if isinstance(trigger, Schedule):
        return trigger_pb2.TRIGGER_KIND_SCHEDULE
    if getattr(trigger, "interval", None) is not None:
        return trigger_pb2.TRIGGER_KIND_POLLING
    return trigger_pb2.TRIGGER_KIND_UNSPECIFIED


def state_view(item: FlowTrigger, now: datetime) -> trigger_pb2.TriggerState:
    """Return Kestra's ApiTriggerState of a trigger: what the flow says, what its state adds."""
    state = item.state or StoredState()
    trigger = item.trigger
    view = trigger_pb2.TriggerState(
        namespace=item.trigger_id.namespace,
        flow_id=item.trigger_id.flow_id,
        trigger_id=item.trigger_id.trigger_id,
        stop_after=list(trigger.stopAfter),
        disabled=view_disabled(item, state),
        locked=locked(state, now),
        worker_id=state.worker_id or "",
        execution_id=state.execution_id or "",
        kind=kind_of(trigger),
    )
    if state.updated is not None:
        view.updated_at.FromDatetime(state.updated)
    elif item.stored.HasField("updated"):
        view.updated_at.CopyFrom(item.stored.updated)
    _set(view.evaluated_at, state.date)
    _set(view.last_triggered_date, state.date)
    _set(view.next_evaluation_date, _next_date(item, state, now))
    if state.backfill is not None:
        view.backfill.CopyFrom(backfill_view(state.backfill))
    return view


def locked(state: StoredState, now: datetime) -> bool:
    """Tell whether a trigger waits for its execution's end or is being evaluated."""
    evaluating = state.evaluating_until is not None and state.evaluating_until > now
    return state.execution_id is not None or evaluating


def _next_date(item: FlowTrigger, state: StoredState, now: datetime) -> datetime | None:
    if view_disabled(item, state):
        return None  # as Kestra shows a disabled trigger: it fires at no date
    if state.next is not None or not isinstance(item.trigger, Schedule):
        return state.next
    # A scheduler has not planned it yet: its next date from now.
    return item.trigger.schedule().next_after(now)


def view_disabled(item: FlowTrigger, state: StoredState) -> bool:
    """Tell whether a trigger is off: by its state, in its flow, or with its whole flow."""
    return state.disabled or item.trigger.disabled or item.flow.disabled


def backfill_view(backfill: Backfill) -> trigger_pb2.Backfill:
    view = trigger_pb2.Backfill(
        paused=backfill.paused,
        inputs=to_struct(backfill.inputs),
        labels=[Label(key=key, value=value) for key, value in backfill.labels.items()],
    )
    _set(view.start, backfill.start)
    _set(view.end, backfill.end)
    _set(view.current_date, backfill.current)
    return view


def with_trigger(item: FlowTrigger, now: datetime) -> trigger_pb2.TriggerAndState:
    """Return Kestra's ApiTriggerAndState: the trigger as written and its state."""
    return trigger_pb2.TriggerAndState(
        trigger=to_struct(item.trigger.properties()), state=state_view(item, now)
    )


def _set(field: Timestamp, date: datetime | None) -> None:
    if date is not None:
        field.FromDatetime(date)


# The sortable fields, by Kestra's names.
_SORT_KEYS: dict[str, Callable[[FlowTrigger], Any]] = {
    "namespace": lambda item: item.trigger_id.namespace,
    "flowId": lambda item: item.trigger_id.flow_id,
    "triggerId": lambda item: item.trigger_id.trigger_id,
    "nextEvaluationDate": lambda item: _timestamp(item.state.next if item.state else None),
    "updatedAt": lambda item: _timestamp(item.state.updated if item.state else None),
}


def _timestamp(date: datetime | None) -> float:
    return date.timestamp() if date is not None else float("inf")


def sorted_triggers(items: list[FlowTrigger], sort: Iterable[str]) -> list[FlowTrigger]:
    """Return items in the order sort asks (`field:asc|desc`, the first one first), else by id."""
    ordered = sorted(items, key=lambda item: item.trigger_id.key)
    for spec in reversed(list(sort)):
        name, _, direction = spec.partition(":")
        key = _SORT_KEYS.get(name)
        if key is None or direction.lower() not in ("", "asc", "desc"):
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "SORT_INVALID",
                f"cannot sort triggers by {spec!r}",
                [("sort", f"must be one of {', '.join(_SORT_KEYS)}, followed by :asc or :desc")],
            )
        ordered.sort(key=key, reverse=direction.lower() == "desc")
    return ordered
