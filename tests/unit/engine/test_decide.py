"""The executor's decision core: what each event decides, and what it must never do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import (
    apply_update,
    apply_updates,
    fail,
    is_terminal,
    new_execution,
    pending_jobs,
    start,
    state_name,
)
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct, to_struct
from tests.unit.engine.harness import run_flow

CREATED = StateType.STATE_TYPE_CREATED
RUNNING = StateType.STATE_TYPE_RUNNING
SUCCESS = StateType.STATE_TYPE_SUCCESS
WARNING = StateType.STATE_TYPE_WARNING
FAILED = StateType.STATE_TYPE_FAILED

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LOG = "io.kestra.plugin.core.log.Log"
RETURN = "io.kestra.plugin.core.debug.Return"
FAIL = "io.kestra.plugin.core.execution.Fail"
SEQUENTIAL = "io.kestra.plugin.core.flow.Sequential"
PARALLEL = "io.kestra.plugin.core.flow.Parallel"


def flow_of(tasks: str, extra: str = "") -> FlowDefinition:
    return parse_flow(f"id: decide\nnamespace: company.team\n{extra}tasks:\n{tasks}")


def ret(task_id: str, indent: int = 2, fmt: str = "", extra: str = "") -> str:
    pad = " " * indent
    line = f"{pad}- id: {task_id}\n{pad}  type: {RETURN}\n{pad}  format: '{fmt or task_id}'\n"
    return line + "".join(f"{pad}  {part}\n" for part in extra.splitlines())


SEQUENCE = flow_of(ret("a") + ret("b") + ret("c"))


class Clock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def begin(
    flow: FlowDefinition, *, inputs: dict[str, Any] | None = None, execution_id: str = "exec1"
) -> tuple[Execution, list[WorkerJob], Clock]:
    clock = Clock()
    created = new_execution(
        execution_id=execution_id,
        tenant_id="main",
        flow=flow,
        flow_revision=3,
        inputs=inputs or {},
        labels={"run": "unit"},
        now=clock(),
    )
    decision = start(created, flow, clock())
    assert decision.changed
    return decision.execution, decision.jobs, clock


def update(
    run_id: str,
    state: StateType.ValueType,
    *,
    attempt: int = 1,
    outputs: dict[str, Any] | None = None,
    worker_id: str = "",
) -> TaskRunUpdate:
    return TaskRunUpdate(
        execution_id="exec1",
        task_run_id=run_id,
        attempt=attempt,
        state=state,
        outputs=to_struct(outputs),
        worker_id=worker_id,
    )


def finish(
    execution: Execution,
    flow: FlowDefinition,
    clock: Clock,
    job: WorkerJob,
    state: StateType.ValueType = SUCCESS,
    outputs: dict[str, Any] | None = None,
) -> tuple[Execution, list[WorkerJob]]:
    """Report RUNNING then state for job's attempt; return the execution and the new jobs."""
    execution = apply_update(
        execution, update(job.task_run_id, RUNNING, attempt=job.attempt), flow, clock()
    ).execution
    decision = apply_update(
        execution, update(job.task_run_id, state, attempt=job.attempt, outputs=outputs), flow, clock()
    )
    return decision.execution, decision.jobs


def run_of(execution: Execution, task_id: str) -> TaskRun:
    (run,) = [run for run in execution.task_runs if run.task_id == task_id]
    return run


def states(execution: Execution) -> dict[str, str]:
    return {run.task_id: state_name(run.state.current) for run in execution.task_runs}


def task_ids(jobs: list[WorkerJob]) -> list[str]:
    return [job.task_id for job in jobs]


# -- creating and starting ------------------------------------------------------------------


def test_new_execution_is_created_with_its_inputs_and_labels() -> None:
    flow = flow_of(ret("a"), extra="labels:\n  team: data\n  run: flow\n")

    execution = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=flow,
        flow_revision=3,
        inputs={"n": 1, "name": "x"},
        labels={"run": "api"},
        now=T0,
    )

    assert execution.state.current == CREATED
    assert [(h.state, h.date.ToDatetime(tzinfo=UTC)) for h in execution.state.histories] == [(CREATED, T0)]
    assert (execution.id, execution.original_id, execution.namespace, execution.flow_id) == (
        "exec1",
        "exec1",
        "company.team",
        "decide",
    )
    assert execution.flow_revision == 3
    assert from_struct(execution.inputs) == {"n": 1, "name": "x"}
    assert {label.key: label.value for label in execution.labels} == {
        "team": "data",
        "run": "api",
        "system.correlationId": "exec1",
    }
    assert list(execution.task_runs) == []


