"""The flowable core tasks decided by the executor: If, Switch, AllowFailure, loops and Dag."""

from __future__ import annotations

from typing import Any

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowInvalid, parse_flow
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.values import from_struct
from tests.unit.engine.harness import Logs, Outcome, render_format, run_flow

HEAD = "id: f\nnamespace: company.team\n"


def runs(execution: Execution) -> list[tuple[str, str, str]]:
    """Return (task id, value, state) of each task run, in creation order."""
    return [(run.task_id, run.value, state_name(run.state.current)) for run in execution.task_runs]


def fail_on(*task_ids: str) -> Any:
    def worker(job: WorkerJob) -> Outcome:
        if job.task_id in task_ids:
            return StateType.STATE_TYPE_FAILED, {}
        return render_format(job)

    return worker


def test_if_runs_then_when_the_condition_is_truthy_and_else_otherwise() -> None:
    flow = (
        HEAD
        + """\
inputs:
  - id: go
    type: STRING
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.go }}"
    then:
      - {id: then, type: io.kestra.plugin.core.debug.Return, format: y}
    else:
      - {id: else, type: io.kestra.plugin.core.debug.Return, format: n}
"""
    )
    for given, chosen in (
        ("true", "then"),
        ("1", "then"),
        ("false", "else"),
        ("0", "else"),
        ("-0", "else"),
        ("", "else"),
    ):
        execution, _ = run_flow(flow, inputs={"go": given})
        assert runs(execution) == [("if", "", "SUCCESS"), (chosen, "", "SUCCESS")], given


def test_a_condition_that_cannot_render_fails_the_task_run_and_says_why() -> None:
    logs: Logs = {}
    execution, jobs = run_flow(
        HEAD
        + """\
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ nothing }}"
    then:
      - {id: then, type: io.kestra.plugin.core.debug.Return, format: y}
""",
        logs=logs,
    )

    assert jobs == []
    assert runs(execution) == [("if", "", "FAILED")]
    assert state_name(execution.state.current) == "FAILED"
    [(level, message)] = logs[execution.task_runs[0].id]
    assert level == "ERROR"
    assert message.startswith("Unable to find `nothing` used in the expression `{{ nothing }}`")


SWITCH = (
    HEAD
    + """\
inputs:
  - id: v
    type: STRING
tasks:
  - id: s
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.v }}"
    cases:
      A:
        - {id: a, type: io.kestra.plugin.core.debug.Return, format: a}
      1:
        - {id: one, type: io.kestra.plugin.core.debug.Return, format: one}
    defaults:
      - {id: other, type: io.kestra.plugin.core.debug.Return, format: other}
"""
)


@pytest.mark.parametrize(
    ("given", "chosen", "default"), [("A", "a", False), ("1", "one", False), ("B", "other", True)]
)
def test_switch_runs_the_matching_case_or_the_defaults_and_outputs_its_choice(
    given: str, chosen: str, default: bool
) -> None:
    execution, _ = run_flow(SWITCH, inputs={"v": given})

    assert runs(execution) == [("s", "", "SUCCESS"), (chosen, "", "SUCCESS")]
    assert from_struct(execution.task_runs[0].outputs) == {"value": given, "defaults": default}


def test_switch_without_a_match_nor_defaults_fails() -> None:
    logs: Logs = {}
    source = SWITCH.split("    defaults:")[0]
    execution, _ = run_flow(source, inputs={"v": "Z"}, logs=logs)

    assert runs(execution) == [("s", "", "FAILED")]
    assert "No case matches the value `Z`" in logs[execution.task_runs[0].id][0][1]


def test_a_switch_without_any_task_is_refused() -> None:
    with pytest.raises(FlowInvalid, match="s: No task defined, neither cases or default have any tasks"):
        parse_flow(HEAD + "tasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Switch\n    value: x\n")


def test_allow_failure_ends_warning_after_its_errors_and_the_flow_goes_on() -> None:
    execution, _ = run_flow(
        HEAD
        + """\
tasks:
  - id: allow
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - {id: ko, type: io.kestra.plugin.core.execution.Fail}
      - {id: never, type: io.kestra.plugin.core.debug.Return, format: x}
    errors:
      - {id: handle, type: io.kestra.plugin.core.debug.Return, format: h}
  - {id: after, type: io.kestra.plugin.core.debug.Return, format: a}
""",
        worker=fail_on("ko"),
    )

    assert runs(execution) == [
        ("allow", "", "WARNING"),
        ("ko", "", "FAILED"),
        ("handle", "", "SUCCESS"),
        ("after", "", "SUCCESS"),
    ]
    assert state_name(execution.state.current) == "WARNING"


FOREACH = (
    HEAD
    + """\
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: {values}
    concurrencyLimit: {limit}
    tasks:
      - {{id: first, type: io.kestra.plugin.core.debug.Return, format: "{{{{ taskrun.value }}}}"}}
      - id: second
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ outputs.first[taskrun.value].value }}}}!"
"""
)


def test_for_each_runs_its_tasks_per_value_one_value_after_the_other_by_default() -> None:
    execution, jobs = run_flow(FOREACH.format(values='["a", "b"]', limit=1), worker=render_format)

    assert runs(execution) == [
        ("each", "", "SUCCESS"),
        ("first", "a", "SUCCESS"),
        ("second", "a", "SUCCESS"),
        ("first", "b", "SUCCESS"),
        ("second", "b", "SUCCESS"),
    ]
    assert [from_struct(job.variables)["taskrun"]["value"] for job in jobs] == ["a", "a", "b", "b"]
    assert from_struct(execution.task_runs[4].outputs) == {"value": "b!"}


