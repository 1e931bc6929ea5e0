from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine._jobs import build_job
from flowmesh.engine._resolver import Resolver, TaskRunError
from flowmesh.engine._states import is_terminal, transition
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun, TaskRunAttempt
from flowmesh.language import FlowDefinition
from flowmesh.plugins import RunnableTask
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import to_struct


@dataclass
class Decision:
    """What the executor must do after an event: store execution, then send jobs."""

    execution: Execution
    jobs: list[WorkerJob] = field(default_factory=list)
    changed: bool = False
    # Why the executor itself failed task runs (a condition that cannot be rendered...): to log.
    errors: list[TaskRunError] = field(default_factory=list)


def new_execution(
    *,
    execution_id: str,
    tenant_id: str,
    flow: FlowDefinition,
    flow_revision: int,
    inputs: dict[str, Any],
    labels: dict[str, str],
    now: datetime,
) -> Execution:
    """Return a CREATED execution of flow, not yet started."""
    execution = Execution(
        tenant_id=tenant_id,
        id=execution_id,
        namespace=flow.namespace,
        flow_id=flow.id,
        flow_revision=flow_revision,
        inputs=to_struct(inputs),
        labels=[Label(key=key, value=value) for key, value in {**flow.labels, **labels}.items()],
        original_id=execution_id,
    )
    transition(execution.state, StateType.STATE_TYPE_CREATED, now)
    return execution


def start(execution: Execution, flow: FlowDefinition, now: datetime) -> Decision:
    """Start a CREATED execution: RUNNING, with its first task runs."""
    if execution.state.current != StateType.STATE_TYPE_CREATED:
        return Decision(execution)
    updated = _copy(execution)
    transition(updated.state, StateType.STATE_TYPE_RUNNING, now)
    return _advance(updated, flow, now, touched=set())


def apply_update(
    execution: Execution, update: TaskRunUpdate, flow: FlowDefinition, now: datetime
) -> Decision:
    """Apply a worker's report on an attempt, then decide what comes next.

    A report on an attempt that has already ended, on an older attempt, or on
    an execution that has ended changes nothing: results apply at most once.
    """
    current = _find(execution, update.task_run_id)
    if current is None or is_terminal(execution.state.current) or not _applies(current, update):
        return Decision(execution)
    updated = _copy(execution)
    run = _find(updated, update.task_run_id)
    assert run is not None
    attempt = _attempt(run, update.attempt)
    if update.worker_id:
        attempt.worker_id = update.worker_id
    when = update.date.ToDatetime(tzinfo=now.tzinfo) if update.HasField("date") else now
    started = update.started.ToDatetime(tzinfo=now.tzinfo) if update.HasField("started") else when
    transition(attempt.state, StateType.STATE_TYPE_RUNNING, started)
    transition(run.state, StateType.STATE_TYPE_RUNNING, started)
    transition(attempt.state, update.state, when)
    if is_terminal(update.state):
        run.outputs.CopyFrom(update.outputs)
        transition(run.state, update.state, when)
    return _advance(updated, flow, now, touched={run.id})


def fail(execution: Execution, now: datetime) -> Decision:
    """End an execution that cannot go on (its flow is gone or unreadable) as FAILED."""
    if is_terminal(execution.state.current):
        return Decision(execution)
    updated = _copy(execution)
    transition(updated.state, StateType.STATE_TYPE_FAILED, now)
    updated.version += 1
    return Decision(updated, changed=True)


def pending_jobs(execution: Execution, flow: FlowDefinition) -> list[WorkerJob]:
    """Return the jobs of task runs that no worker has reported on yet.

    The state is its own outbox: after a crash between storing a decision and
    publishing its jobs, these are the jobs to publish again.
    """
    if is_terminal(execution.state.current):
        return []
    jobs = []
    for run in execution.task_runs:
        if run.state.current == StateType.STATE_TYPE_CREATED:
            task = flow.task(run.task_id)
            if isinstance(task, RunnableTask):
                jobs.append(build_job(execution, flow, run, task))
    return jobs


def _advance(execution: Execution, flow: FlowDefinition, now: datetime, touched: set[str]) -> Decision:
    resolver = Resolver(execution, flow, now)
    final = resolver.resolve_execution()
    if final is not None:
        transition(execution.state, final, now)
    execution.version += 1
    for run in execution.task_runs:
        if run.id in touched or run.id in resolver.touched:
            run.version = execution.version
    return Decision(execution, resolver.jobs, changed=True, errors=resolver.errors)


def _applies(run: TaskRun, update: TaskRunUpdate) -> bool:
    if is_terminal(run.state.current):
        return False
    known = len(run.attempts)
    if update.attempt == known + 1:
        return True
    if update.attempt == known and known:
        # The current attempt: only its end is news.
        return is_terminal(update.state) and not is_terminal(run.attempts[-1].state.current)
    return False


def _attempt(run: TaskRun, number: int) -> TaskRunAttempt:
    while len(run.attempts) < number:
        run.attempts.add()
    return run.attempts[number - 1]


def _find(execution: Execution, task_run_id: str) -> TaskRun | None:
    return next((run for run in execution.task_runs if run.id == task_run_id), None)


def _copy(execution: Execution) -> Execution:
    updated = Execution()
    updated.CopyFrom(execution)
    return updated
