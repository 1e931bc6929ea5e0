"""Kill, restart, replay, labels and a task run's state: what they do to an execution and its task runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine import (
    Decision,
    OperationRefused,
    apply_update,
    change_task_run_state,
    kill,
    label_violations,
    new_execution,
    pending_jobs,
    replayed,
    restart,
    restarted,
    restarted_jobs,
    restarts,
    set_labels,
    start,
    state_name,
    task_run_state_changed,
    with_labels,
)
from flowmesh.engine import begin as begin_restarted
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob

CREATED = StateType.STATE_TYPE_CREATED
RUNNING = StateType.STATE_TYPE_RUNNING
SUCCESS = StateType.STATE_TYPE_SUCCESS
KILLED = StateType.STATE_TYPE_KILLED
FAILED = StateType.STATE_TYPE_FAILED
RESTARTED = StateType.STATE_TYPE_RESTARTED

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RETURN = "io.kestra.plugin.core.debug.Return"
SEQUENTIAL = "io.kestra.plugin.core.flow.Sequential"
PARALLEL = "io.kestra.plugin.core.flow.Parallel"


def flow_of(tasks: str) -> FlowDefinition:
    return parse_flow(f"id: kill\nnamespace: company.team\ntasks:\n{tasks}")


def ret(task_id: str, indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RETURN}\n{pad}  format: '{task_id}'\n"


SEQUENCE = flow_of(ret("a") + ret("b") + ret("c"))


class Clock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def created(flow: FlowDefinition) -> Execution:
    return new_execution(
        execution_id="exec1", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )


def begin(flow: FlowDefinition) -> tuple[Execution, list[WorkerJob], Clock]:
    clock = Clock()
    decision = start(created(flow), flow, clock())
    return decision.execution, decision.jobs, clock


def update(run_id: str, state: StateType.ValueType) -> TaskRunUpdate:
    return TaskRunUpdate(execution_id="exec1", task_run_id=run_id, attempt=1, state=state)


def finish(execution: Execution, flow: FlowDefinition, clock: Clock, job: WorkerJob) -> Execution:
    """Report RUNNING then SUCCESS for job's attempt; return the execution."""
    execution = apply_update(execution, update(job.task_run_id, RUNNING), flow, clock()).execution
    return apply_update(execution, update(job.task_run_id, SUCCESS), flow, clock()).execution


def run_of(execution: Execution, task_id: str) -> TaskRun:
    (run,) = [run for run in execution.task_runs if run.task_id == task_id]
    return run


def states(execution: Execution) -> dict[str, str]:
    return {run.task_id: state_name(run.state.current) for run in execution.task_runs}


def history(execution: Execution) -> list[str]:
    return [state_name(entry.state) for entry in execution.state.histories]


def test_kill_ends_a_running_execution_killing_then_killed() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock()).execution

    decision = kill(execution, SEQUENCE, clock())

    assert decision.changed
    assert decision.jobs == []
    killed = decision.execution
    assert killed.state.current == KILLED
    assert history(killed) == ["CREATED", "RUNNING", "KILLING", "KILLED"]
    # The running task run is killed, and the tasks after it are never created.
    assert states(killed) == {"a": "KILLED"}
    run = run_of(killed, "a")
    assert [state_name(entry.state) for entry in run.state.histories][-1] == "KILLED"
    assert run.attempts[-1].state.current == KILLED
    assert pending_jobs(killed, SEQUENCE) == []
    # The input is not changed in place.
    assert execution.state.current == RUNNING


def test_kill_marks_the_killed_task_runs_as_changed_in_this_version() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = finish(execution, SEQUENCE, clock, jobs[0])

    killed = kill(execution, SEQUENCE, clock()).execution

    assert killed.version == execution.version + 1
    assert run_of(killed, "b").version == killed.version
    # A task run that had ended keeps its state and its version.
    assert run_of(killed, "a").state.current == SUCCESS
    assert run_of(killed, "a").version < killed.version


def test_a_report_after_the_kill_changes_nothing() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock()).execution
    killed = kill(execution, SEQUENCE, clock()).execution

    late = apply_update(killed, update(jobs[0].task_run_id, SUCCESS), SEQUENCE, clock())

    assert not late.changed
    assert late.jobs == []
    assert late.execution.state.current == KILLED
    assert states(late.execution) == {"a": "KILLED"}


