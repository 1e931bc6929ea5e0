"""Execution-updating tasks, applied by the executor: Labels, SetVariables, UnsetVariables, Exit."""

from __future__ import annotations

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.values import from_struct
from tests.unit.engine.harness import Logs, Outcome, render_format, run_flow

HEAD = "id: f\nnamespace: company.team\n"


def runs(execution: Execution) -> list[tuple[str, str]]:
    return [(run.task_id, state_name(run.state.current)) for run in execution.task_runs]


def labels(execution: Execution) -> dict[str, str]:
    return {label.key: label.value for label in execution.labels}


def errors(logs: Logs) -> list[str]:
    return [message for lines in logs.values() for _, message in lines]


# Labels


def test_labels_from_a_map_a_list_and_json_are_merged_into_the_execution_labels() -> None:
    flow = (
        HEAD
        + """\
labels: {team: data, owner: flow}
inputs:
  - {id: key, type: STRING}
tasks:
  - id: map
    type: io.kestra.plugin.core.execution.Labels
    labels: {"{{ inputs.key }}": "{{ flow.id }}", owner: task}
  - id: list
    type: io.kestra.core.tasks.executions.Labels
    labels:
      - {key: listed, value: 7}
  - id: json
    type: io.kestra.plugin.core.execution.Labels
    labels: '{"fromJson": "yes"}'
  - {id: after, type: io.kestra.plugin.core.debug.Return, format: "{{ labels.dynamic }}"}
"""
    )
    execution, jobs = run_flow(flow, inputs={"key": "dynamic"}, worker=render_format)

    assert [job.task_id for job in jobs] == ["after"]  # the executor applies Labels itself
    assert runs(execution) == [
        ("map", "SUCCESS"),
        ("list", "SUCCESS"),
        ("json", "SUCCESS"),
        ("after", "SUCCESS"),
    ]
    assert labels(execution) == {
        "team": "data",
        "owner": "task",
        "system.correlationId": "exec1",
        "dynamic": "f",
        "listed": "7",
        "fromJson": "yes",
    }
    assert from_struct(execution.task_runs[3].outputs) == {"value": "f"}


def test_labels_that_are_not_labels_or_system_labels_fail_the_task() -> None:
    for value, message in (
        ("'not json'", "labels: expected a map"),
        ("{system.mine: x}", "System labels can only be set by Kestra itself"),
    ):
        logs: Logs = {}
        flow = (
            HEAD + f"tasks:\n  - {{id: l, type: io.kestra.plugin.core.execution.Labels, labels: {value}}}\n"
        )

        execution, _ = run_flow(flow, logs=logs)

        assert runs(execution) == [("l", "FAILED")]
        assert state_name(execution.state.current) == "FAILED"
        assert message in errors(logs)[0]


# SetVariables, UnsetVariables


def test_set_variables_are_seen_by_later_tasks_as_vars_and_unset_removes_them() -> None:
    flow = (
        HEAD
        + """\
variables: {greeting: hello}
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.SetVariables
    variables: {name: "{{ flow.id }}", greeting: hi}
  - {id: seen, type: io.kestra.plugin.core.debug.Return, format: "{{ vars.greeting }} {{ vars.name }}"}
  - id: unset
    type: io.kestra.plugin.core.execution.UnsetVariables
    variables: [name, greeting]
  - id: gone
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.greeting }} {{ vars.name ?? 'none' }}"
"""
    )
    execution, jobs = run_flow(flow, worker=render_format)

    assert [job.task_id for job in jobs] == ["seen", "gone"]
    assert [from_struct(run.outputs).get("value") for run in execution.task_runs] == [
        None,
        "hi f",
        None,
        "hello none",
    ]
    assert from_struct(execution.variables) == {}
    assert state_name(execution.state.current) == "SUCCESS"


def test_set_variables_without_overwrite_fails_on_a_variable_that_exists() -> None:
    flow = (
        HEAD
        + """\
variables: {greeting: hello}
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.SetVariables
    variables: {greeting: hi}
    overwrite: false
"""
    )
    logs: Logs = {}
    execution, _ = run_flow(flow, logs=logs)

    assert runs(execution) == [("set", "FAILED")]
    assert errors(logs) == ["`greeting` is already set and `overwrite` is false"]


