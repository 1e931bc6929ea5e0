"""Task retries in the decision core: delays, attempts, states, maxDuration, wakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import apply_update, apply_wake, new_execution, pending_jobs, start, state_name
from flowmesh.engine._retries import delay
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
        (
            "{type: constant, interval: PT1S, behavior: CREATE_NEW_EXECUTION}",
            "CREATE_NEW_EXECUTION is not supported",
        ),
        ("{type: sometimes}", "retry"),
    ],
)
def test_unsupported_or_invalid_retries_are_refused(yaml: str, message: str) -> None:
    with pytest.raises(FlowInvalid, match=message):
        flow(yaml)


@pytest.mark.parametrize("prop", ["retry: {type: constant, interval: PT1S}", "timeout: PT1S"])
def test_retry_and_timeout_on_a_flowable_task_are_refused(prop: str) -> None:
    source = (
        "id: f\nnamespace: n\ntasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n"
        f"    {prop}\n    tasks:\n      - id: t\n        type: io.kestra.plugin.core.log.Log\n"
        "        message: m\n"
    )
    with pytest.raises(FlowInvalid, match="not supported by flowmesh yet"):
        parse_flow(source)
