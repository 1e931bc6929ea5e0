"""The Toggle task: which trigger it switches, and how, with Kestra's defaults."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import ValidationError

from flowmesh.plugins import RunContext, TaskFailed, task_class
from flowmesh.plugins.core import Toggle


class Switches:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, bool]] = []

    async def set_enabled(self, namespace: str, flow_id: str, trigger_id: str, enabled: bool) -> None:
        self.calls.append((namespace, flow_id, trigger_id, enabled))


class Context:
    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables
        self.triggers = Switches()
        self.lines: list[tuple[str, str]] = []

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))


def toggle(**properties: Any) -> Toggle:
    return Toggle.model_validate({"id": "t", "type": "io.kestra.core.tasks.trigger.Toggle", **properties})


async def test_toggle_disables_a_trigger_of_the_task_runs_flow_by_default() -> None:
    context = Context({"flow": {"namespace": "company.team", "id": "mine"}})

    assert await toggle(trigger="schedule").run(cast(RunContext, context)) == {}

    assert context.triggers.calls == [("company.team", "mine", "schedule", False)]
    assert context.lines == [("INFO", "Trigger 'schedule' of flow company.team.mine disabled")]


async def test_toggle_enables_a_trigger_of_the_flow_it_names() -> None:
    context = Context({"flow": {"namespace": "company.team", "id": "mine"}})

    await toggle(trigger="poll", namespace="other.team", flowId="theirs", enabled=True).run(
        cast(RunContext, context)
    )

    assert context.triggers.calls == [("other.team", "theirs", "poll", True)]


async def test_toggle_outside_a_flow_must_name_one() -> None:
    with pytest.raises(TaskFailed, match="namespace and flowId"):
        await toggle(trigger="poll").run(cast(RunContext, Context({})))


def test_toggle_is_registered_under_both_names_and_needs_a_trigger() -> None:
    assert task_class("io.kestra.plugin.core.trigger.Toggle") is Toggle
    assert task_class("io.kestra.core.tasks.trigger.Toggle") is Toggle
    with pytest.raises(ValidationError, match="trigger"):
        toggle()
