"""Task retries (Kestra's AbstractRetry and TaskRun.nextRetryDate), as pure rules.

A failed attempt with a retry left puts its task run in RETRYING; once the
delay has passed, the task run goes back to CREATED and its next attempt is
sent (same task run, attempt number + 1). When it is due is derived from the
task run's attempts and the flow alone, so that the state stays its own outbox:
no timer is stored, and the same state always gives the same time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._iterations import next_iteration
from flowmesh.engine._pause import next_expiry
from flowmesh.engine._states import is_terminal
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition
from flowmesh.plugins import ConstantRetry, ExponentialRetry, RandomRetry, Task

RETRYING = StateType.STATE_TYPE_RETRYING
_MILLISECOND = timedelta(milliseconds=1)


def retry_due(run: TaskRun, task: Task) -> datetime | None:
    """Return when run's next attempt is due after its last one failed; None when none is left.

    As Kestra: no retry once maxAttempts attempts have run, nor when the next
    attempt would start after the first one started + maxDuration; the delay
    counts from the end of the last attempt.
    """
    retry = task.retry
    if retry is None or not run.attempts:
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


def next_wake(execution: Execution, flow: FlowDefinition) -> datetime | None:
    """Return when the earliest retry, pause expiry or LoopUntil iteration is due; None: nothing waits."""
    dues = [next_expiry(execution, flow), _next_retry(execution, flow), next_iteration(execution, flow)]
    return min((due for due in dues if due is not None), default=None)


def _next_retry(execution: Execution, flow: FlowDefinition) -> datetime | None:
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    found: datetime | None = None
    for run in execution.task_runs:
        if run.state.current != RETRYING or (ended and run.task_id not in after):
            continue
        due = retry_due(run, flow.task(run.task_id))
        if due is not None and (found is None or due < found):
            found = due
    return found


def _moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)