def test_unset_variables_fails_on_missing_ones_unless_told_to_ignore_them() -> None:
    def flow(extra: str) -> str:
        return (
            HEAD
            + "variables: {fixed: 1}\ntasks:\n"
            + "  - id: u\n    type: io.kestra.plugin.core.execution.UnsetVariables\n"
            + f"    variables: [nope]\n{extra}"
        )

    logs: Logs = {}
    missing, _ = run_flow(flow(""), logs=logs)
    ignored, _ = run_flow(flow("    ignoreMissing: true\n"))
    fixed, _ = run_flow(flow("").replace("[nope]", "[fixed]"))

    assert runs(missing) == [("u", "FAILED")]
    assert errors(logs) == ["`nope` is not set and `ignoreMissing` is false"]
    assert runs(ignored) == [("u", "SUCCESS")]
    assert runs(fixed) == [("u", "FAILED")]  # a flow variable cannot be unset


# Exit


def test_exit_ends_the_execution_in_its_state_and_nothing_after_it_runs() -> None:
    for state, expected in (
        ("SUCCESS", "SUCCESS"),
        ("WARNING", "WARNING"),
        ("FAILED", "FAILED"),
        ("CANCELED", "CANCELLED"),
    ):
        flow = (
            HEAD
            + f"""\
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - {{id: exit, type: io.kestra.plugin.core.execution.Exit, state: {state}}}
      - {{id: never, type: io.kestra.plugin.core.debug.Return, format: x}}
  - {{id: nor, type: io.kestra.plugin.core.debug.Return, format: x}}
finally:
  - {{id: cleanup, type: io.kestra.plugin.core.debug.Return, format: x}}
afterExecution:
  - {{id: notify, type: io.kestra.plugin.core.debug.Return, format: "{{{{ execution.state }}}}"}}
"""
        )
        execution, jobs = run_flow(flow, worker=render_format)

        assert state_name(execution.state.current) == expected
        assert runs(execution) == [("seq", expected), ("exit", expected), ("notify", "SUCCESS")]
        assert [job.task_id for job in jobs] == ["notify"]
        assert from_struct(execution.task_runs[2].outputs) == {"value": expected}


def test_exit_kills_the_task_runs_still_running_and_drops_their_jobs() -> None:
    flow = (
        HEAD
        + """\
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {id: slow, type: io.kestra.plugin.core.debug.Return, format: x}
      - {id: stop, type: io.kestra.plugin.core.execution.Exit, state: KILLED}
      - {id: late, type: io.kestra.plugin.core.debug.Return, format: x}
"""
    )
    execution, jobs = run_flow(flow)

    assert jobs == []
    assert runs(execution) == [("par", "KILLED"), ("slow", "KILLED"), ("stop", "KILLED")]
    assert state_name(execution.state.current) == "KILLED"


def test_exit_with_an_unknown_state_fails_its_task_run() -> None:
    logs: Logs = {}
    flow = HEAD + "tasks:\n  - {id: x, type: io.kestra.plugin.core.execution.Exit, state: DONE}\n"

    execution, _ = run_flow(flow, logs=logs)

    assert runs(execution) == [("x", "FAILED")]
    assert "state: must be one of SUCCESS, WARNING, KILLED, FAILED, CANCELED" in errors(logs)[0]


def test_exit_after_the_execution_has_ended_fails_and_changes_nothing() -> None:
    def worker(job: WorkerJob) -> Outcome:
        return StateType.STATE_TYPE_SUCCESS, {}

    flow = (
        HEAD
        + "tasks:\n  - {id: a, type: io.kestra.plugin.core.debug.Return, format: x}\n"
        + "afterExecution:\n  - {id: x, type: io.kestra.plugin.core.execution.Exit, state: FAILED}\n"
        + "  - {id: y, type: io.kestra.plugin.core.debug.Return, format: x}\n"
    )
    logs: Logs = {}
    execution, _ = run_flow(flow, worker=worker, logs=logs)

    assert runs(execution) == [("a", "SUCCESS"), ("x", "FAILED"), ("y", "SUCCESS")]
    assert state_name(execution.state.current) == "SUCCESS"
    assert errors(logs) == ["Exit cannot change the state of an execution that has ended"]
