"""Triggers through the api, on Kestra's paths: list them, disable, unlock, backfill, forget.

Every change goes through TriggerStates.change (compare-and-set), so the api never
overwrites what a scheduler, the executor or a worker wrote meanwhile. A trigger whose
state does not exist yet (no scheduler has seen its flow) gets one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.api._support import csv_chunk, not_found, now, page_of, streaming, unary
from flowmesh.api._trigger_views import (
    FlowTrigger,
    ParsedTriggers,
    flow_triggers,
    locked,
    sorted_triggers,
    state_view,
    with_trigger,
)
from flowmesh.auth import scope
from flowmesh.file.v1.file_messages_pb2 import FileChunk
from flowmesh.language import InputsError, Schedule, resolve_inputs
from flowmesh.rpc import ApiError
from flowmesh.state import Backfill, FlowStore, TriggerId, TriggerStates, set_disabled
from flowmesh.state import TriggerState as StoredState
from flowmesh.trigger.v1 import trigger_messages_pb2 as messages
from flowmesh.trigger.v1.trigger_pb2 import TriggerRef, TriggerState
from flowmesh.trigger.v1.trigger_service_pb2_grpc import TriggerServiceServicer
from flowmesh.values import from_struct

Change = Callable[[StoredState], StoredState]

# What a namespace, a flow id and a trigger id may be (Kestra's patterns): never a key NATS refuses.
_PATTERNS = {
    "namespace": re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*"),
    "flowId": re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*"),
    "triggerId": re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]*"),
}


class _Named(Protocol):
    """A request or reference that names one trigger."""

    @property
    def namespace(self) -> str: ...
    @property
    def flow_id(self) -> str: ...
    @property
    def trigger_id(self) -> str: ...


class _NoBackfill(Exception):
    """The trigger has no backfill to pause, resume or delete."""


class TriggerServicer(TriggerServiceServicer):
    """The triggers of the deployed flows (flows bucket) merged with their states (triggers bucket)."""

    def __init__(self, flows: FlowStore, states: TriggerStates) -> None:
        self._flows = flows
        self._states = states
        self._parsed = ParsedTriggers()

    @unary
    async def SearchTriggers(
        self, request: messages.SearchTriggersRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchTriggersResponse:
        items = await self._selected(request.tenant, request)
        chosen = page_of(sorted_triggers(items, request.sort), request.page_size, request.page_token)
        at = now()
        return messages.SearchTriggersResponse(
            triggers=[with_trigger(item, at) for item in chosen.items],
            total_size=chosen.total,
            next_page_token=chosen.next_token,
        )

    @unary
    async def ListFlowTriggers(
        self, request: messages.ListFlowTriggersRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListFlowTriggersResponse:
        query = request.query.lower()
        items = [
            item
            for item in await self._listed(request.tenant)
            if (item.trigger_id.namespace, item.trigger_id.flow_id) == (request.namespace, request.flow_id)
            and query in item.trigger_id.trigger_id.lower()
        ]
        chosen = page_of(sorted_triggers(items, request.sort), request.page_size, request.page_token)
        at = now()
        return messages.ListFlowTriggersResponse(
            triggers=[state_view(item, at) for item in chosen.items],
            total_size=chosen.total,
            next_page_token=chosen.next_token,
        )

    @unary
    async def SetTriggerDisabled(
        self, request: messages.SetTriggerDisabledRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        item = await self._find(request.tenant, request)
        return await self._change(item, set_disabled(request.disabled, now()))

    @unary
    async def SetTriggersDisabled(
        self, request: messages.SetTriggersDisabledRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        if not request.triggers:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "TRIGGERS_MISSING",
                "no trigger to disable or enable",
                [("triggers", "must name at least one trigger")],
            )
        items = await self._find_all(request.tenant, request.triggers)
        for item in items:
            await self._change(item, set_disabled(request.disabled, now()))
        return _done(len(items))

    @unary
    async def UnlockTrigger(
        self, request: messages.UnlockTriggerRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        item = await self._find(request.tenant, request)
        if item.state is None or not locked(item.state, now()):
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "TRIGGER_NOT_LOCKED",
                f"Trigger {_name(item)} is not locked",
            )
        return await self._change(item, _unlock)

    @unary
    async def UnlockTriggers(
        self, request: messages.UnlockTriggersRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._unlock_all(await self._find_all(request.tenant, request.triggers))

    @unary
    async def UnlockTriggersByQuery(
        self, request: messages.UnlockTriggersByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._unlock_all(await self._selected(request.tenant, request.query))

    @unary
    async def SetTriggersDisabledByQuery(
        self, request: messages.SetTriggersDisabledByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        disabled = request.disabled if request.HasField("disabled") else True
        items = await self._selected(request.tenant, request.query)
        for item in items:
            await self._change(item, set_disabled(disabled, now()))
        return _done(len(items))

    @unary
    async def RestartTrigger(
        self, request: messages.RestartTriggerRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        return await self._change(await self._find(request.tenant, request), _restart)

    @unary
    async def CreateBackfill(
        self, request: messages.CreateBackfillRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        item = await self._find(request.tenant, request)
        backfill = _new_backfill(item, request)

        def start(state: StoredState) -> StoredState:
            if state.backfill is not None:
                raise ApiError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    "BACKFILL_RUNNING",
                    f"Trigger {_name(item)} already has a backfill: delete it first",
                )
            return replace(state, backfill=backfill)

        return await self._change(item, start)

    @unary
    async def PauseBackfill(
        self, request: messages.PauseBackfillRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        return await self._backfill_action(request.tenant, request, _paused(True))

    @unary
    async def UnpauseBackfill(
        self, request: messages.UnpauseBackfillRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        return await self._backfill_action(request.tenant, request, _paused(False))

    @unary
    async def DeleteBackfill(
        self, request: messages.DeleteBackfillRequest, context: grpc.aio.ServicerContext
    ) -> TriggerState:
        return await self._backfill_action(request.tenant, request, _without_backfill)

    @unary
    async def PauseBackfills(
        self, request: messages.PauseBackfillsRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._find_all(request.tenant, request.triggers), _paused(True)
        )

    @unary
    async def UnpauseBackfills(
        self, request: messages.UnpauseBackfillsRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._find_all(request.tenant, request.triggers), _paused(False)
        )

    @unary
    async def DeleteBackfills(
        self, request: messages.DeleteBackfillsRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._find_all(request.tenant, request.triggers), _without_backfill
        )

    @unary
    async def PauseBackfillsByQuery(
        self, request: messages.PauseBackfillsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._selected(request.tenant, request.query), _paused(True)
        )

    @unary
    async def UnpauseBackfillsByQuery(
        self, request: messages.UnpauseBackfillsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._selected(request.tenant, request.query), _paused(False)
        )

    @unary
    async def DeleteBackfillsByQuery(
        self, request: messages.DeleteBackfillsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._backfills_action(
            await self._selected(request.tenant, request.query), _without_backfill
        )

    @unary
    async def DeleteTrigger(
        self, request: messages.DeleteTriggerRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteTriggerResponse:
        _check(request)
        trigger_id = TriggerId(request.tenant, request.namespace, request.flow_id, request.trigger_id)
        if await self._states.get(trigger_id) is None:
            raise not_found(
                "TRIGGER_NOT_FOUND",
                f"Trigger {request.trigger_id} of flow {request.namespace}.{request.flow_id} has no state",
            )
        await self._states.delete(trigger_id)
        return messages.DeleteTriggerResponse()

    @unary
    async def DeleteTriggers(
        self, request: messages.DeleteTriggersRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._forget_all(await self._find_all(request.tenant, request.triggers))

    @unary
    async def DeleteTriggersByQuery(
        self, request: messages.DeleteTriggersByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.TriggersOperationResponse:
        return await self._forget_all(await self._selected(request.tenant, request.query))

    @streaming
    async def ExportTriggersByQuery(
        self, request: messages.ExportTriggersByQueryRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        items = sorted_triggers(await self._selected(request.tenant, request.query), request.query.sort)
        at = now()
        yield csv_chunk("triggers", _CSV_COLUMNS, (_csv_row(item, at) for item in items))

    async def _selected(self, tenant: str, query: messages.SearchTriggersRequest) -> list[FlowTrigger]:
        """Return the triggers of tenant's deployed flows that query's filters select, unsorted."""
        text = query.query.lower()
        prefix = f"{query.namespace}."
        readable = scope()
        return [
            item
            for item in await self._listed(tenant)
            if readable.covers(item.trigger_id.namespace)
            and (not query.namespace or f"{item.trigger_id.namespace}.".startswith(prefix))
            and (not query.flow_id or item.trigger_id.flow_id == query.flow_id)
            and (not query.trigger_id or item.trigger_id.trigger_id == query.trigger_id)
            and (not query.worker_id or (item.state is not None and item.state.worker_id == query.worker_id))
            and (not text or text in item.trigger_id.key.partition("/")[2].lower())
        ]

    async def _unlock_all(self, items: Iterable[FlowTrigger]) -> messages.TriggersOperationResponse:
        """Unlock the locked triggers of items; the others are left as they are."""
        at = now()
        chosen = [item for item in items if item.state is not None and locked(item.state, at)]
        for item in chosen:
            await self._change(item, _unlock)
        return _done(len(chosen))

    async def _forget_all(self, items: Iterable[FlowTrigger]) -> messages.TriggersOperationResponse:
        """Forget the stored states of items; those without one are left out."""
        chosen = [item for item in items if item.state is not None]
        for item in chosen:
            await self._states.delete(item.trigger_id)
        return _done(len(chosen))

    async def _listed(self, tenant: str) -> list[FlowTrigger]:
        """Return the triggers of tenant's deployed flows, each with its state."""
        states = await self._states.all(tenant)
        return [
            replace(item, state=states.get(item.trigger_id))
            for item in self._parsed.of(tenant, await self._flows.deployed(tenant))
        ]

    async def _find(self, tenant: str, named: _Named, where: str = "") -> FlowTrigger:
        """Return a trigger of a deployed flow with its state; NOT_FOUND naming what is missing.

        where: the path of named in the request, for a malformed id's INVALID_ARGUMENT.
        """
        _check(named, where)
        latest = await self._flows.latest(tenant, named.namespace, named.flow_id)
        if latest is None or latest[0].deleted:
            raise not_found("FLOW_NOT_FOUND", f"Flow {named.namespace}.{named.flow_id} not found")
        for item in flow_triggers(tenant, [latest[0]]):
            if item.trigger_id.trigger_id == named.trigger_id:
                return replace(item, state=await self._states.get(item.trigger_id))
        raise not_found(
            "TRIGGER_NOT_FOUND",
            f"Flow {named.namespace}.{named.flow_id} has no trigger {named.trigger_id!r}",
        )

    async def _find_all(self, tenant: str, refs: Iterable[TriggerRef]) -> list[FlowTrigger]:
        """Return the triggers refs name; NOT_FOUND for the first unknown one, before any change."""
        return [await self._find(tenant, ref, f"triggers[{index}].") for index, ref in enumerate(refs)]

    async def _change(self, item: FlowTrigger, change: Change) -> TriggerState:
        at = now()
        state = await self._states.change(item.trigger_id, change, now=at)
        return state_view(replace(item, state=state), at)

    async def _backfill_action(self, tenant: str, named: _Named, change: Change) -> TriggerState:
        item = await self._find(tenant, named)
        try:
            return await self._change(item, change)
        except _NoBackfill:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "BACKFILL_NOT_FOUND",
                f"Trigger {_name(item)} has no backfill",
            ) from None

    async def _backfills_action(
        self, items: Iterable[FlowTrigger], change: Change
    ) -> messages.TriggersOperationResponse:
        """Apply change to the backfill of each of items; those without one are left out."""
        changed = 0
        for item in items:
            try:
                await self._change(item, change)
            except _NoBackfill:
                continue
            changed += 1
        return _done(changed)