def test_start_runs_the_execution_and_sends_only_the_first_task() -> None:
    execution, jobs, _ = begin(SEQUENCE)

    assert execution.state.current == RUNNING
    assert states(execution) == {"a": "CREATED"}
    assert task_ids(jobs) == ["a"]
    job = jobs[0]
    run = run_of(execution, "a")
    assert (job.execution_id, job.task_run_id, job.attempt, job.namespace, job.flow_id) == (
        "exec1",
        run.id,
        1,
        "company.team",
        "decide",
    )
    assert (job.tenant_id, job.worker_group) == ("main", "default")
    assert from_struct(job.task) == {"id": "a", "type": RETURN, "format": "a"}


def test_start_leaves_an_execution_that_is_not_created_alone() -> None:
    execution, _, clock = begin(SEQUENCE)

    decision = start(execution, SEQUENCE, clock())

    assert decision.execution is execution
    assert (decision.changed, decision.jobs) == (False, [])


# -- sequences ------------------------------------------------------------------------------


def test_a_sequence_sends_a_task_only_after_the_previous_one_ends() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    a = jobs[0]

    running = apply_update(execution, update(a.task_run_id, RUNNING), SEQUENCE, clock())
    assert running.jobs == []
    assert states(running.execution) == {"a": "RUNNING"}

    execution, jobs = finish(running.execution, SEQUENCE, clock, a)
    assert task_ids(jobs) == ["b"]
    assert states(execution) == {"a": "SUCCESS", "b": "CREATED"}

    execution, jobs = finish(execution, SEQUENCE, clock, jobs[0])
    execution, jobs = finish(execution, SEQUENCE, clock, jobs[0])
    assert jobs == []
    assert execution.state.current == SUCCESS
    assert [h.state for h in execution.state.histories] == [CREATED, RUNNING, SUCCESS]


def test_nested_sequentials_run_depth_first_in_order() -> None:
    flow = flow_of(
        f"  - id: outer\n    type: {SEQUENTIAL}\n    tasks:\n"
        + ret("a", 6)
        + f"      - id: inner\n        type: {SEQUENTIAL}\n        tasks:\n"
        + ret("b", 10)
        + ret("c", 10)
        + ret("d", 6)
        + ret("e")
    )

    execution, done = run_flow(flow)

    assert task_ids(done) == ["a", "b", "c", "d", "e"]
    assert execution.state.current == SUCCESS
    assert [run.task_id for run in execution.task_runs] == ["outer", "a", "inner", "b", "c", "d", "e"]
    outer, inner = run_of(execution, "outer"), run_of(execution, "inner")
    assert run_of(execution, "a").parent_task_run_id == outer.id
    assert run_of(execution, "b").parent_task_run_id == inner.id
    assert inner.parent_task_run_id == outer.id
    assert run_of(execution, "e").parent_task_run_id == ""
    assert all(run.state.current == SUCCESS for run in execution.task_runs)


def test_a_flowable_parent_is_running_from_its_creation_and_ends_with_its_children() -> None:
    flow = flow_of(f"  - id: group\n    type: {SEQUENTIAL}\n    tasks:\n" + ret("a", 6))
    execution, jobs, clock = begin(flow)

    assert states(execution) == {"group": "RUNNING", "a": "CREATED"}

    execution, _ = finish(execution, flow, clock, jobs[0])
    assert states(execution) == {"group": "SUCCESS", "a": "SUCCESS"}
    assert execution.state.current == SUCCESS


# -- parallel ---------------------------------------------------------------------------------


def parallel(concurrent: int | None = None, *children: str) -> FlowDefinition:
    limit = f"    concurrent: {concurrent}\n" if concurrent is not None else ""
    body = "".join(ret(child, 6) for child in children)
    return flow_of(f"  - id: par\n    type: {PARALLEL}\n{limit}    tasks:\n{body}" + ret("after"))


