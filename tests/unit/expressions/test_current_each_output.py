"""currentEachOutput(outputs.t): the output of task t for the loop values of the current task run."""

from __future__ import annotations

from typing import Any

import pytest

from flowmesh.expressions import ExpressionError, render
from flowmesh.values import from_struct
from tests.unit.engine.harness import render_format, run_flow

# Variables as the executor gives a task run two loops deep (`parents` nearest first):
# 1_each (no value) > 1-1_each at v11 > 1-1-1_each at v21 > this task run at v32.
NESTED: dict[str, Any] = {
    "outputs": {
        "out": {
            "v11": {"v21": {"v31": {"value": "a"}, "v32": {"value": "b"}}, "v22": {"v32": {"value": "c"}}},
            "v12": {"v21": {"v32": {"value": "d"}}},
        },
    },
    "parents": [{"taskrun": {"value": "v21"}}, {"taskrun": {"value": "v11"}}, {"outputs": {"x": 1}}],
    "taskrun": {"value": "v32"},
}


def test_it_walks_the_outputs_down_by_the_parents_values_outermost_first_then_the_task_runs() -> None:
    assert render("{{ currentEachOutput(outputs.out).value }}", NESTED) == "b"
    assert render("{{ currentEachOutput(outputs=outputs['out']) }}", NESTED) == '{"value":"b"}'


def test_in_one_loop_it_reads_by_the_task_runs_value() -> None:
    variables = {
        "outputs": {"out": {"v41": {"value": "x"}, "v42": {"value": "y"}}},
        "parents": [],
        "taskrun": {"value": "v42"},
    }

    assert render("{{ currentEachOutput(outputs.out).value }}", variables) == "y"


def test_a_loop_value_with_no_output_yet_gives_null() -> None:
    missing_parent = {**NESTED, "parents": [{"taskrun": {"value": "v29"}}, {"taskrun": {"value": "v11"}}]}
    missing_leaf = {**NESTED, "taskrun": {"value": "v39"}}

    for variables in (missing_parent, missing_leaf):
        assert render("{{ currentEachOutput(outputs.out) ?? 'none' }}", variables) == "none"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ currentEachOutput() }}", "expects an argument 'outputs'"),
        ("{{ currentEachOutput(null) }}", "expects an argument 'outputs'"),
        ("{{ currentEachOutput('text') }}", "expects an argument 'outputs' with type map"),
        ("{{ currentEachOutput(outputs.nope) }}", "Unable to find `nope`"),
    ],
)
def test_a_missing_or_wrong_argument_fails(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, NESTED)


def test_outside_a_task_run_it_fails() -> None:
    with pytest.raises(ExpressionError, match="needs a task run"):
        render("{{ currentEachOutput(outputs.out) }}", {"outputs": NESTED["outputs"]})


# Kestra's current-output.yaml (CurrentEachOutputFunctionTest), three loops deep and one.
LOOPS = """
id: current-output
namespace: io.kestra.tests
tasks:
  - id: 1_each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["v11", "v12"]'
    tasks:
      - id: 1-1_each
        type: io.kestra.plugin.core.flow.ForEach
        values: '["v21", "v22"]'
        tasks:
          - id: 1-1-1_each
            type: io.kestra.plugin.core.flow.ForEach
            values: '["v31", "v32"]'
            tasks:
              - id: 1-1-1_output
                type: io.kestra.plugin.core.debug.Return
                format: "{{ parents[1].taskrun.value }}-{{ parents[0].taskrun.value }}-{{ taskrun.value }}"
              - id: 1-1-1_return
                type: io.kestra.plugin.core.debug.Return
                format: "return-{{ currentEachOutput(outputs['1-1-1_output']).value }}"
  - id: 2_each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["v41", "v42"]'
    tasks:
      - id: 2-1_output
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
      - id: 2-1_return
        type: io.kestra.plugin.core.debug.Return
        format: "return-{{ currentEachOutput(outputs['2-1_output']).value }}"
"""


def test_in_a_flow_each_iteration_reads_its_own_output_through_the_executors_variables() -> None:
    execution, _ = run_flow(LOOPS, worker=render_format)

    values: dict[str, set[str]] = {}
    for run in execution.task_runs:
        if run.task_id.endswith("_return"):
            values.setdefault(run.task_id, set()).add(from_struct(run.outputs)["value"])
    loops = [(a, b, c) for a in ("v11", "v12") for b in ("v21", "v22") for c in ("v31", "v32")]
    assert values == {
        "1-1-1_return": {f"return-{a}-{b}-{c}" for a, b, c in loops},
        "2-1_return": {"return-v41", "return-v42"},
    }
