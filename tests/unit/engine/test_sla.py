"""Flow SLAs in the decision core: MAX_DURATION deadlines, EXECUTION_ASSERTION checks, their behaviors."""

from __future__ import annotations

from datetime import timedelta

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import (
    Decision,
    apply_update,
    apply_wake,
    new_execution,
    pending_jobs,
    restart,
    start,
    state_name,
)
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from tests.unit.engine.harness import T0, Logs, run_flow

LOG = "io.kestra.plugin.core.log.Log"
ONE_TASK = f"tasks:\n  - id: t\n    type: {LOG}\n    message: m\n"
TWO_SIDE_BY_SIDE = (
    "tasks:\n  - id: both\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
    f"      - id: a\n        type: {LOG}\n        message: m\n"
    f"      - id: b\n        type: {LOG}\n        message: m\n"
)
RUNNING = StateType.STATE_TYPE_RUNNING
SUCCESS = StateType.STATE_TYPE_SUCCESS
FAILED = StateType.STATE_TYPE_FAILED


def sla_flow(sla: str, tasks: str = ONE_TASK) -> FlowDefinition:
    return parse_flow(f"id: f\nnamespace: n\nsla:\n{sla}{tasks}")


def max_duration(behavior: str, duration: str = "PT10S", labels: str = "") -> str:
    extra = f"    labels: {labels}\n" if labels else ""
    return f"  - id: max\n    type: MAX_DURATION\n    behavior: {behavior}\n    duration: {duration}\n{extra}"


def assertion(behavior: str, expression: str, labels: str = "", sla_id: str = "check") -> str:
    extra = f"    labels: {labels}\n" if labels else ""
    return (
        f"  - id: {sla_id}\n    type: EXECUTION_ASSERTION\n    behavior: {behavior}\n"
        f'    assert: "{expression}"\n{extra}'
    )


def started(definition: FlowDefinition, labels: dict[str, str] | None = None) -> Decision:
    """Start an execution of definition created at T0; its jobs' task runs are RUNNING at T0 + 1 s."""
    execution = new_execution(
        execution_id="e",
        tenant_id="main",
        flow=definition,
        flow_revision=1,
        inputs={},
        labels=labels or {},
        now=T0,
    )
    decision = start(execution, definition, T0)
    for job in decision.jobs:
        decision.execution = report(decision.execution, definition, job, RUNNING, 1).execution
    return decision


def report(
    execution: Execution,
    definition: FlowDefinition,
    job: WorkerJob,
    state: StateType.ValueType,
    second: float,
) -> Decision:
    update = TaskRunUpdate(execution_id="e", task_run_id=job.task_run_id, attempt=job.attempt, state=state)
    return apply_update(execution, update, definition, T0 + timedelta(seconds=second))


def states(execution: Execution) -> dict[str, str]:
    return {run.task_id: state_name(run.state.current) for run in execution.task_runs}


def history(execution: Execution) -> list[str]:
    return [state_name(entry.state) for entry in execution.state.histories]


def labels(execution: Execution) -> dict[str, str]:
    return {label.key: label.value for label in execution.labels if not label.key.startswith("system.")}


# MAX_DURATION


def test_max_duration_fail_ends_a_running_execution_failed_at_its_deadline() -> None:
    definition = sla_flow(max_duration("FAIL"))
    begun = started(definition)
    (job,) = begun.jobs

    assert begun.wake_at == T0 + timedelta(seconds=10), "a timer at creation + duration"
    early = apply_wake(begun.execution, definition, T0 + timedelta(seconds=9))
    assert not early.changed
    assert early.wake_at == T0 + timedelta(seconds=10)

    due = apply_wake(begun.execution, definition, T0 + timedelta(seconds=10))
    execution = due.execution
    assert history(execution) == ["CREATED", "RUNNING", "FAILED"]
    assert states(execution) == {"t": "FAILED"}
    assert state_name(execution.task_runs[0].attempts[0].state.current) == "KILLED"
    assert [error.message for error in due.errors] == [
        "Execution failed due to SLA 'max' violated: execution duration of PT10S exceeds the maximum"
        " duration of PT10S."
    ]
    assert (due.jobs, due.wake_at) == ([], None)
    assert pending_jobs(execution, definition) == []
    # The worker's late report changes nothing: the execution has ended.
    assert not report(execution, definition, job, SUCCESS, 11).changed


def test_max_duration_cancel_cancels_the_last_task_run_going_and_kills_the_others() -> None:
    definition = sla_flow(max_duration("CANCEL", labels="{sla: missed}"), TWO_SIDE_BY_SIDE)
    begun = started(definition)

    due = apply_wake(begun.execution, definition, T0 + timedelta(seconds=10))

    assert history(due.execution)[-1] == "CANCELLED"
    assert states(due.execution) == {"both": "KILLED", "a": "KILLED", "b": "CANCELLED"}
    assert labels(due.execution) == {"sla": "missed"}
    assert due.errors == [], "Kestra logs only a failure"
    changed = {run.task_id for run in due.execution.task_runs if run.version == due.execution.version}
    assert changed == {"both", "a", "b"}, "the task runs it ended go into the execution event"