def test_parallel_starts_all_its_children_at_once() -> None:
    flow = parallel(None, "a", "b", "c", "d")

    execution, jobs, clock = begin(flow)

    assert task_ids(jobs) == ["a", "b", "c", "d"]
    assert states(execution) == {
        "par": "RUNNING",
        "a": "CREATED",
        "b": "CREATED",
        "c": "CREATED",
        "d": "CREATED",
    }
    # The next task waits for all of them, whatever order they end in.
    for job in reversed(jobs[1:]):
        execution, more = finish(execution, flow, clock, job)
        assert more == []
    execution, more = finish(execution, flow, clock, jobs[0])
    assert task_ids(more) == ["after"]
    assert run_of(execution, "par").state.current == SUCCESS


def test_parallel_concurrent_limits_how_many_children_run_at_once() -> None:
    flow = parallel(2, "a", "b", "c", "d", "e")
    execution, jobs, clock = begin(flow)
    assert task_ids(jobs) == ["a", "b"]

    execution, more = finish(execution, flow, clock, jobs[1])
    assert task_ids(more) == ["c"]
    execution, more = finish(execution, flow, clock, more[0])
    assert task_ids(more) == ["d"]
    execution, more_after_a = finish(execution, flow, clock, jobs[0])
    assert task_ids(more_after_a) == ["e"]
    assert sum(not is_terminal(run.state.current) for run in execution.task_runs if run.task_id != "par") == 2


def test_parallel_concurrency_never_exceeds_the_limit_over_a_whole_run() -> None:
    flow = parallel(3, *[f"t{i}" for i in range(8)])
    in_flight: set[str] = set()
    widest = 0

    def worker(job: WorkerJob) -> tuple[StateType.ValueType, dict[str, Any]]:
        nonlocal widest
        widest = max(widest, len(in_flight))
        in_flight.discard(job.task_id)
        return SUCCESS, {}

    def order(queue: list[WorkerJob]) -> list[WorkerJob]:
        in_flight.update(job.task_id for job in queue if job.task_id.startswith("t"))
        return queue[::-1]  # finish the newest first

    execution, done = run_flow(flow, worker=worker, order=order)

    assert execution.state.current == SUCCESS
    assert widest == 3
    assert sorted(task_ids(done)) == sorted([f"t{i}" for i in range(8)] + ["after"])


def test_a_failed_parallel_child_lets_running_siblings_end_and_starts_no_more() -> None:
    flow = parallel(2, "a", "b", "c")
    execution, jobs, clock = begin(flow)

    execution, more = finish(execution, flow, clock, jobs[0], FAILED)
    assert more == []
    assert run_of(execution, "par").state.current == RUNNING

    execution, more = finish(execution, flow, clock, jobs[1])
    assert more == []
    assert states(execution) == {"par": "FAILED", "a": "FAILED", "b": "SUCCESS"}
    assert execution.state.current == FAILED


# -- failures and errors --------------------------------------------------------------------


def test_a_failing_task_stops_the_sequence_and_runs_the_flow_errors() -> None:
    flow = flow_of(ret("a") + ret("b") + ret("c"), extra="errors:\n" + ret("on-error") + ret("on-error-2"))
    execution, jobs, clock = begin(flow)
    execution, jobs = finish(execution, flow, clock, jobs[0])

    execution, jobs = finish(execution, flow, clock, jobs[0], FAILED)

    assert task_ids(jobs) == ["on-error"]
    assert execution.state.current == RUNNING
    execution, jobs = finish(execution, flow, clock, jobs[0])
    assert task_ids(jobs) == ["on-error-2"]
    execution, jobs = finish(execution, flow, clock, jobs[0])
    assert jobs == []
    assert states(execution) == {
        "a": "SUCCESS",
        "b": "FAILED",
        "on-error": "SUCCESS",
        "on-error-2": "SUCCESS",
    }
    assert execution.state.current == FAILED


def test_errors_do_not_run_when_nothing_fails() -> None:
    flow = flow_of(ret("a"), extra="errors:\n" + ret("on-error"))

    execution, done = run_flow(flow)

    assert task_ids(done) == ["a"]
    assert execution.state.current == SUCCESS


def test_a_flow_without_errors_fails_at_its_first_failure() -> None:
    execution, done = run_flow(SEQUENCE, worker=lambda job: (FAILED, {}))

    assert task_ids(done) == ["a"]
    assert states(execution) == {"a": "FAILED"}
    assert execution.state.current == FAILED