def test_kill_kills_task_runs_not_yet_taken_by_a_worker() -> None:
    flow = flow_of(f"  - id: p\n    type: {PARALLEL}\n    tasks:\n" + ret("x", 6) + ret("y", 6))
    execution, _, clock = begin(flow)
    assert [run.state.current for run in execution.task_runs if run.task_id in "xy"] == [CREATED, CREATED]
    assert pending_jobs(execution, flow)

    killed = kill(execution, flow, clock()).execution

    assert states(killed) == {"p": "KILLED", "x": "KILLED", "y": "KILLED"}
    # Never taken: no attempt to kill.
    assert all(not run.attempts for run in killed.task_runs if run.task_id in "xy")
    assert pending_jobs(killed, flow) == []


def test_kill_kills_the_flowable_parents_of_a_running_task() -> None:
    flow = flow_of(
        f"  - id: s\n    type: {SEQUENTIAL}\n    tasks:\n" + ret("x", 6) + ret("y", 6) + ret("after")
    )
    execution, jobs, clock = begin(flow)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), flow, clock()).execution

    killed = kill(execution, flow, clock()).execution

    assert states(killed) == {"s": "KILLED", "x": "KILLED"}
    assert killed.state.current == KILLED


def test_kill_before_the_start_ends_the_execution_and_the_start_does_nothing() -> None:
    killed = kill(created(SEQUENCE), SEQUENCE, T0).execution
    late_start = start(killed, SEQUENCE, T0)

    assert history(killed) == ["CREATED", "KILLING", "KILLED"]
    assert not late_start.changed
    assert late_start.jobs == []
    assert list(late_start.execution.task_runs) == []


def test_killing_an_ended_execution_changes_nothing() -> None:
    flow = flow_of(ret("a"))
    execution, jobs, clock = begin(flow)
    ended = finish(execution, flow, clock, jobs[0])
    assert ended.state.current == SUCCESS

    decision = kill(ended, flow, clock())

    assert not decision.changed
    assert decision.execution.state.current == SUCCESS
    assert decision.execution.version == ended.version


def test_killing_twice_changes_nothing_the_second_time() -> None:
    execution, _, clock = begin(SEQUENCE)
    killed = kill(execution, SEQUENCE, clock()).execution

    again = kill(killed, SEQUENCE, clock())

    assert not again.changed
    assert history(again.execution) == history(killed)


# Restart and replay.

LOG = "io.kestra.plugin.core.log.Log"
WITH_ERRORS = parse_flow(
    "id: kill\nnamespace: company.team\ntasks:\n"
    + ret("a")
    + f"  - id: seq\n    type: {SEQUENTIAL}\n    tasks:\n"
    + ret("b", 6)
    + ret("c")
    + f"errors:\n  - id: handler\n    type: {LOG}\n    message: failed\n"
)


def report(
    execution: Execution, flow: FlowDefinition, clock: Clock, job: WorkerJob, state: StateType.ValueType
) -> Decision:
    """Report RUNNING then state for job's attempt; return the decision."""
    running = TaskRunUpdate(
        execution_id=job.execution_id, task_run_id=job.task_run_id, attempt=job.attempt, state=RUNNING
    )
    execution = apply_update(execution, running, flow, clock()).execution
    ended = TaskRunUpdate(
        execution_id=job.execution_id, task_run_id=job.task_run_id, attempt=job.attempt, state=state
    )
    return apply_update(execution, ended, flow, clock())


def failed_at_b() -> tuple[Execution, Clock]:
    """Run WITH_ERRORS until b fails and the errors branch has run: a FAILED execution."""
    execution, jobs, clock = begin(WITH_ERRORS)
    decision = report(execution, WITH_ERRORS, clock, jobs[0], SUCCESS)
    (job_b,) = decision.jobs
    decision = report(decision.execution, WITH_ERRORS, clock, job_b, FAILED)
    (handler,) = decision.jobs
    decision = report(decision.execution, WITH_ERRORS, clock, handler, SUCCESS)
    assert decision.execution.state.current == FAILED
    return decision.execution, clock


def test_restart_reruns_the_failed_task_run_and_keeps_the_succeeded_ones() -> None:
    execution, clock = failed_at_b()

    answer = restarted(execution, WITH_ERRORS, clock())

    assert history(answer)[-2:] == ["FAILED", "RESTARTED"]
    assert answer.id == execution.id
    assert states(answer) == {"a": "SUCCESS", "seq": "RUNNING", "b": "RESTARTED"}
    assert run_of(answer, "a").outputs == run_of(execution, "a").outputs
    assert len(run_of(answer, "b").attempts) == 1
    assert restarts(answer) == 1


