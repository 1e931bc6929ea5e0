"""How an execution ends: `finally` tasks, flow `outputs` and `afterExecution` tasks."""

from __future__ import annotations

from typing import Any

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import apply_update, pending_jobs, state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct
from tests.unit.engine.harness import T0, Logs, Outcome, render_format, run_flow

HEAD = "id: f\nnamespace: company.team\n"
FAILED = StateType.STATE_TYPE_FAILED
SUCCESS = StateType.STATE_TYPE_SUCCESS


def runs(execution: Execution) -> list[tuple[str, str]]:
    return [(run.task_id, state_name(run.state.current)) for run in execution.task_runs]


class Recorder:
    """A worker that fails the given tasks and records the execution state each job saw."""

    def __init__(self, *failing: str) -> None:
        self.failing = failing
        self.seen: dict[str, str] = {}

    def __call__(self, job: WorkerJob) -> Outcome:
        self.seen[job.task_id] = from_struct(job.variables)["execution"]["state"]
        if job.task_id in self.failing:
            return FAILED, {}
        return render_format(job)


def ret(task_id: str, value: str = "x", extra: str = "") -> str:
    return f"  - {{id: {task_id}, type: io.kestra.plugin.core.debug.Return, format: '{value}'{extra}}}\n"


# finally


def test_finally_runs_after_the_tasks_while_the_execution_still_runs() -> None:
    worker = Recorder()
    execution, jobs = run_flow(
        HEAD + "tasks:\n" + ret("a") + ret("b") + "finally:\n" + ret("c"), worker=worker
    )

    assert [job.task_id for job in jobs] == ["a", "b", "c"]
    assert worker.seen["c"] == "RUNNING"
    assert state_name(execution.state.current) == "SUCCESS"


def test_finally_runs_after_errors_and_every_finally_task_runs_when_one_fails() -> None:
    flow = HEAD + "tasks:\n" + ret("a") + "errors:\n" + ret("e") + "finally:\n" + ret("c1") + ret("c2")

    execution, jobs = run_flow(flow, worker=Recorder("a", "c1"))

    assert [job.task_id for job in jobs] == ["a", "e", "c1", "c2"]
    assert runs(execution) == [("a", "FAILED"), ("e", "SUCCESS"), ("c1", "FAILED"), ("c2", "SUCCESS")]
    assert state_name(execution.state.current) == "FAILED"


def test_a_failing_finally_task_fails_the_execution_unless_allowed() -> None:
    failing, _ = run_flow(HEAD + "tasks:\n" + ret("a") + "finally:\n" + ret("c"), worker=Recorder("c"))
    allowed, _ = run_flow(
        HEAD + "tasks:\n" + ret("a") + "finally:\n" + ret("c", extra=", allowFailure: true"),
        worker=Recorder("c"),
    )

    assert state_name(failing.state.current) == "FAILED"
    assert state_name(allowed.state.current) == "WARNING"


def test_disabled_finally_tasks_do_not_run() -> None:
    execution, jobs = run_flow(
        HEAD + "tasks:\n" + ret("a") + "finally:\n" + ret("c", extra=", disabled: true")
    )

    assert [job.task_id for job in jobs] == ["a"]
    assert state_name(execution.state.current) == "SUCCESS"


# outputs


def test_outputs_are_rendered_as_their_types_when_the_execution_ends() -> None:
    flow = (
        HEAD
        + "tasks:\n"
        + ret("a", "{{ flow.id }}")
        + """\
outputs:
  - {id: map, type: STRING, value: "{{ outputs.a }}"}
  - {id: list, type: ARRAY, value: ["{{ outputs.a.value }}", two]}
  - {id: number, type: INT, value: "{{ 40 + 2 }}", description: the answer, displayName: Answer}
"""
    )
    execution, _ = run_flow(flow, worker=render_format)

    assert state_name(execution.state.current) == "SUCCESS"
    assert from_struct(execution.outputs) == {"map": '{"value":"f"}', "list": ["f", "two"], "number": 42}