def test_sequential_errors_run_under_it_and_the_flow_still_fails() -> None:
    flow = flow_of(
        f"  - id: group\n    type: {SEQUENTIAL}\n    tasks:\n"
        + ret("a", 6)
        + ret("b", 6)
        + "    errors:\n"
        + ret("local-error", 6)
        + ret("after"),
        extra="errors:\n" + ret("global-error"),
    )

    execution, done = run_flow(flow, worker=lambda job: (FAILED if job.task_id == "a" else SUCCESS, {}))

    assert task_ids(done) == ["a", "local-error", "global-error"]
    assert states(execution) == {
        "group": "FAILED",
        "a": "FAILED",
        "local-error": "SUCCESS",
        "global-error": "SUCCESS",
    }
    assert run_of(execution, "local-error").parent_task_run_id == run_of(execution, "group").id
    assert execution.state.current == FAILED


def test_a_failing_error_task_still_ends_the_execution_failed() -> None:
    flow = flow_of(ret("a"), extra="errors:\n" + ret("on-error") + ret("never"))

    execution, done = run_flow(flow, worker=lambda job: (FAILED, {}))

    assert task_ids(done) == ["a", "on-error"]
    assert execution.state.current == FAILED


def test_warning_propagates_to_parents_and_the_execution() -> None:
    flow = flow_of(
        f"  - id: group\n    type: {SEQUENTIAL}\n    tasks:\n" + ret("a", 6) + ret("b", 6) + ret("c")
    )

    execution, done = run_flow(flow, worker=lambda job: (WARNING if job.task_id == "a" else SUCCESS, {}))

    assert task_ids(done) == ["a", "b", "c"]
    assert states(execution) == {"group": "WARNING", "a": "WARNING", "b": "SUCCESS", "c": "SUCCESS"}
    assert execution.state.current == WARNING


def test_failure_wins_over_warning_in_a_parallel() -> None:
    flow = parallel(None, "a", "b")

    execution, _ = run_flow(flow, worker=lambda job: (WARNING if job.task_id == "a" else FAILED, {}))

    assert states(execution) == {"par": "FAILED", "a": "WARNING", "b": "FAILED"}
    assert execution.state.current == FAILED


# -- disabled tasks ---------------------------------------------------------------------------


def test_disabled_tasks_get_no_task_run() -> None:
    flow = flow_of(
        ret("a")
        + ret("skipped", extra="disabled: true")
        + f"  - id: skipped-group\n    type: {SEQUENTIAL}\n    disabled: true\n    tasks:\n"
        + ret("inside", 6)
        + ret("b"),
        extra="errors:\n" + ret("skipped-error", extra="disabled: true") + ret("on-error"),
    )

    execution, done = run_flow(flow)

    assert task_ids(done) == ["a", "b"]
    assert [run.task_id for run in execution.task_runs] == ["a", "b"]
    assert execution.state.current == SUCCESS

    _, done = run_flow(flow, worker=lambda job: (FAILED, {}))
    assert task_ids(done) == ["a", "on-error"]


# -- what jobs see --------------------------------------------------------------------------


def test_later_jobs_see_earlier_outputs_inputs_and_the_flow() -> None:
    flow = flow_of(
        ret("first") + ret("second"), extra="variables:\n  greeting: hello\nlabels:\n  team: data\n"
    )
    execution, jobs, clock = begin(flow, inputs={"name": "world", "n": 2})
    first_vars = from_struct(jobs[0].variables)
    assert first_vars["outputs"] == {}

    execution, jobs = finish(execution, flow, clock, jobs[0], outputs={"value": "one", "n": 1})
    variables = from_struct(jobs[0].variables)

    assert variables["outputs"] == {"first": {"value": "one", "n": 1}}
    assert variables["inputs"] == {"name": "world", "n": 2}
    assert variables["vars"] == {"greeting": "hello"}
    assert variables["labels"] == {
        "team": "data",
        "run": "unit",
        "system.correlationId": "exec1",
        "system": {"correlationId": "exec1"},
    }
    assert variables["flow"] == {"id": "decide", "namespace": "company.team", "revision": 3}
    assert variables["task"] == {"id": "second", "type": RETURN}
    second = run_of(execution, "second")
    assert variables["taskrun"]["id"] == second.id
    assert variables["taskrun"]["attemptsCount"] == 0
    assert variables["execution"]["id"] == "exec1"
    assert variables["execution"]["originalId"] == "exec1"


