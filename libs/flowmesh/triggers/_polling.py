"""Polling triggers' leases and locks: the changes of a trigger's state that keep its evaluations apart.

Pure: each function returns a Change for TriggerStates.change (compare-and-set), which
may apply it more than once, to whatever another writer stored meanwhile.

- The scheduler takes the lease (`evaluating_until`) when an evaluation is due: none is
  under way, the last one is an interval old, the trigger is neither disabled nor locked.
- The worker the evaluation goes to marks the lease its own (`worker_id`), then frees it
  when it is done, or turns it into a lock (`execution_id`) when it starts an execution.
- The executor unlocks the trigger when that execution ends.

A dead worker's lease runs out at `evaluating_until`: the scheduler takes a new one then.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flowmesh.engine import new_execution_id
from flowmesh.state import Change, TriggerId, TriggerState, set_disabled


def next_evaluation(state: TriggerState | None, now: datetime, interval: timedelta) -> datetime | None:
    """Return when the trigger may be evaluated next, or None when it may be now.

    A disabled or locked trigger, or one being evaluated, waits an interval before the
    scheduler looks again (or until its lease runs out, if sooner).
    """
    if state is None:
        return None
    if state.disabled or state.execution_id:
        return now + interval
    if state.evaluating_until is not None and state.evaluating_until > now:
        return min(state.evaluating_until, now + interval)
    if state.date is not None and state.date + interval > now:
        return state.date + interval
    return None


def take_lease(now: datetime, interval: timedelta, until: datetime) -> Change:
    """Return the change that starts an evaluation dated now, leased until until, if one may start."""

    def change(state: TriggerState) -> TriggerState:
        if next_evaluation(state, now, interval) is not None:
            return state
        return replace(state, evaluating_until=until, worker_id=None, next=now + interval)

    return change


def holds(state: TriggerState, until: datetime, worker_id: str | None) -> bool:
    """Return whether the lease until until is the trigger's, held by worker_id (None: by nobody yet)."""
    return state.evaluating_until == until and state.worker_id == worker_id and not state.execution_id


def claim_lease(until: datetime, worker_id: str) -> Change:
    """Return the change by which worker_id takes on the evaluation leased until until."""

    def change(state: TriggerState) -> TriggerState:
        if not holds(state, until, None):
            return state
        return replace(state, worker_id=worker_id)

    return change


def end_evaluation(until: datetime, worker_id: str, date: datetime, execution_id: str | None) -> Change:
    """Return the change that ends worker_id's evaluation dated date: free, or locked on execution_id."""

    def change(state: TriggerState) -> TriggerState:
        if not holds(state, until, worker_id):
            return state
        return replace(state, evaluating_until=None, worker_id=None, date=date, execution_id=execution_id)

    return change


def execution_ended(execution_id: str, disable: bool, now: datetime) -> Change:
    """Return the change for the end of an execution a trigger started.

    It unlocks the trigger if locked on that execution, and disables it when its
    stopAfter lists the execution's end state (disable).
    """

    def change(state: TriggerState) -> TriggerState:
        if state.execution_id == execution_id:
            state = replace(state, execution_id=None)
        return set_disabled(True, now)(state) if disable else state

    return change


def polling_execution_id(trigger: TriggerId, date: datetime) -> str:
    """Return the id of the execution the evaluation of trigger dated date starts: one per evaluation."""
    return new_execution_id(f"poll/{trigger.key}/{date.timestamp()}")