def test_restart_drops_the_errors_branch_and_renumbers_positions() -> None:
    execution, clock = failed_at_b()
    assert "handler" in states(execution)

    answer = restarted(execution, WITH_ERRORS, clock())

    assert [run.position for run in answer.task_runs] == [0, 1, 2]
    assert "handler" not in states(answer)


def test_the_restart_decision_runs_the_next_attempt_then_goes_on() -> None:
    execution, clock = failed_at_b()

    decision = restart(execution, WITH_ERRORS, 0, clock())

    assert decision.changed
    assert history(decision.execution)[-3:] == ["FAILED", "RESTARTED", "RUNNING"]
    (job,) = decision.jobs
    assert (job.task_run_id, job.attempt) == (run_of(execution, "b").id, 2)
    assert job.variables["taskrun"]["attemptsCount"] == 1
    changed = {
        run.task_id for run in decision.execution.task_runs if run.version == decision.execution.version
    }
    assert changed == {"seq", "b"}
    decision = report(decision.execution, WITH_ERRORS, clock, job, SUCCESS)
    (job_c,) = decision.jobs
    decision = report(decision.execution, WITH_ERRORS, clock, job_c, SUCCESS)
    assert decision.execution.state.current == SUCCESS
    assert states(decision.execution) == {"a": "SUCCESS", "seq": "SUCCESS", "b": "SUCCESS", "c": "SUCCESS"}
    assert len(run_of(decision.execution, "b").attempts) == 2


def test_a_restart_applies_once() -> None:
    execution, clock = failed_at_b()
    once = restart(execution, WITH_ERRORS, 0, clock()).execution

    assert not restart(once, WITH_ERRORS, 0, clock()).changed


def test_the_jobs_of_restarted_task_runs_are_sent_again_after_a_crash() -> None:
    execution, clock = failed_at_b()
    decision = restart(execution, WITH_ERRORS, 0, clock())

    again = restarted_jobs(decision.execution, WITH_ERRORS)

    assert [(job.task_run_id, job.attempt) for job in again] == [
        (j.task_run_id, j.attempt) for j in decision.jobs
    ]


def test_an_execution_that_has_not_failed_does_not_restart() -> None:
    execution, _, clock = begin(SEQUENCE)

    with pytest.raises(OperationRefused) as refused:
        restarted(execution, SEQUENCE, clock())

    assert refused.value.reason == "EXECUTION_NOT_RESTARTABLE"
    assert not restart(execution, SEQUENCE, 0, clock()).changed


def test_a_killed_execution_restarts_its_killed_task_runs() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    killed = kill(execution, SEQUENCE, clock()).execution

    decision = restart(killed, SEQUENCE, 0, clock())

    assert state_name(decision.execution.state.current) == "RUNNING"
    assert [(job.task_run_id, job.attempt) for job in decision.jobs] == [(jobs[0].task_run_id, 2)]
    assert [state_name(entry.state) for entry in decision.execution.state.histories][-3:] == [
        "KILLED",
        "RESTARTED",
        "RUNNING",
    ]


def succeeded_sequence() -> tuple[Execution, Clock]:
    execution, jobs, clock = begin(SEQUENCE)
    while jobs:
        decision = report(execution, SEQUENCE, clock, jobs[0], SUCCESS)
        execution, jobs = decision.execution, decision.jobs
    assert execution.state.current == SUCCESS
    return execution, clock


def test_replay_from_a_task_run_copies_the_runs_before_it() -> None:
    execution, clock = succeeded_sequence()

    new = replayed(
        execution,
        SEQUENCE,
        execution_id="exec2",
        task_run_id=run_of(execution, "b").id,
        flow_revision=1,
        now=clock(),
    )

    assert (new.id, new.parent_id, new.original_id) == ("exec2", "exec1", "exec1")
    assert history(new) == ["CREATED", "RUNNING", "SUCCESS", "RESTARTED"]
    assert states(new) == {"a": "SUCCESS", "b": "RESTARTED"}
    assert {run.execution_id for run in new.task_runs} == {"exec2"}
    assert not {run.id for run in new.task_runs} & {run.id for run in execution.task_runs}
    assert run_of(new, "a").outputs == run_of(execution, "a").outputs


