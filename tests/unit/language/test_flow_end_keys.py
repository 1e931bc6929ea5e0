"""The flow keys read at an execution's end: finally, afterExecution and outputs."""

from __future__ import annotations

import pytest

from flowmesh.language import FlowInvalid, Output, parse_flow, typed_output

HEAD = (
    "id: f\nnamespace: company.team\n"
    "tasks:\n  - {id: a, type: io.kestra.plugin.core.debug.Return, format: x}\n"
)


def messages(source: str) -> list[str]:
    with pytest.raises(FlowInvalid) as raised:
        parse_flow(source)
    return [str(violation) for violation in raised.value.violations]


def test_finally_after_execution_and_outputs_are_read() -> None:
    flow = parse_flow(
        HEAD
        + "finally:\n  - {id: b, type: io.kestra.plugin.core.log.Log, message: bye}\n"
        + "afterExecution:\n  - id: c\n    type: io.kestra.plugin.core.flow.Sequential\n"
        + "    tasks:\n      - {id: d, type: io.kestra.plugin.core.log.Log, message: done}\n"
        + "outputs:\n  - {id: o, type: STRING, value: '{{ outputs.a.value }}', displayName: O}\n"
    )

    assert [task.id for task in flow.finally_tasks] == ["b"]
    assert [task.id for task in flow.after_execution] == ["c"]
    assert flow.after_execution_ids() == {"c", "d"}
    assert flow.task("d").id == "d"
    assert flow.outputs == [Output(id="o", type="STRING", value="{{ outputs.a.value }}", display_name="O")]


def test_task_ids_are_unique_across_tasks_finally_and_after_execution() -> None:
    source = (
        HEAD
        + "finally:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: x}\n"
        + "afterExecution:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: x}\n"
    )

    assert messages(source) == ["line 1, column 1: Invalid Flow: Duplicate task id with name [a]"]


def test_outputs_are_validated() -> None:
    source = (
        HEAD
        + "outputs:\n"
        + "  - {id: o, type: NOPE, value: x}\n"
        + "  - {id: p, type: STRING}\n"
        + "  - {id: q, type: STRING, value: x, extra: 1}\n"
        + "  - {id: r, type: INT, value: 1}\n"
        + "  - {id: r, type: INT, value: 2}\n"
    )

    found = messages(source)

    assert any("outputs[0].type: must be one of STRING" in message for message in found)
    assert any("outputs[1].value: must not be null" in message for message in found)
    assert any('outputs[2].extra: Unrecognized field "extra"' in message for message in found)
    assert any("Duplicate output with name [r]" in message for message in found)


def test_finally_on_a_flowable_task_is_refused() -> None:
    source = (
        HEAD
        + "  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n"
        + "    tasks:\n      - {id: b, type: io.kestra.plugin.core.log.Log, message: x}\n"
        + "    finally:\n      - {id: c, type: io.kestra.plugin.core.log.Log, message: x}\n"
    )

    assert any('Unrecognized field "finally"' in message for message in messages(source))


def test_output_values_are_typed() -> None:
    assert typed_output(Output(id="o", type="STRING", value=""), {"a": [1]}) == '{"a":[1]}'
    assert typed_output(Output(id="o", type="INT", value=""), "42") == 42
    assert typed_output(Output(id="o", type="BOOLEAN", value="", required=False), None) is None
    with pytest.raises(ValueError, match="Missing required output value 'o'"):
        typed_output(Output(id="o", type="STRING", value=""), None)
    with pytest.raises(ValueError, match="output 'o'"):
        typed_output(Output(id="o", type="INT", value=""), "many")
