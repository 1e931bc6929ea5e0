"""A trigger as the api shows it: what its flow says, what its state adds, in the order asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.api._trigger_views import ParsedTriggers, flow_triggers, sorted_triggers, state_view
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.rpc import ApiError
from flowmesh.state import TriggerState
from flowmesh.trigger.v1 import trigger_pb2

NOW = datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)

SOURCE = """
id: {flow_id}
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    stopAfter: [FAILED]
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: the-key
"""


def flow(flow_id: str = "first", revision: int = 1, source: str = SOURCE) -> Flow:
    return Flow(
        tenant_id="main",
        namespace="company.team",
        id=flow_id,
        revision=revision,
        source=source.format(flow_id=flow_id),
    )


def test_a_trigger_with_no_state_shows_what_its_flow_says() -> None:
    hourly, hook = flow_triggers("main", [flow()])

    view = state_view(hourly, NOW)
    assert (view.namespace, view.flow_id, view.trigger_id) == ("company.team", "first", "hourly")
    assert view.kind == trigger_pb2.TRIGGER_KIND_SCHEDULE
    assert list(view.stop_after) == ["FAILED"]
    assert view.next_evaluation_date.ToDatetime(tzinfo=UTC) == datetime(2024, 5, 1, 11, tzinfo=UTC)
    assert not view.disabled
    assert not view.locked
    assert state_view(hook, NOW).kind == trigger_pb2.TRIGGER_KIND_UNSPECIFIED
    assert not state_view(hook, NOW).HasField("next_evaluation_date")


def test_the_state_adds_its_dates_its_lock_and_disabled() -> None:
    hourly = flow_triggers("main", [flow()])[0]
    fired = datetime(2024, 5, 1, 10, tzinfo=UTC)
    state = TriggerState(date=fired, next=fired + timedelta(hours=1), execution_id="exec-1", updated=NOW)

    view = state_view(replace(hourly, state=state), NOW)
    assert view.evaluated_at.ToDatetime(tzinfo=UTC) == fired
    assert view.locked
    assert view.execution_id == "exec-1"

    disabled = state_view(replace(hourly, state=replace(state, disabled=True)), NOW)
    assert disabled.disabled
    assert not disabled.HasField("next_evaluation_date")
    # An evaluation whose lease has passed no longer locks the trigger.
    lapsed = replace(state, execution_id=None, evaluating_until=NOW - timedelta(seconds=1), worker_id="w")
    assert not state_view(replace(hourly, state=lapsed), NOW).locked


def test_triggers_sort_by_the_fields_asked_and_refuse_others() -> None:
    items = flow_triggers("main", [flow("b"), flow("a")])
    ordered = [item.trigger_id.key for item in sorted_triggers(items, ["flowId:desc", "triggerId:asc"])]
    assert ordered == [
        "main/company.team/b/hook",
        "main/company.team/b/hourly",
        "main/company.team/a/hook",
        "main/company.team/a/hourly",
    ]
    with pytest.raises(ApiError, match="cannot sort triggers by 'colour'"):
        sorted_triggers(items, ["colour"])


def test_a_flow_is_parsed_again_only_for_a_new_revision() -> None:
    parsed = ParsedTriggers()
    first = parsed.of("main", [flow()])
    assert parsed.of("main", [flow()])[0] is first[0]
    changed = flow(revision=2, source=SOURCE.replace('"0 * * * *"', '"30 * * * *"'))
    assert parsed.of("main", [changed])[0] is not first[0]
    assert parsed.of("main", []) == []