_CSV_COLUMNS = (
    "namespace",
    "flowId",
    "triggerId",
    "type",
    "disabled",
    "locked",
    "nextEvaluationDate",
    "lastTriggeredDate",
    "executionId",
    "workerId",
)


def _csv_row(item: FlowTrigger, at: datetime) -> tuple[object, ...]:
    view = state_view(item, at)
    dates = [view.next_evaluation_date, view.last_triggered_date]
    return (
        view.namespace,
        view.flow_id,
        view.trigger_id,
        item.trigger.type,
        str(view.disabled).lower(),
        str(view.locked).lower(),
        *(date.ToJsonString() if date.seconds or date.nanos else "" for date in dates),
        view.execution_id,
        view.worker_id,
    )


def _check(named: _Named, where: str = "") -> None:
    """Refuse a malformed namespace, flow id or trigger id, naming it."""
    given = {"namespace": named.namespace, "flowId": named.flow_id, "triggerId": named.trigger_id}
    for name, value in given.items():
        if not _PATTERNS[name].fullmatch(value):
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "TRIGGER_REF_INVALID",
                f"{where}{name} {value!r} is not a valid {name}",
                [(f"{where}{name}", f"must match {_PATTERNS[name].pattern}")],
            )


def _name(item: FlowTrigger) -> str:
    return f"{item.trigger_id.trigger_id} of flow {item.trigger_id.namespace}.{item.trigger_id.flow_id}"


