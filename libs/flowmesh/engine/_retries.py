"""Task retries (Kestra's AbstractRetry and TaskRun.nextRetryDate), as pure rules.

A failed attempt with a retry left puts its task run in RETRYING; once the
delay has passed, the task run goes back to CREATED and its next attempt is
sent (same task run, attempt number + 1). When it is due is derived from the
task run's attempts and the flow alone, so that the state stays its own outbox:
no timer is stored, and the same state always gives the same time.

The retry that applies to a failed task run is its task's own, else the one of
its nearest enclosing flowable task that has one, else the flow's (retry_of).
With behavior CREATE_NEW_EXECUTION, the execution is retried as a new one
instead (flow_retry_due, new_execution_due say when).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._iterations import next_iteration
from flowmesh.engine._pause import next_expiry
from flowmesh.engine._sla import next_deadline
from flowmesh.engine._states import is_terminal
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition, FlowRetry
from flowmesh.plugins import ConstantRetry, ExecutableTask, ExponentialRetry, RandomRetry, RunnableTask

RETRYING = StateType.STATE_TYPE_RETRYING
_MILLISECOND = timedelta(milliseconds=1)


def retry_of(flow: FlowDefinition, task_id: str) -> FlowRetry | None:
    """Return the retry that applies to a failed run of the task task_id; None when none does.

    As Kestra's ExecutorService.handleChildWorkerTaskResult: the task's own
    retry, else that of its nearest parent (a flowable task) with one, else the
    flow's. Only task runs that workers run, and Subflow task runs, are retried.
    """
    task = flow.task(task_id)
    if not isinstance(task, RunnableTask | ExecutableTask):
        return None
    if task.retry is not None:
        return task.retry
    parent = flow.parent(task_id)
    while parent is not None:
        if parent.retry is not None:
            return parent.retry
        parent = flow.parent(parent.id)
    return flow.retry


def retry_due(run: TaskRun, flow: FlowDefinition) -> datetime | None:
    """Return when run's next attempt is due after its last one failed; None when none is left.

    As Kestra: no retry once maxAttempts attempts have run, nor when the next
    attempt would start after the first one started + maxDuration; the delay
    counts from the end of the last attempt. A retry whose behavior is
    CREATE_NEW_EXECUTION gives no next attempt on the same task run.
    """
    retry = retry_of(flow, run.task_id)
    if retry is None or retry.behavior != "RETRY_FAILED_TASK" or not run.attempts:
        return None
    count = len(run.attempts)
    limit = retry.attempts_limit
    if limit is not None and count >= limit:
        return None
    last = run.attempts[-1].state.histories
    first = run.attempts[0].state.histories
    if not last or not first:
        return None
    due = _moment(last[-1].date) + delay(retry, run.id, count)
    if retry.maxDuration is not None and due > _moment(first[0].date) + retry.maxDuration:
        return None
    return due


def delay(retry: ConstantRetry | ExponentialRetry | RandomRetry, run_id: str, count: int) -> timedelta:
    """Return the wait before the attempt after count attempts (Kestra's nextRetryDate).

    A random delay is drawn from the task run id and the attempt number, not
    from a random source: the decision stays pure, and a decision taken again
    (after a crash, on another executor) waits just as long.
    """
    if isinstance(retry, ConstantRetry):
        return retry.interval
    if isinstance(retry, ExponentialRetry):
        factor = 2.0 if retry.delayFactor is None else retry.delayFactor
        millis = retry.interval / _MILLISECOND * factor ** (count - 1)
        return min(retry.maxInterval, timedelta(milliseconds=round(millis)))
    low = retry.minInterval // _MILLISECOND
    high = retry.maxInterval // _MILLISECOND
    if high <= low:
        return retry.minInterval
    digest = hashlib.blake2b(f"{run_id}:{count}".encode(), digest_size=8, person=b"retry").digest()
    # Java's nextLong(min, max): max excluded.
    return timedelta(milliseconds=low + int.from_bytes(digest, "big") % (high - low))


def flow_retry_due(
    execution: Execution, flow: FlowDefinition, *, attempt: int, first_created: datetime
) -> datetime | None:
    """Return when an execution failing under the flow's CREATE_NEW_EXECUTION retry runs again as a new one.

    None when the flow has no such retry, or none is left. As Kestra's
    ExecutionService.nextRetryDate: attempt is the execution's number in its
    chain of retries (1 for the first; Kestra's metadata.attemptNumber),
    first_created when the first of the chain was created (originalCreatedDate).
    No retry once attempt reaches maxAttempts, nor when the new execution would
    start after first_created + maxDuration. The delay counts from the
    execution's last change of state while it ran (Kestra decides while the
    execution still runs), so that the answer is the same before and after the
    execution is marked RETRIED (or FAILED).

    It applies when a task run fails with no retry closer to it: when
    retry_of(flow, run.task_id) is flow.retry.
    """
    retry = flow.retry
    if retry is None or retry.behavior != "CREATE_NEW_EXECUTION":
        return None
    changes = [entry for entry in execution.state.histories if not is_terminal(entry.state)]
    if not changes:
        return None
    base = _moment(changes[-1].date)
    return _new_execution_due(retry, base, execution.original_id or execution.id, attempt, first_created)


def new_execution_due(
    run: TaskRun, retry: FlowRetry, *, attempt: int, first_created: datetime
) -> datetime | None:
    """Return when an execution whose run failed under a task's CREATE_NEW_EXECUTION retry runs again.

    As Kestra's TaskRun.nextRetryDate(retry, execution): as flow_retry_due,
    but the delay counts from the end of run's last attempt. None when retry's
    behavior is another, or no retry is left.
    """
    if retry.behavior != "CREATE_NEW_EXECUTION" or not run.attempts or not run.attempts[-1].state.histories:
        return None
    ended = _moment(run.attempts[-1].state.histories[-1].date)
    return _new_execution_due(retry, ended, run.id, attempt, first_created)


def _new_execution_due(
    retry: FlowRetry, base: datetime, key: str, attempt: int, first_created: datetime
) -> datetime | None:
    limit = retry.attempts_limit
    if limit is not None and attempt >= limit:
        return None
    due = base + delay(retry, key, attempt)
    if retry.maxDuration is not None and due > first_created + retry.maxDuration:
        return None
    return due


def next_wake(execution: Execution, flow: FlowDefinition) -> datetime | None:
    """Return when the earliest retry, pause expiry, LoopUntil iteration or SLA deadline is due.

    None: nothing waits.
    """
    dues = [
        next_expiry(execution, flow),
        _next_retry(execution, flow),
        next_iteration(execution, flow),
        next_deadline(execution, flow),
    ]
    return min((due for due in dues if due is not None), default=None)


def _next_retry(execution: Execution, flow: FlowDefinition) -> datetime | None:
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    found: datetime | None = None
    for run in execution.task_runs:
        if run.state.current != RETRYING or (ended and run.task_id not in after):
            continue
        due = retry_due(run, flow)
        if due is not None and (found is None or due < found):
            found = due
    return found


def _moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)
