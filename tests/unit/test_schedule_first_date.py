"""Where a Schedule trigger starts firing when a scheduler plans it: recover policies and handovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.language import Schedule
from flowmesh.scheduler._service import _first_date
from flowmesh.state import TriggerState

NOW = datetime(2024, 1, 1, 9, 5, 30, tzinfo=UTC)
LEASE = timedelta(seconds=10)


def minutely(policy: str) -> Schedule:
    return Schedule(id="t", type=Schedule.type_names[0], cron="* * * * *", recoverMissedSchedules=policy)


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2024, 1, 1, 9, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(("policy", "first"), [("ALL", at(2)), ("LAST", at(5)), ("NONE", at(6))])
def test_dates_missed_through_an_outage_follow_the_recover_policy(policy: str, first: datetime) -> None:
    assert _first_date(minutely(policy), TriggerState(date=at(1)), NOW, LEASE) == first


@pytest.mark.parametrize("policy", ["ALL", "LAST", "NONE"])
def test_a_date_missed_within_a_lease_handover_is_fired_whatever_the_policy(policy: str) -> None:
    now = at(5, 5)

    assert _first_date(minutely(policy), TriggerState(date=at(4)), now, LEASE) == at(5)


def test_a_trigger_never_fired_or_disabled_starts_after_now() -> None:
    assert _first_date(minutely("ALL"), None, NOW, LEASE) == at(6)
    assert _first_date(minutely("ALL"), TriggerState(date=at(1), disabled=True), NOW, LEASE) == at(6)
