"""pluginDefaults and taskDefaults: default task properties by type, forced or not, nested tasks too."""

from __future__ import annotations

import textwrap

import pytest

from flowmesh.language import FlowInvalid, parse_flow

LOG = "io.kestra.plugin.core.log.Log"


def parse(text: str) -> object:
    return parse_flow("id: f\nnamespace: n\n" + textwrap.dedent(text))


def messages(text: str) -> dict[str, str]:
    flow = parse(text)
    return {task.id: task.message for task in flow.all_tasks() if hasattr(task, "message")}  # type: ignore[attr-defined]


def test_defaults_fill_in_what_the_task_does_not_set() -> None:
    found = messages(
        f"""\
        pluginDefaults:
          - type: {LOG}
            values:
              message: from defaults
              level: WARN
        tasks:
          - id: a
            type: {LOG}
          - id: b
            type: {LOG}
            message: own
        """
    )
    assert found == {"a": "from defaults", "b": "own"}


def test_forced_defaults_win_over_the_task() -> None:
    flow = parse(
        f"""\
        pluginDefaults:
          - type: {LOG}
            forced: true
            values:
              message: forced
        tasks:
          - id: a
            type: {LOG}
            message: own
        """
    )
    assert flow.tasks[0].message == "forced"  # type: ignore[attr-defined]


def test_a_prefix_matches_every_type_under_it_and_aliases_count() -> None:
    found = messages(
        """\
        pluginDefaults:
          - type: io.kestra.plugin.core.log
            values:
              message: by prefix
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
          - id: b
            type: io.kestra.core.tasks.log.Log
        """
    )
    assert found == {"a": "by prefix", "b": "by prefix"}


def test_other_types_are_left_alone() -> None:
    with pytest.raises(FlowInvalid, match=r"tasks\[0\].message: must not be null"):
        parse(
            f"""\
            pluginDefaults:
              - type: io.kestra.plugin.core.debug
                values:
                  message: nope
            tasks:
              - id: a
                type: {LOG}
            """
        )


def test_nested_tasks_and_errors_get_defaults_too() -> None:
    found = messages(
        f"""\
        taskDefaults:
          - type: {LOG}
            values:
              message: deprecated spelling
        tasks:
          - id: seq
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: inner
                type: {LOG}
        errors:
          - id: failed
            type: {LOG}
        """
    )
    assert found == {"inner": "deprecated spelling", "failed": "deprecated spelling"}


def test_later_entries_win_and_maps_merge_key_by_key() -> None:
    from flowmesh.language._defaults import PluginDefault, PluginDefaults

    defaults = PluginDefaults(
        (
            PluginDefault("a.B", {"x": 1, "m": {"k": 1, "j": 1}}),
            PluginDefault("a.B", {"x": 2}),
            PluginDefault("a", {"m": {"k": 3}}, forced=True),
        )
    )
    assert defaults.apply(("a.B",), {"m": {"j": 2, "i": 2}}) == {"x": 2, "m": {"k": 3, "j": 2, "i": 2}}


def test_bad_defaults_are_reported_where_they_are() -> None:
    with pytest.raises(FlowInvalid) as caught:
        parse(
            f"""\
            pluginDefaults:
              - forced: maybe
                values: []
                other: 1
              - 3
            tasks:
              - id: a
                type: {LOG}
                message: hi
            """
        )
    assert [(v.path, v.message) for v in caught.value.violations] == [
        ("pluginDefaults[0].other", 'Unrecognized field "other"'),
        ("pluginDefaults[0].type", "must not be null"),
        ("pluginDefaults[0].forced", "must be true or false"),
        ("pluginDefaults[0].values", "must be a map"),
        ("pluginDefaults[1]", "must be a map with type, forced and values"),
    ]
    assert all(v.line for v in caught.value.violations)
