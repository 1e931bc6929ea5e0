"""Polling triggers' leases and locks: when an evaluation may start, who holds it, how it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowmesh.state import TriggerId, TriggerState
from flowmesh.triggers import (
    claim_lease,
    end_evaluation,
    execution_ended,
    holds,
    next_evaluation,
    polling_execution_id,
    take_lease,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
UNTIL = NOW + MINUTE


def test_a_trigger_never_evaluated_may_be_at_once() -> None:
    assert next_evaluation(None, NOW, MINUTE) is None
    assert next_evaluation(TriggerState(), NOW, MINUTE) is None


def test_the_next_evaluation_waits_an_interval_after_the_last_one() -> None:
    last = TriggerState(date=NOW - timedelta(seconds=20))

    assert next_evaluation(last, NOW, MINUTE) == NOW + timedelta(seconds=40)
    assert next_evaluation(TriggerState(date=NOW - MINUTE), NOW, MINUTE) is None


def test_no_evaluation_while_disabled_locked_or_under_way() -> None:
    assert next_evaluation(TriggerState(disabled=True), NOW, MINUTE) == NOW + MINUTE
    assert next_evaluation(TriggerState(execution_id="e1"), NOW, MINUTE) == NOW + MINUTE
    under_way = TriggerState(evaluating_until=NOW + timedelta(seconds=5), worker_id="w1")
    assert next_evaluation(under_way, NOW, MINUTE) == NOW + timedelta(seconds=5)


def test_a_lease_that_ran_out_lets_the_next_evaluation_start() -> None:
    dead = TriggerState(date=NOW - 2 * MINUTE, evaluating_until=NOW - timedelta(seconds=1), worker_id="dead")

    taken = take_lease(NOW, MINUTE, UNTIL)(dead)

    assert (taken.evaluating_until, taken.worker_id, taken.next) == (UNTIL, None, NOW + MINUTE)


def test_a_lease_is_taken_once() -> None:
    taken = take_lease(NOW, MINUTE, UNTIL)(TriggerState())

    assert take_lease(NOW, MINUTE, NOW + 2 * MINUTE)(taken) == taken
    assert take_lease(NOW, MINUTE, UNTIL)(TriggerState(execution_id="e1")) == TriggerState(execution_id="e1")


def test_the_worker_claims_the_lease_it_was_sent_only() -> None:
    leased = take_lease(NOW, MINUTE, UNTIL)(TriggerState())

    claimed = claim_lease(UNTIL, "w1")(leased)

    assert holds(claimed, UNTIL, "w1")
    assert claim_lease(UNTIL, "w2")(claimed) == claimed
    assert claim_lease(NOW, "w2")(leased) == leased  # an older lease's message


def test_an_evaluation_ends_free_or_locked_on_its_execution() -> None:
    claimed = claim_lease(UNTIL, "w1")(take_lease(NOW, MINUTE, UNTIL)(TriggerState()))

    free = end_evaluation(UNTIL, "w1", NOW, None)(claimed)
    locked = end_evaluation(UNTIL, "w1", NOW, "e1")(claimed)

    assert (free.evaluating_until, free.worker_id, free.date, free.execution_id) == (None, None, NOW, None)
    assert (locked.evaluating_until, locked.execution_id, locked.date) == (None, "e1", NOW)
    assert end_evaluation(UNTIL, "w2", NOW, "e2")(claimed) == claimed  # not w2's lease


def test_the_end_of_the_execution_unlocks_and_stop_after_disables() -> None:
    locked = TriggerState(date=NOW, execution_id="e1")

    assert execution_ended("e1", False, NOW)(locked) == TriggerState(date=NOW)
    assert execution_ended("e2", False, NOW)(locked) == locked
    stopped = execution_ended("e1", True, NOW)(locked)
    assert (stopped.execution_id, stopped.disabled) == (None, True)


def test_an_evaluation_has_one_execution_id() -> None:
    trigger = TriggerId("main", "company.team", "f", "poll")

    assert polling_execution_id(trigger, NOW) == polling_execution_id(trigger, NOW)
    assert polling_execution_id(trigger, NOW) != polling_execution_id(trigger, NOW + MINUTE)
