"""Flow triggers: the executions an execution's state changes start, as Kestra's Flow trigger says."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowmesh.engine import expression_variables, triggered_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.expressions import ExpressionError, render_value
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, FlowInvalid, InputsError, parse_flow, resolve_inputs
from flowmesh.language._triggers import FlowTrigger
from flowmesh.messaging import FLOWS_BUCKET, Broker
from flowmesh.state import ConditionWindows, ExecutionStore, follow_bucket
from flowmesh.telemetry import get_logger
from flowmesh.triggers import (
    ConditionError,
    evaluate,
    firing_execution_id,
    listens_to,
    new_states,
    trigger_variables,
    upstream_of,
)

log = get_logger("executor")


@dataclass(frozen=True)
class Listener:
    """A deployed flow with Flow triggers, at its latest revision."""

    flow: FlowDefinition
    revision: int
    triggers: tuple[FlowTrigger, ...]


class ListenerIndex:
    """The deployed flows with Flow triggers, by tenant, kept current by watching the flows bucket.

    A state change looks only at its tenant's listeners, never at every flow.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._by_tenant: dict[str, dict[str, Listener]] = {}
        self.loaded = asyncio.Event()

    def of(self, tenant: str) -> list[Listener]:
        return list(self._by_tenant.get(tenant, {}).values())

    async def follow(self, stopping: asyncio.Event) -> None:
        """Keep the index current (the bucket's content, then each change) until stopping."""
        await follow_bucket(
            self._broker,
            FLOWS_BUCKET,
            lambda entry, _: self._seen(entry.key, entry.value),
            stopping,
            self.loaded,
        )

    def _seen(self, key: str, value: bytes | None) -> None:
        tenant, _, name = key.partition("/")
        listeners = self._by_tenant.setdefault(tenant, {})
        listeners.pop(name, None)
        if not value:
            return
        flow = Flow.FromString(value)
        # Most flows have no Flow trigger: they are not parsed (an executor reads every flow at start).
        if flow.deleted or not any(name in flow.source for name in FlowTrigger.type_names):
            return
        try:
            definition = parse_flow(flow.source)
        except FlowInvalid:
            return
        triggers = tuple(t for t in definition.triggers if isinstance(t, FlowTrigger) and not t.disabled)
        if triggers and not definition.disabled:
            listeners[name] = Listener(definition, flow.revision, triggers)


class FlowTriggers:
    """Starts the executions that Flow triggers ask for when an execution changes state.

    Each started execution's id comes from the state change and the trigger, so the
    same change seen twice (a redelivery, two executors) submits one execution.
    """

    def __init__(self, broker: Broker, executions: ExecutionStore) -> None:
        self.index = ListenerIndex(broker)
        self._executions = executions
        self._windows = ConditionWindows(broker)

    async def changed(self, after: Execution, since: int, flow: FlowDefinition, now: datetime) -> None:
        """Start what after's states trigger, from place since of its state history on."""
        listeners = [
            each
            for each in self.index.of(after.tenant_id)
            if (each.flow.namespace, each.flow.id) != (after.namespace, after.flow_id)
        ]
        # Only states some trigger listens to cost an expression context (built once, for all).
        changes = [
            (place, state)
            for place, state in new_states(after, since)
            if any(listens_to(trigger, state) for listener in listeners for trigger in listener.triggers)
        ]
        if not changes:
            return
        context = expression_variables(after, flow)
        for place, state in changes:
            change = _Change(after, place, state, context, now)
            for listener in listeners:
                for trigger in listener.triggers:
                    await self._consider(listener, trigger, change)

    async def _consider(self, listener: Listener, trigger: FlowTrigger, change: _Change) -> None:
        flow = listener.flow
        now = change.now
        try:
            firing = evaluate(trigger, upstream_of(change.execution, change.state, change.context), now)
        except ConditionError as error:
            log.warning(
                "flow_trigger_condition_failed",
                flow=f"{flow.namespace}.{flow.id}",
                trigger=trigger.id,
                error=str(error),
            )
            return
        if firing is None:
            return

        async def start() -> None:
            await self._start(listener, trigger, change)

        if not firing.windows:
            await start()
            return
        owner_of = (change.execution.tenant_id, flow.namespace, flow.id, trigger.id)
        for window in firing.windows:
            last = window is firing.windows[-1]
            fired = await self._windows.record(
                (*owner_of, window.condition_id),
                window.met,
                window.wanted,
                now=now,
                since=window.start,
                reset=window.reset,
                fire=start if last else _nothing,
            )
            if not fired:
                return

    async def _start(self, listener: Listener, trigger: FlowTrigger, change: _Change) -> None:
        flow = listener.flow
        after = change.execution
        variables = trigger_variables(after, change.state)
        try:
            given = render_value(trigger.inputs, {**change.context, "trigger": variables})
        except ExpressionError as error:
            log.warning("flow_trigger_inputs_failed", flow=f"{flow.namespace}.{flow.id}", error=str(error))
            return
        try:
            inputs = resolve_inputs(flow, given)
        except InputsError:
            # Kestra starts a triggered execution with its inputs as the trigger renders
            # them, unchecked (a required input left out does not stop it).
            inputs = given
        execution = triggered_execution(
            trigger,
            variables,
            execution_id=firing_execution_id(
                after, change.place, after.tenant_id, flow.namespace, flow.id, trigger.id
            ),
            tenant_id=after.tenant_id,
            flow=flow,
            flow_revision=listener.revision,
            inputs=inputs,
            now=change.now,
        )
        await self._executions.submit(execution)


@dataclass(frozen=True)
class _Change:
    """One state an upstream execution reached: its place in the state history, and what expressions see."""

    execution: Execution
    place: int
    state: str
    context: dict[str, Any]
    now: datetime


async def _nothing() -> None:
    """What an earlier MultipleCondition of a trigger does once full: let the next one decide."""