def test_start_dates_are_printed_as_kestra_prints_instants() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution, jobs = finish(execution, SEQUENCE, clock, jobs[0])

    variables = from_struct(jobs[0].variables)

    instant = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
    assert instant.fullmatch(variables["execution"]["startDate"])
    assert variables["execution"]["startDate"] == "2026-03-01T12:00:01.000Z"
    assert instant.fullmatch(variables["taskrun"]["startDate"])
    assert variables["taskrun"]["startDate"] > variables["execution"]["startDate"]


def test_the_task_of_a_job_carries_its_properties_not_its_defaults() -> None:
    flow = flow_of(f"  - id: boom\n    type: {FAIL}\n    condition: '{{{{ inputs.x }}}}'\n")

    _, jobs, _ = begin(flow)

    assert from_struct(jobs[0].task) == {"id": "boom", "type": FAIL, "condition": "{{ inputs.x }}"}


# -- results apply at most once ---------------------------------------------------------------


def test_the_same_report_applied_twice_changes_nothing_the_second_time() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    report = update(jobs[0].task_run_id, SUCCESS, outputs={"value": "a"})
    first = apply_update(execution, report, SEQUENCE, clock())
    assert first.changed

    again = apply_update(first.execution, report, SEQUENCE, clock())

    assert (again.changed, again.jobs) == (False, [])
    assert again.execution.version == first.execution.version
    assert again.execution == first.execution


def test_a_repeated_running_report_changes_nothing() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    running = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock())

    again = apply_update(running.execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock())

    assert again.changed is False
    assert again.execution == running.execution


def test_a_running_report_after_success_is_ignored() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution, _ = finish(execution, SEQUENCE, clock, jobs[0])

    late = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock())

    assert late.changed is False
    assert run_of(late.execution, "a").state.current == SUCCESS
    assert late.execution.version == execution.version


def test_a_report_on_an_older_attempt_is_ignored() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    run_id = jobs[0].task_run_id
    execution = apply_update(execution, update(run_id, RUNNING, attempt=1), SEQUENCE, clock()).execution
    execution = apply_update(execution, update(run_id, RUNNING, attempt=2), SEQUENCE, clock()).execution
    assert len(run_of(execution, "a").attempts) == 2

    stale = apply_update(execution, update(run_id, FAILED, attempt=1), SEQUENCE, clock())

    assert stale.changed is False
    assert run_of(stale.execution, "a").state.current == RUNNING
    assert [a.state.current for a in run_of(stale.execution, "a").attempts] == [RUNNING, RUNNING]


def test_a_report_that_skips_an_attempt_is_ignored() -> None:
    execution, jobs, clock = begin(SEQUENCE)

    ahead = apply_update(execution, update(jobs[0].task_run_id, SUCCESS, attempt=3), SEQUENCE, clock())

    assert ahead.changed is False
    assert len(run_of(ahead.execution, "a").attempts) == 0


def test_a_report_on_an_unknown_task_run_is_ignored() -> None:
    execution, _, clock = begin(SEQUENCE)

    unknown = apply_update(execution, update("nope", SUCCESS), SEQUENCE, clock())

    assert unknown.changed is False
    assert unknown.execution is execution


def test_reports_on_a_terminal_execution_are_ignored() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    ended = fail(execution, clock())
    assert ended.changed
    assert ended.execution.state.current == FAILED

    late = apply_update(ended.execution, update(jobs[0].task_run_id, SUCCESS), SEQUENCE, clock())

    assert late.changed is False
    assert late.jobs == []
    assert run_of(late.execution, "a").state.current == CREATED


def test_fail_ends_a_running_execution_once() -> None:
    execution, _, clock = begin(SEQUENCE)

    ended = fail(execution, clock())
    again = fail(ended.execution, clock())

    assert ended.execution.version == execution.version + 1
    assert [h.state for h in ended.execution.state.histories] == [CREATED, RUNNING, FAILED]
    assert again.changed is False
    assert again.execution is ended.execution


