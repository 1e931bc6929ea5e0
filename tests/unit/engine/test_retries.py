"""Task retries in the decision core: delays, attempts, states, maxDuration, wakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import (
    apply_update,
    apply_wake,
    new_execution,
    new_execution_id,
    pending_jobs,
    pending_successor,
    start,
    state_name,
)
from flowmesh.engine._retries import delay, flow_retry_due, new_execution_due, retry_of
from flowmesh.engine._states import transition
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, FlowInvalid, parse_flow
from flowmesh.plugins import ExponentialRetry, RandomRetry
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from tests.unit.engine.harness import T0, run_flow

FAILED = StateType.STATE_TYPE_FAILED
SUCCESS = StateType.STATE_TYPE_SUCCESS


def flow(retry: str, task: str = "io.kestra.plugin.core.log.Log") -> FlowDefinition:
    return parse_flow(
        f"id: f\nnamespace: n\ntasks:\n  - id: t\n    type: {task}\n    message: m\n    retry: {retry}\n"
    )


def fail_first(times: int):  # type: ignore[no-untyped-def]
    def worker(job: WorkerJob) -> tuple[StateType.ValueType, dict[str, str]]:
        return (FAILED if job.attempt <= times else SUCCESS), {}

    return worker


def history(execution: Execution) -> list[str]:
    return [state_name(entry.state) for entry in execution.task_runs[0].state.histories]


def test_a_failed_attempt_is_retried_on_the_same_task_run_until_it_succeeds() -> None:
    execution, jobs = run_flow(flow("{type: constant, interval: PT1S, maxAttempt: 5}"), worker=fail_first(2))

    assert [job.attempt for job in jobs] == [1, 2, 3]
    assert len({job.task_run_id for job in jobs}) == 1
    assert state_name(execution.state.current) == "SUCCESS"
    assert [state_name(a.state.current) for a in execution.task_runs[0].attempts] == [
        "FAILED",
        "FAILED",
        "SUCCESS",
    ]
    assert history(execution) == [
        "CREATED", "RUNNING", "FAILED", "RETRYING",
        "CREATED", "RUNNING", "FAILED", "RETRYING",
        "CREATED", "RUNNING", "SUCCESS",
    ]  # fmt: skip
    # taskrun.attemptsCount is the number of attempts before this one.
    assert [job.variables["taskrun"]["attemptsCount"] for job in jobs] == [0, 1, 2]


def test_the_last_attempt_allowed_ends_the_task_run_failed() -> None:
    execution, jobs = run_flow(flow("{type: constant, interval: PT1S, maxAttempts: 3}"), worker=fail_first(9))

    assert [job.attempt for job in jobs] == [1, 2, 3]
    assert history(execution)[-2:] == ["RUNNING", "FAILED"]
    assert state_name(execution.state.current) == "FAILED"


def test_warning_on_retry_ends_a_task_run_that_needed_a_retry_warning() -> None:
    retried, _ = run_flow(
        flow("{type: constant, interval: PT1S, maxAttempt: 3, warningOnRetry: true}"), worker=fail_first(1)
    )
    first_time, _ = run_flow(
        flow("{type: constant, interval: PT1S, maxAttempt: 3, warningOnRetry: true}"), worker=fail_first(0)
    )

    assert state_name(retried.task_runs[0].state.current) == "WARNING"
    assert state_name(retried.state.current) == "WARNING"
    assert state_name(first_time.state.current) == "SUCCESS"


def test_max_duration_stops_retries_whose_next_attempt_would_start_too_late() -> None:
    # Attempts last 1 ms in the harness: 0, 2, 4 s fit in PT6S, 6 s does not.
    _, jobs = run_flow(flow("{type: constant, interval: PT2S, maxDuration: PT6S}"), worker=fail_first(9))

    assert [job.attempt for job in jobs] == [1, 2, 3]


def test_delays_of_each_retry_type() -> None:
    expo = ExponentialRetry(
        type="exponential", interval=timedelta(seconds=1), maxInterval=timedelta(seconds=5)
    )
    assert [delay(expo, "r", count).total_seconds() for count in (1, 2, 3, 4)] == [1, 2, 4, 5]
    tripled = expo.model_copy(update={"delayFactor": 3.0})
    assert delay(tripled, "r", 2) == timedelta(seconds=3)

    low, high = timedelta(milliseconds=200), timedelta(milliseconds=500)
    random = RandomRetry(type="random", minInterval=low, maxInterval=high)
    drawn = [delay(random, f"run{n}", 1) for n in range(50)]
    assert all(low <= d < high for d in drawn)
    assert len(set(drawn)) > 10
    assert delay(random, "run1", 1) == delay(random, "run1", 1), "the same run and attempt wait as long"


def test_the_next_attempt_waits_for_its_wake_and_a_wake_twice_sends_it_once() -> None:
    definition = flow("{type: constant, interval: PT10S, maxAttempt: 3}")
    execution = new_execution(
        execution_id="e", tenant_id="main", flow=definition, flow_revision=1, inputs={}, labels={}, now=T0
    )
    started = start(execution, definition, T0)
    (job,) = started.jobs
    failed = apply_update(
        started.execution,
        TaskRunUpdate(execution_id="e", task_run_id=job.task_run_id, attempt=1, state=FAILED),
        definition,
        T0 + timedelta(seconds=1),
    )
    assert failed.jobs == []
    assert failed.wake_at == T0 + timedelta(seconds=11)
    assert pending_jobs(failed.execution, definition) == [], "a RETRYING task run has no job yet"

    early = apply_wake(failed.execution, definition, T0 + timedelta(seconds=5))
    assert not early.changed
    assert early.wake_at == T0 + timedelta(seconds=11)

    due = apply_wake(failed.execution, definition, T0 + timedelta(seconds=11))
    assert [(j.task_run_id, j.attempt) for j in due.jobs] == [(job.task_run_id, 2)]
    assert due.wake_at is None
    # After a crash between storing and publishing, the stored state still yields the job.
    assert [(j.task_run_id, j.attempt) for j in pending_jobs(due.execution, definition)] == [
        (job.task_run_id, 2)
    ]
    again = apply_wake(due.execution, definition, T0 + timedelta(seconds=12))
    assert not again.changed
    assert again.jobs == []


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("{type: constant, interval: PT1S, behavior: SOMETIMES}", "behavior"),
        ("{type: sometimes}", "retry"),
    ],
)
def test_unsupported_or_invalid_retries_are_refused(yaml: str, message: str) -> None:
    with pytest.raises(FlowInvalid, match=message):
        flow(yaml)


def test_timeout_on_a_flowable_task_is_refused() -> None:
    source = (
        "id: f\nnamespace: n\ntasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n"
        "    timeout: PT1S\n    tasks:\n      - id: t\n        type: io.kestra.plugin.core.log.Log\n"
        "        message: m\n"
    )
    with pytest.raises(FlowInvalid, match="`timeout` is not supported by flowmesh yet"):
        parse_flow(source)


def test_retry_on_a_task_that_updates_the_execution_is_refused() -> None:
    source = (
        "id: f\nnamespace: n\ntasks:\n  - id: l\n    type: io.kestra.plugin.core.execution.Labels\n"
        "    labels: {a: b}\n    retry: {type: constant, interval: PT1S}\n"
    )
    with pytest.raises(FlowInvalid, match="`retry` is not supported by flowmesh yet"):
        parse_flow(source)


# Flow-level retry (Flow.retry) and retry on flowable tasks: which retry applies to a failed task run.

FAIL = "io.kestra.plugin.core.execution.Fail"
MS = timedelta(milliseconds=1)


def always_fail(job: WorkerJob) -> tuple[StateType.ValueType, dict[str, str]]:
    del job
    return FAILED, {}


def attempts_by_task(execution: Execution) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for run in execution.task_runs:
        found.setdefault(run.task_id, []).append(len(run.attempts))
    return found


def test_the_flow_retry_applies_to_a_failed_task_without_a_retry_of_its_own() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\nretry: {type: constant, interval: PT1S, maxAttempt: 4}\n"
        f"tasks:\n  - id: fail\n    type: {FAIL}\n"
        f"  - id: own\n    type: {FAIL}\n    allowFailure: true\n"
        "    retry: {type: constant, interval: PT1S, maxAttempt: 2}\n"
    )
    # A first run where only `own` fails, to see its own retry win over the flow's.
    own_first = parse_flow(
        definition.source.replace("  - id: fail\n", "  - id: fail\n    allowFailure: true\n")
    )
    execution, jobs = run_flow(definition, worker=always_fail)
    both, _ = run_flow(own_first, worker=always_fail)

    assert [job.attempt for job in jobs] == [1, 2, 3, 4]
    assert state_name(execution.state.current) == "FAILED"
    assert history(execution)[-2:] == ["RUNNING", "FAILED"]
    assert attempts_by_task(both) == {"fail": [4], "own": [2]}


def test_the_flow_retry_stops_at_its_max_duration() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\nretry: {behavior: RETRY_FAILED_TASK, type: constant, maxDuration: PT6S,"
        f" interval: PT2S}}\ntasks:\n  - id: fail\n    type: {FAIL}\n"
    )
    execution, jobs = run_flow(definition, worker=always_fail)

    assert [job.attempt for job in jobs] == [1, 2, 3]
    assert state_name(execution.state.current) == "FAILED"


def test_a_retry_on_a_flowable_task_retries_each_of_its_failed_children() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\ntasks:\n  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
        "    concurrencyLimit: 0\n    values: [0, 1]\n"
        "    retry: {type: constant, interval: PT1S, maxAttempt: 3}\n"
        f"    tasks:\n      - id: child\n        type: {FAIL}\n"
    )
    execution, jobs = run_flow(definition, worker=always_fail)

    parent, *children = execution.task_runs
    assert (parent.task_id, len(parent.attempts)) == ("each", 0), (
        "the flowable task run itself is not retried"
    )
    assert [(run.value, len(run.attempts)) for run in children] == [("0", 3), ("1", 3)]
    assert len(jobs) == 6
    assert state_name(parent.state.current) == "FAILED"
    assert state_name(execution.state.current) == "FAILED"


def test_a_child_retried_by_its_parent_lets_the_branch_go_on_once_it_succeeds() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\ntasks:\n  - id: seq\n    type: io.kestra.plugin.core.flow.Sequential\n"
        "    retry: {type: constant, interval: PT1S, maxAttempt: 3}\n"
        "    tasks:\n      - id: flaky\n        type: io.kestra.plugin.core.log.Log\n        message: m\n"
        "      - id: next\n        type: io.kestra.plugin.core.log.Log\n        message: m\n"
    )

    def flaky_once(job: WorkerJob) -> tuple[StateType.ValueType, dict[str, str]]:
        return (FAILED if (job.task_id, job.attempt) == ("flaky", 1) else SUCCESS), {}

    execution, jobs = run_flow(definition, worker=flaky_once)

    assert [(job.task_id, job.attempt) for job in jobs] == [("flaky", 1), ("flaky", 2), ("next", 1)]
    assert state_name(execution.state.current) == "SUCCESS"


def test_the_nearest_parent_with_a_retry_wins_then_the_flow_and_only_runnable_tasks_have_one() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\nretry: {type: constant, interval: PT9S}\ntasks:\n"
        "  - id: outer\n    type: io.kestra.plugin.core.flow.Sequential\n"
        "    retry: {type: constant, interval: PT1S}\n    tasks:\n"
        "      - id: middle\n        type: io.kestra.plugin.core.flow.Sequential\n        tasks:\n"
        "          - id: deep\n            type: io.kestra.plugin.core.log.Log\n            message: m\n"
        "          - id: mine\n            type: io.kestra.plugin.core.log.Log\n            message: m\n"
        "            retry: {type: constant, interval: PT2S}\n"
        "  - id: top\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"
    )

    def interval(task_id: str) -> float | None:
        retry = retry_of(definition, task_id)
        return None if retry is None else retry.interval.total_seconds()  # type: ignore[union-attr]

    assert [interval(task_id) for task_id in ("deep", "mine", "top")] == [1, 2, 9]
    assert retry_of(definition, "outer") is None, "a flowable task run is never retried itself"
    assert retry_of(replace(definition, retry=None), "top") is None


def test_a_create_new_execution_retry_ends_the_execution_retried_and_asks_for_the_next_one() -> None:
    definition = renewing_flow("{type: constant, interval: PT2S, maxAttempt: 3}")
    created = T0

    first = failed_once(definition, created)

    assert state_name(first.state.current) == "RETRIED"
    assert [state_name(run.state.current) for run in first.task_runs] == ["RETRIED"]
    assert [len(run.attempts) for run in first.task_runs] == [1]
    second = pending_successor(first, definition)
    assert second is not None
    assert second.id == new_execution_id(f"retry/{first.id}")
    assert (second.retries, second.flow_id, state_name(second.state.current)) == (1, "f", "CREATED")
    assert second.original_created.ToDatetime(tzinfo=UTC) == created
    # Started by no trigger and awaited by no Subflow task run, as the one it retries.
    assert not second.HasField("trigger")
    assert not second.HasField("parent_task_run")
    # Due an interval after the execution last changed while it ran (its start, 1 ms after creation).
    assert second.schedule_date.ToDatetime(tzinfo=UTC) == created + MS + timedelta(seconds=2)


def test_the_last_retry_as_a_new_execution_ends_failed_and_asks_for_none() -> None:
    definition = renewing_flow("{type: constant, interval: PT2S, maxAttempt: 3}")
    execution = new_execution(
        execution_id="e3", tenant_id="main", flow=definition, flow_revision=1, inputs={}, labels={}, now=T0
    )
    execution.retries = 2
    started = start(execution, definition, T0 + MS)
    (job,) = started.jobs
    update = TaskRunUpdate(execution_id="e3", task_run_id=job.task_run_id, attempt=1, state=FAILED)

    ended = apply_update(started.execution, update, definition, T0 + timedelta(seconds=1))

    assert state_name(ended.execution.state.current) == "FAILED"
    assert ended.starts == []


def test_create_new_execution_is_accepted_at_flow_level() -> None:
    definition = parse_flow(
        "id: f\nnamespace: n\nretry: {behavior: CREATE_NEW_EXECUTION, type: constant, interval: PT1S}\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"
    )

    assert definition.retry is not None
    assert definition.retry.behavior == "CREATE_NEW_EXECUTION"


# When a failed execution is retried as a new one (flow retry CREATE_NEW_EXECUTION).


def renewing_flow(retry: str) -> FlowDefinition:
    """Return a flow of one Log task whose retry is retry, with behavior CREATE_NEW_EXECUTION."""
    return parse_flow(
        f"id: f\nnamespace: n\nretry: {{behavior: CREATE_NEW_EXECUTION, {retry.strip('{}')}}}\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"
    )


def failed_once(definition: FlowDefinition, created: datetime) -> Execution:
    """Return an execution of definition created at created, started 1 ms later, its task failed at 1 s."""
    execution = new_execution(
        execution_id="e2",
        tenant_id="main",
        flow=definition,
        flow_revision=1,
        inputs={},
        labels={},
        now=created,
    )
    started = start(execution, definition, created + MS)
    (job,) = started.jobs
    update = TaskRunUpdate(execution_id="e2", task_run_id=job.task_run_id, attempt=1, state=FAILED)
    return apply_update(started.execution, update, definition, created + timedelta(seconds=1)).execution


def test_a_new_execution_is_due_an_interval_after_the_failing_one_last_changed_until_max_attempts() -> None:
    definition = renewing_flow("{type: constant, maxAttempt: 3, interval: PT1S}")
    execution = failed_once(definition, T0)
    # RUNNING, at start: its last change while it ran, not its end (FAILED, or RETRIED).
    expected = T0 + MS + timedelta(seconds=1)

    assert flow_retry_due(execution, definition, attempt=1, first_created=T0) == expected
    assert flow_retry_due(execution, definition, attempt=2, first_created=T0) == expected
    assert flow_retry_due(execution, definition, attempt=3, first_created=T0) is None

    retried = Execution()
    retried.CopyFrom(execution)
    transition(retried.state, StateType.STATE_TYPE_RETRIED, T0 + timedelta(seconds=5))
    assert flow_retry_due(retried, definition, attempt=1, first_created=T0) == expected, (
        "RETRIED changes nothing"
    )


def test_no_new_execution_once_max_duration_since_the_first_one_has_passed() -> None:
    definition = renewing_flow("{type: constant, maxDuration: PT6S, interval: PT2S}")
    # The third execution of the chain starts 4 s after the first: the next would start at 6 s, too late.
    first = T0
    second = failed_once(definition, first + timedelta(seconds=2))
    third = failed_once(definition, first + timedelta(seconds=4))

    due = flow_retry_due(second, definition, attempt=2, first_created=first)
    assert due == first + timedelta(seconds=4) + MS
    assert flow_retry_due(third, definition, attempt=3, first_created=first) is None


def test_only_a_create_new_execution_flow_retry_makes_new_executions() -> None:
    in_place = parse_flow(
        "id: f\nnamespace: n\nretry: {type: constant, interval: PT1S}\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"
    )
    execution = failed_once(in_place, T0)

    assert flow_retry_due(execution, in_place, attempt=1, first_created=T0) is None
    assert flow_retry_due(execution, replace(in_place, retry=None), attempt=1, first_created=T0) is None


def test_a_task_retry_that_creates_new_executions_counts_from_the_end_of_the_last_attempt() -> None:
    definition = renewing_flow("{type: constant, maxAttempt: 2, interval: PT3S}")
    execution = failed_once(definition, T0)
    run = execution.task_runs[0]
    policy = definition.retry
    assert policy is not None

    assert new_execution_due(run, policy, attempt=1, first_created=T0) == T0 + timedelta(seconds=4)
    assert new_execution_due(run, policy, attempt=2, first_created=T0) is None
    in_place = policy.model_copy(update={"behavior": "RETRY_FAILED_TASK"})
    assert new_execution_due(run, in_place, attempt=1, first_created=T0) is None