def test_outputs_that_cannot_be_rendered_fail_the_execution_with_no_outputs() -> None:
    flow = (
        HEAD
        + "tasks:\n"
        + ret("a")
        + "outputs:\n  - {id: o, type: STRING, value: '{{ outputs.nope.value }}'}\n"
    )
    logs: Logs = {}

    execution, _ = run_flow(flow, logs=logs)

    assert state_name(execution.state.current) == "FAILED"
    assert not execution.HasField("outputs")
    assert "Failed to render output values" in logs[""][0][1]


def test_an_output_value_that_does_not_fit_its_type_fails_the_execution() -> None:
    flow = HEAD + "tasks:\n" + ret("a") + "outputs:\n  - {id: o, type: INT, value: '{{ outputs.a.value }}'}\n"

    execution, _ = run_flow(flow)

    assert state_name(execution.state.current) == "FAILED"
    assert from_struct(execution.outputs) == {}


# afterExecution


def test_after_execution_tasks_run_once_the_state_is_final_and_do_not_change_it() -> None:
    flow = (
        HEAD
        + "tasks:\n"
        + ret("a")
        + "afterExecution:\n"
        + ret("on-failure", extra=", runIf: \"{{ execution.state == 'FAILED' }}\"")
        + ret("on-success", extra=", runIf: \"{{ execution.state == 'SUCCESS' }}\"")
        + ret("broken")
    )
    worker = Recorder("a", "broken")

    execution, jobs = run_flow(flow, worker=worker)

    assert [job.task_id for job in jobs] == ["a", "on-failure", "broken"]
    assert worker.seen["on-failure"] == "FAILED"
    assert runs(execution) == [
        ("a", "FAILED"),
        ("on-failure", "SUCCESS"),
        ("on-success", "SKIPPED"),
        ("broken", "FAILED"),
    ]
    assert state_name(execution.state.current) == "FAILED"
    assert [h.state for h in execution.state.histories][-1] == FAILED


def test_an_ended_execution_hears_only_about_its_after_execution_task_runs() -> None:
    flow = parse_flow(HEAD + "tasks:\n" + ret("a") + ret("b") + "afterExecution:\n" + ret("z"))
    ended = _ended_with_after_execution_pending(flow)
    after = next(run for run in ended.task_runs if run.task_id == "z")
    main = next(run for run in ended.task_runs if run.task_id == "a")

    assert [job.task_id for job in pending_jobs(ended, flow)] == ["z"]
    ignored = apply_update(ended, _update(main.id, SUCCESS, attempt=2), flow, T0)
    applied = apply_update(ended, _update(after.id, SUCCESS), flow, T0)

    assert not ignored.changed
    assert applied.changed
    assert runs(applied.execution)[-1] == ("z", "SUCCESS")
    assert state_name(applied.execution.state.current) == "SUCCESS"
    assert pending_jobs(applied.execution, flow) == []


def _ended_with_after_execution_pending(flow: Any) -> Execution:
    """Run flow until its main tasks have ended, its afterExecution task created."""
    from flowmesh.engine import new_execution, start

    execution = new_execution(
        execution_id="e1", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )
    decision = start(execution, flow, T0)
    for task_id in ("a", "b"):
        run = next(run for run in decision.execution.task_runs if run.task_id == task_id)
        decision = apply_update(decision.execution, _update(run.id, SUCCESS), flow, T0)
    assert state_name(decision.execution.state.current) == "SUCCESS"
    assert [job.task_id for job in decision.jobs] == ["z"]
    return decision.execution


def _update(task_run_id: str, state: StateType.ValueType, attempt: int = 1) -> TaskRunUpdate:
    return TaskRunUpdate(execution_id="e1", task_run_id=task_run_id, attempt=attempt, state=state)