def test_a_report_records_its_worker_its_date_and_its_outputs() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    when = datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
    report = update(jobs[0].task_run_id, SUCCESS, outputs={"value": "x", "count": 3}, worker_id="w-1")
    report.date.FromDatetime(when)

    execution = apply_update(execution, report, SEQUENCE, clock()).execution

    run = run_of(execution, "a")
    (attempt,) = run.attempts
    assert attempt.worker_id == "w-1"
    assert [h.state for h in attempt.state.histories] == [RUNNING, SUCCESS]
    assert run.state.histories[-1].date.ToDatetime(tzinfo=UTC) == when
    assert from_struct(run.outputs) == {"value": "x", "count": 3}


def test_outputs_of_a_running_report_are_not_kept() -> None:
    execution, jobs, clock = begin(SEQUENCE)

    running = apply_update(
        execution, update(jobs[0].task_run_id, RUNNING, outputs={"v": 1}), SEQUENCE, clock()
    )

    assert from_struct(run_of(running.execution, "a").outputs) == {}


# -- the state is its own outbox ----------------------------------------------------------------


def test_pending_jobs_are_the_jobs_of_created_runnable_task_runs() -> None:
    flow = flow_of(
        f"  - id: par\n    type: {PARALLEL}\n    tasks:\n" + ret("a", 6) + ret("b", 6) + ret("c", 6)
    )
    execution, jobs, clock = begin(flow)

    assert pending_jobs(execution, flow) == jobs

    execution = apply_update(execution, update(jobs[1].task_run_id, RUNNING), flow, clock()).execution
    assert task_ids(pending_jobs(execution, flow)) == ["a", "c"]

    execution, _ = finish(execution, flow, clock, jobs[0])
    assert task_ids(pending_jobs(execution, flow)) == ["c"]


def test_pending_jobs_are_none_for_a_terminal_execution() -> None:
    execution, _, clock = begin(SEQUENCE)

    ended = fail(execution, clock()).execution

    assert pending_jobs(ended, SEQUENCE) == []


def test_pending_jobs_after_each_step_are_exactly_the_jobs_not_yet_reported() -> None:
    flow = parallel(2, "a", "b", "c")
    execution, jobs, clock = begin(flow)
    unreported = {job.task_run_id: job for job in jobs}
    while unreported:
        assert {job.task_run_id: job for job in pending_jobs(execution, flow)} == unreported
        job = unreported.pop(next(iter(unreported)))
        execution = apply_update(execution, update(job.task_run_id, RUNNING), flow, clock()).execution
        assert job.task_run_id not in {j.task_run_id for j in pending_jobs(execution, flow)}
        decision = apply_update(execution, update(job.task_run_id, SUCCESS), flow, clock())
        execution = decision.execution
        unreported.update({new.task_run_id: new for new in decision.jobs})
    assert execution.state.current == SUCCESS
    assert pending_jobs(execution, flow) == []


# -- versions ---------------------------------------------------------------------------------


def test_each_change_bumps_the_version_and_marks_exactly_the_changed_task_runs() -> None:
    flow = flow_of(f"  - id: group\n    type: {SEQUENTIAL}\n    tasks:\n" + ret("a", 6) + ret("b"))
    created = new_execution(
        execution_id="exec1", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )
    assert created.version == 0
    clock = Clock()

    started = start(created, flow, clock())
    execution = started.execution
    assert execution.version == 1
    assert {run.task_id: run.version for run in execution.task_runs} == {"group": 1, "a": 1}

    execution = apply_update(execution, update(started.jobs[0].task_run_id, RUNNING), flow, clock()).execution
    assert execution.version == 2
    assert {run.task_id: run.version for run in execution.task_runs} == {"group": 1, "a": 2}

    decision = apply_update(execution, update(started.jobs[0].task_run_id, SUCCESS), flow, clock())
    execution = decision.execution
    assert execution.version == 3
    assert {run.task_id: run.version for run in execution.task_runs} == {"group": 3, "a": 3, "b": 3}

    execution = apply_update(
        execution, update(decision.jobs[0].task_run_id, RUNNING), flow, clock()
    ).execution
    assert execution.version == 4
    assert {run.task_id: run.version for run in execution.task_runs} == {"group": 3, "a": 3, "b": 4}


# -- ids, positions, purity -------------------------------------------------------------------


NESTED = flow_of(
    f"  - id: par\n    type: {PARALLEL}\n    tasks:\n"
    + ret("a", 6)
    + f"      - id: seq\n        type: {SEQUENTIAL}\n        tasks:\n"
    + ret("b", 10)
    + ret("c", 10)
    + ret("d")
)