def test_for_each_reads_a_json_string_and_runs_values_side_by_side_up_to_the_limit() -> None:
    execution, jobs = run_flow(FOREACH.format(values="'[1, 2, 3]'", limit=2), worker=render_format)

    # The first job of values 1 and 2 start together; 3 waits for a value to end.
    assert [(job.task_id, from_struct(job.variables)["taskrun"]["value"]) for job in jobs][:2] == [
        ("first", "1"),
        ("first", "2"),
    ]
    assert len(execution.task_runs) == 7
    assert state_name(execution.state.current) == "SUCCESS"


def test_for_each_with_no_limit_starts_every_value_at_once() -> None:
    execution, _ = run_flow(FOREACH.format(values='["a", "b", "c"]', limit=0))
    started = [run.value for run in execution.task_runs if run.task_id == "first"]

    assert started == ["a", "b", "c"]
    assert [run.task_id for run in execution.task_runs][:4] == ["each", "first", "first", "first"]


def test_for_each_over_an_empty_list_has_only_its_own_task_run() -> None:
    execution, _ = run_flow(FOREACH.format(values="[]", limit=1))

    assert runs(execution) == [("each", "", "SUCCESS")]


def test_for_each_with_null_values_fails_saying_so_as_kestra_does() -> None:
    logs: Logs = {}
    execution, _ = run_flow(FOREACH.format(values='\'[1, null, {"k": "v"}]\'', limit=1), logs=logs)

    assert runs(execution) == [("each", "", "FAILED")]
    assert logs[execution.task_runs[0].id] == [
        ("ERROR", "Found '1' null values on Each, with values=[1, null, {k=v}]")
    ]


def test_a_failed_value_stops_the_loop() -> None:
    execution, _ = run_flow(FOREACH.format(values='["a", "b"]', limit=1), worker=fail_on("second"))

    assert runs(execution) == [
        ("each", "", "FAILED"),
        ("first", "a", "SUCCESS"),
        ("second", "a", "FAILED"),
    ]


def test_nested_loops_key_outputs_by_value_and_show_parents() -> None:
    execution, jobs = run_flow(
        HEAD
        + """\
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.EachSequential
    value: ["x", "y"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: '["1", "2"]'
        tasks:
          - id: seq
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - {id: leaf, type: io.kestra.plugin.core.debug.Return, format: "{{ parent.taskrun.value }}"}
  - {id: last, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.leaf.y['2'].value }}"}
""",
        worker=render_format,
    )

    leaf = [job for job in jobs if job.task_id == "leaf"][-1]
    seen = from_struct(leaf.variables)
    assert seen["taskrun"]["value"] is None
    assert seen["parent"] == {"taskrun": {"value": "2"}}
    assert seen["parents"] == [{"taskrun": {"value": "2"}}, {"taskrun": {"value": "y"}}]
    assert from_struct(execution.task_runs[-1].outputs) == {"value": "2"}


def test_each_parallel_runs_every_task_of_every_value_together() -> None:
    execution, _ = run_flow(
        HEAD
        + """\
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: [1, 2]
    tasks:
      - {id: a, type: io.kestra.plugin.core.debug.Return, format: x}
      - {id: b, type: io.kestra.plugin.core.debug.Return, format: x}
"""
    )

    assert [(task_id, value) for task_id, value, _ in runs(execution)] == [
        ("each", ""),
        ("a", "1"),
        ("b", "1"),
        ("a", "2"),
        ("b", "2"),
    ]


DAG = (
    HEAD
    + """\
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: d, type: io.kestra.plugin.core.debug.Return, format: x}
        dependsOn: [b, c]
      - task: {id: a, type: io.kestra.plugin.core.debug.Return, format: x}
      - task: {id: b, type: io.kestra.plugin.core.debug.Return, format: x}
        dependsOn: [a]
      - task: {id: c, type: io.kestra.plugin.core.debug.Return, format: x}
        dependsOn: [a]
"""
)


def test_dag_starts_each_task_once_its_dependencies_succeeded() -> None:
    execution, jobs = run_flow(DAG)

    assert [job.task_id for job in jobs] == ["a", "b", "c", "d"]
    assert state_name(execution.state.current) == "SUCCESS"


def test_dag_starts_nothing_after_a_dependency_failed() -> None:
    execution, _ = run_flow(DAG, worker=fail_on("b"))

    assert runs(execution) == [
        ("dag", "", "FAILED"),
        ("a", "", "SUCCESS"),
        ("b", "", "FAILED"),
        ("c", "", "SUCCESS"),
    ]


@pytest.mark.parametrize(
    ("depends", "message"),
    [
        ("[b]", "dag: Cyclic dependency detected: a, b"),
        ("[nowhere]", "dag: Not existing task id in dependency: nowhere"),
    ],
)
def test_dag_refuses_cycles_and_unknown_dependencies(depends: str, message: str) -> None:
    source = DAG.replace(
        "task: {id: a, type: io.kestra.plugin.core.debug.Return, format: x}",
        "task: {id: a, type: io.kestra.plugin.core.debug.Return, format: x}\n        dependsOn: " + depends,
    )

    with pytest.raises(FlowInvalid) as caught:
        parse_flow(source)

    assert [violation.message for violation in caught.value.violations] == [message]
