"""Backfills: the past dates of a Schedule trigger, fired alongside its live ones.

The api stores a backfill in the trigger's state (start, end, current, paused, inputs,
labels). Each turn of the scheduler's loop fires a bounded number of backfill dates, so
that a long backfill never holds up the live fires. A date is fired as a live one is:
claimed once (a fire key of the backfill's own kind), with an execution id derived from
the trigger, the backfill and the date, so that a second scheduler's submit is a no-op;
then backfill.current moves past it compare-and-set. A backfill whose next date is past its
end (or past now, when it has none) is over: it leaves the state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from flowmesh.engine import new_execution_id
from flowmesh.language import InputsError
from flowmesh.scheduler._executions import Planned, conditions_refuse, schedule_execution
from flowmesh.state import Backfill, ExecutionStore, TriggerId, TriggerState, TriggerStates
from flowmesh.telemetry import get_logger

log = get_logger("scheduler")

# The backfill dates fired per turn of the scheduler's loop, all backfills together.
FIRES_PER_TURN = 20


def _first_at_or_after(planned: Planned, instant: datetime) -> datetime:
    return planned.trigger.schedule().next_after(instant - timedelta(microseconds=1))


class Backfills:
    """The backfills under way, followed from the triggers bucket, and their fires.

    The scheduler tells it of each trigger state it sees (state_changed) and, once per
    turn of its loop, lets it fire (fire_due) among the triggers it plans.
    """

    def __init__(
        self,
        states: TriggerStates,
        executions: ExecutionStore,
        *,
        name: str,
        now: Callable[[], datetime],
        per_turn: int = FIRES_PER_TURN,
    ) -> None:
        self._states = states
        self._executions = executions
        self._name = name
        self._now = now
        self._per_turn = per_turn
        # The keys of the triggers with a backfill that is not paused.
        self._running: set[str] = set()

    def state_changed(self, key: str, state: TriggerState) -> None:
        """Note whether the trigger at key has a backfill to fire (not paused, the trigger enabled)."""
        if state.backfill is not None and not state.backfill.paused and not state.disabled:
            self._running.add(key)
        else:
            self._running.discard(key)

    async def fire_due(self, planned: Mapping[str, Planned], stopping: asyncio.Event) -> None:
        """Fire up to per_turn backfill dates that are due, among the triggers planned."""
        budget = self._per_turn
        for key in sorted(self._running):
            if budget <= 0 or stopping.is_set():
                return
            trigger = planned.get(key)
            if trigger is not None:
                # A stop waits for the fire under way: claimed means started.
                budget -= await asyncio.shield(self._fire_some(trigger, budget))

    async def _fire_some(self, planned: Planned, budget: int) -> int:
        """Fire up to budget dates of the trigger's backfill; return how many were fired."""
        fired = 0
        while fired < budget:
            state = await self._states.get(planned.trigger_id)
            backfill = state.backfill if state is not None else None
            if backfill is None or backfill.paused or state is None or state.disabled:
                return fired
            date = _first_at_or_after(planned, backfill.current)
            now = self._now()
            if (backfill.end is not None and date > backfill.end) or (backfill.end is None and date > now):
                await self._end(planned.trigger_id, backfill)
                return fired
            if date > now:
                return fired  # the rest of the backfill is still to come
            await self._fire(planned, backfill, date)
            fired += 1
        return fired

    async def _fire(self, planned: Planned, backfill: Backfill, date: datetime) -> None:
        reason = conditions_refuse(planned, date)
        if reason:
            log.info(
                "backfill_passed_over", trigger=planned.trigger_id.key, date=date.isoformat(), reason=reason
            )
        else:
            await self._submit(planned, backfill, date)
        following = planned.trigger.schedule().next_after(date)
        await self._states.change(planned.trigger_id, _advanced(backfill, following), now=self._now())

    async def _submit(self, planned: Planned, backfill: Backfill, date: datetime) -> None:
        trigger_id = planned.trigger_id
        backfill_name = f"backfill-{int(backfill.created.timestamp())}"
        try:
            execution = schedule_execution(
                planned,
                date,
                execution_id=new_execution_id(f"{backfill_name}/{trigger_id.key}/{date.timestamp()}"),
                inputs=planned.trigger.inputs | backfill.inputs,
                labels=planned.trigger.label_map() | backfill.labels,
                now=self._now(),
            )
        except InputsError as error:
            # The flow's inputs changed since the backfill was created: its dates cannot run.
            log.warning("backfill_inputs_invalid", trigger=trigger_id.key, error=str(error))
            return
        claimed = await self._states.claim(trigger_id, date, self._name, kind=backfill_name)
        # Claimed by a scheduler that died before it submitted: submit (a no-op if it did).
        if claimed or not await self._executions.get(execution.id):
            await self._executions.submit(execution)
            log.info(
                "backfill_fired", trigger=trigger_id.key, date=date.isoformat(), execution_id=execution.id
            )

    async def _end(self, trigger_id: TriggerId, backfill: Backfill) -> None:
        def end(state: TriggerState) -> TriggerState:
            if state.backfill is None or state.backfill.created != backfill.created:
                return state  # deleted, or replaced by another backfill meanwhile
            return replace(state, backfill=None)

        await self._states.change(trigger_id, end, now=self._now())
        self._running.discard(trigger_id.key)
        log.info("backfill_ended", trigger=trigger_id.key)


def _advanced(backfill: Backfill, following: datetime) -> Callable[[TriggerState], TriggerState]:
    """Return the change that moves the backfill's current date to following, never backwards."""

    def change(state: TriggerState) -> TriggerState:
        stored = state.backfill
        if stored is None or stored.created != backfill.created or stored.current >= following:
            return state
        return replace(state, backfill=replace(stored, current=following))

    return change