def test_task_run_ids_are_the_same_for_the_same_flow_and_execution_id() -> None:
    first, _ = run_flow(NESTED)
    second, _ = run_flow(NESTED, order=lambda jobs: jobs[::-1])

    ids = {run.task_id: run.id for run in first.task_runs}
    assert ids == {run.task_id: run.id for run in second.task_runs}
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"[0-9A-Za-z]{22}", run_id) for run_id in ids.values())


def test_task_run_ids_differ_between_executions() -> None:
    one, _, _ = begin(SEQUENCE, execution_id="exec1")
    two, _, _ = begin(SEQUENCE, execution_id="exec2")

    assert run_of(one, "a").id != run_of(two, "a").id


def test_positions_follow_the_order_task_runs_are_created() -> None:
    execution, _ = run_flow(NESTED)

    assert [run.position for run in execution.task_runs] == list(range(len(execution.task_runs)))
    assert [run.task_id for run in execution.task_runs] == ["par", "a", "seq", "b", "c", "d"]


def test_deciding_never_mutates_the_execution_it_is_given() -> None:
    flow = NESTED
    execution, jobs, clock = begin(flow)
    snapshot = execution.SerializeToString(deterministic=True)
    created = new_execution(
        execution_id="e2", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )
    created_snapshot = created.SerializeToString(deterministic=True)

    start(created, flow, clock())
    apply_update(execution, update(jobs[0].task_run_id, RUNNING), flow, clock())
    apply_update(execution, update(jobs[0].task_run_id, SUCCESS, outputs={"value": 1}), flow, clock())
    pending_jobs(execution, flow)
    fail(execution, clock())

    assert created.SerializeToString(deterministic=True) == created_snapshot
    assert execution.SerializeToString(deterministic=True) == snapshot


@pytest.mark.parametrize("concurrent", [0, 1, 2])
def test_every_order_of_reports_ends_the_same(concurrent: int) -> None:
    flow = parallel(concurrent, "a", "b", "c")
    results = set()
    for order in (lambda jobs: jobs, lambda jobs: jobs[::-1], lambda jobs: jobs[1:] + jobs[:1]):
        execution, _ = run_flow(flow, order=order)
        results.add((state_name(execution.state.current), tuple(sorted(states(execution).items()))))

    assert len(results) == 1
    ((final, runs),) = results
    assert final == "SUCCESS"
    assert dict(runs) == {
        "par": "SUCCESS",
        "a": "SUCCESS",
        "b": "SUCCESS",
        "c": "SUCCESS",
        "after": "SUCCESS",
    }


def test_reports_on_one_execution_are_applied_in_one_decision() -> None:
    flow = parallel(None, "a", "b", "c")
    execution, jobs, clock = begin(flow)

    decision = apply_updates(execution, [update(job.task_run_id, SUCCESS) for job in jobs], flow, clock())

    assert decision.changed
    assert decision.execution.version == execution.version + 1
    assert task_ids(decision.jobs) == ["after"]
    assert {
        task_id: state for task_id, state in states(decision.execution).items() if task_id != "after"
    } == {
        "par": "SUCCESS",
        "a": "SUCCESS",
        "b": "SUCCESS",
        "c": "SUCCESS",
    }
    # The same reports again change nothing: each applies once.
    assert not apply_updates(
        decision.execution, [update(job.task_run_id, SUCCESS) for job in jobs], flow, clock()
    ).changed


def test_a_failure_among_the_reports_is_applied_on_its_own_and_all_go_in_one_event() -> None:
    flow = flow_of(
        f"  - id: par\n    type: {PARALLEL}\n    tasks:\n"
        + ret("a", 6)
        + ret("b", 6, extra="retry: {type: constant, interval: PT1S, maxAttempt: 2}")
        + ret("c", 6)
    )
    execution, jobs, clock = begin(flow)
    a, b, c = (job.task_run_id for job in jobs)

    decision = apply_updates(
        execution, [update(a, SUCCESS), update(b, FAILED), update(c, SUCCESS)], flow, clock()
    )

    assert states(decision.execution) == {"par": "RUNNING", "a": "SUCCESS", "b": "RETRYING", "c": "SUCCESS"}
    changed = {
        run.task_id for run in decision.execution.task_runs if run.version == decision.execution.version
    }
    assert {"a", "b", "c"} <= changed