def test_max_duration_none_only_adds_its_labels_and_the_execution_goes_on() -> None:
    definition = sla_flow(max_duration("NONE", labels="[{key: sla, value: late}]"))
    begun = started(definition)
    (job,) = begun.jobs

    due = apply_wake(begun.execution, definition, T0 + timedelta(seconds=10))

    assert due.changed
    assert state_name(due.execution.state.current) == "RUNNING"
    assert labels(due.execution) == {"sla": "late"}
    assert due.wake_at is None, "a deadline acted upon is not waited for again"
    assert not apply_wake(due.execution, definition, T0 + timedelta(seconds=11)).changed
    ended = report(due.execution, definition, job, SUCCESS, 12).execution
    assert (state_name(ended.state.current), labels(ended)) == ("SUCCESS", {"sla": "late"})


def test_max_duration_none_without_labels_waits_for_nothing() -> None:
    assert started(sla_flow(max_duration("NONE"))).wake_at is None


def test_an_execution_that_ends_in_time_is_left_alone() -> None:
    definition = sla_flow(max_duration("FAIL"))
    begun = started(definition)
    (job,) = begun.jobs

    ended = report(begun.execution, definition, job, SUCCESS, 9)

    assert state_name(ended.execution.state.current) == "SUCCESS"
    assert ended.wake_at is None
    assert not apply_wake(ended.execution, definition, T0 + timedelta(seconds=10)).changed


def test_a_report_after_the_deadline_finds_the_execution_ended_by_the_sla_first() -> None:
    definition = sla_flow(max_duration("FAIL"))
    begun = started(definition)
    (job,) = begun.jobs

    # No wake was taken at the deadline (the executor was late): the report applies it.
    late = report(begun.execution, definition, job, SUCCESS, 11)

    assert state_name(late.execution.state.current) == "FAILED"
    assert states(late.execution) == {"t": "SUCCESS"}


def test_a_restarted_execution_past_its_deadline_ends_at_once_without_sending_jobs() -> None:
    definition = sla_flow(max_duration("FAIL"))
    begun = started(definition)
    (job,) = begun.jobs
    failed = report(begun.execution, definition, job, FAILED, 2).execution
    assert state_name(failed.state.current) == "FAILED"

    restarted = restart(failed, definition, 0, T0 + timedelta(seconds=20))

    assert state_name(restarted.execution.state.current) == "FAILED"
    assert restarted.jobs == []


# EXECUTION_ASSERTION


def test_a_violated_assertion_cancels_an_execution_before_it_runs() -> None:
    definition = sla_flow(assertion("CANCEL", "{{ labels.go == 'yes' }}"))

    stopped = started(definition, labels={"go": "no"})
    ran, jobs = run_flow(definition, labels={"go": "yes"})

    assert history(stopped.execution) == ["CREATED", "CANCELLED"]
    assert (list(stopped.execution.task_runs), stopped.jobs) == ([], [])
    assert state_name(ran.state.current) == "SUCCESS"
    assert [job.task_id for job in jobs] == ["t"]


def test_an_assertion_is_checked_each_time_the_running_execution_changes() -> None:
    tasks = (
        "tasks:\n  - id: first\n    type: io.kestra.plugin.core.debug.Return\n    format: bad\n"
        f"  - id: second\n    type: {LOG}\n    message: m\n"
    )
    definition = sla_flow(assertion("FAIL", "{{ (outputs.first.value ?? 'ok') != 'bad' }}"), tasks)
    logs: Logs = {}

    execution, jobs = run_flow(definition, logs=logs)

    assert [job.task_id for job in jobs] == ["first"], "the violation ends it before `second` starts"
    assert state_name(execution.state.current) == "FAILED"
    assert states(execution) == {"first": "SUCCESS"}
    assert logs[""] == [
        (
            "ERROR",
            "Execution failed due to SLA 'check' violated: assertion is false:"
            " {{ (outputs.first.value ?? 'ok') != 'bad' }}.",
        )
    ]


def test_of_the_assertions_violated_at_once_only_the_first_acts() -> None:
    definition = sla_flow(
        assertion("NONE", "{{ false }}", labels="{sla: first}", sla_id="one")
        + assertion("CANCEL", "{{ false }}", sla_id="two")
    )

    execution, _ = run_flow(definition)

    assert state_name(execution.state.current) == "SUCCESS"
    assert labels(execution) == {"sla": "first"}


def test_a_violation_label_replaces_a_label_of_the_same_key() -> None:
    definition = sla_flow(assertion("NONE", "{{ false }}", labels="{team: late}"))

    execution, _ = run_flow(definition, labels={"team": "data", "other": "kept"})

    assert labels(execution) == {"team": "late", "other": "kept"}


def test_an_assertion_that_cannot_be_rendered_fails_the_execution_and_says_why() -> None:
    definition = sla_flow(assertion("NONE", "{{ nothing.here }}"))
    logs: Logs = {}

    execution, jobs = run_flow(definition, logs=logs)

    assert history(execution) == ["CREATED", "FAILED"]
    assert jobs == []
    ((level, message),) = logs[""]
    assert level == "ERROR"
    assert message.startswith("Failed to evaluate SLA 'check': Unable to find `nothing`")