def test_a_replayed_execution_runs_from_its_task_run() -> None:
    execution, clock = succeeded_sequence()
    new = replayed(
        execution,
        SEQUENCE,
        execution_id="exec2",
        task_run_id=run_of(execution, "b").id,
        flow_revision=1,
        now=clock(),
    )

    decision = begin_restarted(new, SEQUENCE, clock())

    assert history(decision.execution)[-1] == "RUNNING"
    (job,) = decision.jobs
    assert (job.task_run_id, job.attempt) == (run_of(new, "b").id, 2)
    assert {
        run.task_id for run in decision.execution.task_runs if run.version == decision.execution.version
    } == {
        "a",
        "b",
    }
    decision = report(decision.execution, SEQUENCE, clock, job, SUCCESS)
    (job_c,) = decision.jobs
    decision = report(decision.execution, SEQUENCE, clock, job_c, SUCCESS)
    assert decision.execution.state.current == SUCCESS
    assert len(decision.execution.task_runs) == 3


def test_a_replay_in_a_sequential_puts_its_parent_back_to_running() -> None:
    execution, clock = failed_at_b()

    new = replayed(
        execution,
        WITH_ERRORS,
        execution_id="exec2",
        task_run_id=run_of(execution, "b").id,
        flow_revision=1,
        now=clock(),
    )

    assert states(new) == {"a": "SUCCESS", "seq": "RUNNING", "b": "RESTARTED"}
    assert run_of(new, "b").parent_task_run_id == run_of(new, "seq").id


def test_a_replay_without_task_run_starts_from_scratch() -> None:
    execution, clock = succeeded_sequence()

    new = replayed(execution, SEQUENCE, execution_id="exec2", task_run_id="", flow_revision=1, now=clock())

    assert history(new) == ["CREATED"]
    assert not new.task_runs
    decision = begin_restarted(new, SEQUENCE, clock())
    assert [job.task_id for job in decision.jobs] == ["a"]


@pytest.mark.parametrize(
    ("running", "task_run", "reason"),
    [(True, "", "EXECUTION_NOT_ENDED"), (False, "nope", "TASK_RUN_NOT_FOUND")],
)
def test_replay_refusals(running: bool, task_run: str, reason: str) -> None:
    execution, clock = begin(SEQUENCE)[::2] if running else succeeded_sequence()

    with pytest.raises(OperationRefused) as refused:
        replayed(
            execution, SEQUENCE, execution_id="exec2", task_run_id=task_run, flow_revision=1, now=clock()
        )

    assert refused.value.reason == reason


def test_replay_refuses_a_revision_without_a_copied_task() -> None:
    execution, clock = succeeded_sequence()
    other = flow_of(ret("z"))

    with pytest.raises(OperationRefused) as refused:
        replayed(
            execution,
            other,
            execution_id="exec2",
            task_run_id=run_of(execution, "b").id,
            flow_revision=2,
            now=clock(),
        )

    assert refused.value.reason == "TASK_NOT_IN_REVISION"


# ---------------------------------------------------------------------------- labels


def labels_of(execution: Execution) -> list[tuple[str, str]]:
    return [(label.key, label.value) for label in execution.labels]


def labelled() -> Execution:
    execution = created(SEQUENCE)
    execution.labels.extend([Label(key="team", value="data"), Label(key="env", value="dev")])
    return execution


def test_labels_replace_those_with_their_key_and_keep_the_others() -> None:
    answer = with_labels(labelled(), [Label(key="env", value="prod"), Label(key="owner", value="ann")])

    assert labels_of(answer) == [
        ("system.correlationId", "exec1"),
        ("team", "data"),
        ("env", "prod"),
        ("owner", "ann"),
    ]


def test_of_two_labels_with_one_key_the_last_wins() -> None:
    answer = with_labels(labelled(), [Label(key="env", value="a"), Label(key="env", value="b")])

    assert labels_of(answer)[1:] == [("team", "data"), ("env", "b")]


def test_setting_labels_on_an_ended_execution_is_a_new_version() -> None:
    execution, _ = failed_at_b()

    decision = set_labels(execution, [Label(key="reviewed", value="yes")])

    assert decision.changed
    assert decision.execution.version == execution.version + 1
    assert decision.execution.state == execution.state
    assert labels_of(decision.execution)[-1] == ("reviewed", "yes")
    assert not decision.jobs


def test_setting_the_labels_an_execution_has_changes_nothing() -> None:
    assert not set_labels(labelled(), [Label(key="env", value="dev")]).changed


