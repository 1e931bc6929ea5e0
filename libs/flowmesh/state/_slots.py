"""Concurrency limits of flows: which executions run, which wait their turn."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from flowmesh.messaging import CONCURRENCY_BUCKET, Broker, flow_key

_MAX_CONFLICTS = 50

T = TypeVar("T")


class Admission(Enum):
    """What a flow's concurrency limit says of an execution that asks to run."""

    RUN = "run"
    QUEUED = "queued"
    REFUSED = "refused"


@dataclass
class _Slots:
    running: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)


class ConcurrencySlots:
    """The executions of each limited flow that hold a slot, and those queued for one.

    Shared by executor processes through compare-and-set on one key per flow;
    every change is idempotent, so that a redelivered message changes nothing.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def admit(
        self,
        tenant: str,
        namespace: str,
        flow_id: str,
        execution_id: str,
        limit: int,
        *,
        queue: bool,
        force: bool = False,
    ) -> Admission:
        """Give execution_id a slot if one is free (or it holds one); else queue it, or refuse it.

        force gives it a slot over the limit (an execution taken out of the queue to run).
        """

        def change(slots: _Slots) -> Admission:
            if execution_id in slots.running:
                return Admission.RUN
            if force or (
                len(slots.running) < limit and (not slots.queued or slots.queued[0] == execution_id)
            ):
                if execution_id in slots.queued:
                    slots.queued.remove(execution_id)
                slots.running.append(execution_id)
                return Admission.RUN
            if not queue:
                return Admission.REFUSED
            if execution_id not in slots.queued:
                slots.queued.append(execution_id)
            return Admission.QUEUED

        return await self._change(flow_key(tenant, namespace, flow_id), change)

    async def release(
        self, tenant: str, namespace: str, flow_id: str, execution_id: str, limit: int
    ) -> list[str]:
        """Free the slot (or queue place) of an ended execution; return the queued ones given a slot."""

        def change(slots: _Slots) -> list[str]:
            for held in (slots.running, slots.queued):
                if execution_id in held:
                    held.remove(execution_id)
            promoted = slots.queued[: max(0, limit - len(slots.running))]
            del slots.queued[: len(promoted)]
            slots.running.extend(promoted)
            return promoted

        return await self._change(flow_key(tenant, namespace, flow_id), change)

    async def _change(self, key: str, change: Callable[[_Slots], T]) -> T:
        kv = await self._broker.kv(CONCURRENCY_BUCKET)
        for _ in range(_MAX_CONFLICTS):
            try:
                entry = await kv.get(key)
                slots = _Slots(**json.loads(entry.value or b"{}"))
                revision = entry.revision
            except KeyNotFoundError:
                slots, revision = _Slots(), None
            before = _Slots(list(slots.running), list(slots.queued))
            result = change(slots)
            if slots == before:
                return result
            value = json.dumps({"running": slots.running, "queued": slots.queued}).encode()
            try:
                if revision is None:
                    await kv.create(key, value)
                else:
                    await kv.update(key, value, last=revision)
            except KeyWrongLastSequenceError:
                continue
            return result
        raise RuntimeError(f"the concurrency slots of {key} kept changing")