def _done(count: int) -> messages.TriggersOperationResponse:
    return messages.TriggersOperationResponse(operation_id=secrets.token_hex(8), total_items=count)


def _unlock(state: StoredState) -> StoredState:
    return replace(state, execution_id=None, evaluating_until=None, worker_id=None)


def _restart(state: StoredState) -> StoredState:
    return replace(state, date=None, next=None, evaluating_until=None, worker_id=None)


def _paused(paused: bool) -> Change:
    def change(state: StoredState) -> StoredState:
        if state.backfill is None:
            raise _NoBackfill
        return replace(state, backfill=replace(state.backfill, paused=paused))

    return change


def _without_backfill(state: StoredState) -> StoredState:
    if state.backfill is None:
        raise _NoBackfill
    return replace(state, backfill=None)


def _new_backfill(item: FlowTrigger, request: messages.CreateBackfillRequest) -> Backfill:
    """Return the backfill request asks for; INVALID_ARGUMENT naming what is wrong with it."""
    trigger = item.trigger
    if not isinstance(trigger, Schedule):
        raise _invalid(
            "triggerId",
            f"Trigger {_name(item)} is a {trigger.type}: only Schedule triggers can be backfilled",
        )
    asked = request.backfill
    start = _date(asked.start) if asked.HasField("start") else None
    if start is None:
        raise _invalid("backfill.start", "a backfill needs a start date")
    end = _date(asked.end) if asked.HasField("end") else None
    if end is not None and end < start:
        raise _invalid("backfill.end", f"the end {end.isoformat()} is before the start {start.isoformat()}")
    inputs = from_struct(asked.inputs)
    try:
        resolve_inputs(item.flow, trigger.inputs | inputs)
    except InputsError as error:
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "BACKFILL_INVALID",
            f"Invalid backfill inputs: {error}",
            [(f"backfill.{violation.path}", violation.message) for violation in error.violations],
        ) from None
    labels = {label.key: label.value for label in asked.labels}
    return Backfill(start=start, end=end, current=start, created=now(), inputs=inputs, labels=labels)


def _date(timestamp: Timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=UTC)


def _invalid(path: str, message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, "BACKFILL_INVALID", message, [(path, message)])