@pytest.mark.parametrize(
    ("label", "field", "words"),
    [
        (Label(key="system.correlationId", value="x"), "labels[1].key", "system.correlationId=x"),
        (Label(key="Team", value="x"), "labels[1].key", "'Team'"),
        (Label(key="1team", value="x"), "labels[1].key", "'1team'"),
        (Label(key="team space", value="x"), "labels[1].key", "'team space'"),
        (Label(key="", value="x"), "labels[1].key", "''"),
        (Label(key="team", value=""), "labels[1].value", "'team'"),
    ],
)
def test_label_violations_name_the_bad_label(label: Label, field: str, words: str) -> None:
    violations = label_violations([Label(key="ok.key_1-x", value="v"), label])

    assert [name for name, _ in violations] == [field]
    assert words in violations[0][1]


def test_labels_kestra_accepts_pass() -> None:
    assert label_violations([Label(key="équipe.a_b-1", value="x"), Label(key="env", value="prod")]) == []


# ---------------------------------------------------------------------------- task run state

WARNING = StateType.STATE_TYPE_WARNING


def test_marking_a_failed_task_run_success_restarts_the_execution_from_there() -> None:
    execution, clock = failed_at_b()

    answer = task_run_state_changed(execution, WITH_ERRORS, run_of(execution, "b").id, SUCCESS, clock())

    assert history(answer)[-2:] == ["FAILED", "RESTARTED"]
    assert states(answer) == {"a": "SUCCESS", "seq": "RUNNING", "b": "SUCCESS"}
    assert run_of(answer, "b").attempts[-1].state.current == SUCCESS
    assert len(run_of(answer, "b").attempts) == 1
    assert "handler" not in states(answer)


def test_the_changed_execution_runs_the_next_tasks_and_ends_in_their_state() -> None:
    execution, clock = failed_at_b()

    decision = change_task_run_state(execution, WITH_ERRORS, run_of(execution, "b").id, WARNING, 0, clock())

    assert decision.changed
    assert history(decision.execution)[-3:] == ["FAILED", "RESTARTED", "RUNNING"]
    (job_c,) = decision.jobs
    assert job_c.task_id == "c"
    decision = report(decision.execution, WITH_ERRORS, clock, job_c, SUCCESS)
    assert decision.execution.state.current == WARNING
    assert states(decision.execution) == {"a": "SUCCESS", "seq": "WARNING", "b": "WARNING", "c": "SUCCESS"}


def test_a_task_run_state_change_applies_once() -> None:
    execution, clock = failed_at_b()
    b = run_of(execution, "b").id
    once = change_task_run_state(execution, WITH_ERRORS, b, SUCCESS, 0, clock()).execution

    assert not change_task_run_state(once, WITH_ERRORS, b, SUCCESS, 0, clock()).changed


def test_marking_a_succeeded_task_run_failed_fails_the_execution_again() -> None:
    execution, clock = succeeded_sequence()

    decision = change_task_run_state(execution, SEQUENCE, run_of(execution, "c").id, FAILED, 0, clock())

    assert decision.execution.state.current == FAILED
    assert history(decision.execution)[-4:] == ["SUCCESS", "RESTARTED", "RUNNING", "FAILED"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("running", "EXECUTION_NOT_ENDED"),
        ("killed", "EXECUTION_KILLED"),
        ("unknown run", "TASK_RUN_NOT_FOUND"),
        ("same state", "TASK_RUN_STATE_UNCHANGED"),
        ("bad state", "INVALID_STATE"),
    ],
)
def test_task_run_state_refusals(case: str, reason: str) -> None:
    execution, clock = failed_at_b()
    run_id, state = run_of(execution, "b").id, SUCCESS
    if case == "running":
        execution, _, clock = begin(WITH_ERRORS)
        run_id = execution.task_runs[0].id
    elif case == "killed":
        execution, _, clock = begin(WITH_ERRORS)
        execution = kill(execution, WITH_ERRORS, clock()).execution
        run_id = execution.task_runs[0].id
    elif case == "unknown run":
        run_id = "nope"
    elif case == "same state":
        state = FAILED
    elif case == "bad state":
        state = RUNNING

    with pytest.raises(OperationRefused) as refused:
        task_run_state_changed(execution, WITH_ERRORS, run_id, state, clock())

    assert refused.value.reason == reason


def test_an_errors_task_run_created_again_after_a_restart_has_an_id_of_its_own() -> None:
    execution, clock = failed_at_b()
    first_handler = run_of(execution, "handler").id
    decision = restart(execution, WITH_ERRORS, 0, clock())
    (job_b,) = decision.jobs

    decision = report(decision.execution, WITH_ERRORS, clock, job_b, FAILED)

    (handler,) = decision.jobs
    assert handler.task_id == "handler"
    assert handler.task_run_id != first_handler
    assert handler.attempt == 1
