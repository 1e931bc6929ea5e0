from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine._batches import record_batch
from flowmesh.engine._groups import adopt, group_job, is_group
from flowmesh.engine._ids import new_execution_id
from flowmesh.engine._iterations import iterations_due
from flowmesh.engine._jobs import Variables, execution_variables
from flowmesh.engine._pause import expire, expiries, follow_pauses
from flowmesh.engine._resolver import Resolver, TaskRunError
from flowmesh.engine._retries import (
    RETRYING,
    flow_retry_due,
    new_execution_due,
    next_wake,
    retry_due,
    retry_of,
)
from flowmesh.engine._sla import Enforced, enforce_sla, next_deadline
from flowmesh.engine._states import is_terminal, transition
from flowmesh.engine._subflows import CORRELATION_ID, ended_update
from flowmesh.execution.v1.execution_pb2 import Execution, ExecutionTrigger, TaskRun, TaskRunAttempt
from flowmesh.expressions import render_value
from flowmesh.language import FlowDefinition, Trigger, failed_checks, typed_output
from flowmesh.plugins import ExecutableTask, RunnableTask, Task
from flowmesh.queue.v1.queue_pb2 import StartSubflow, SubflowEnded, TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct, to_struct

_WAITING_TO_START = (StateType.STATE_TYPE_CREATED, StateType.STATE_TYPE_QUEUED)


@dataclass
class Decision:
    """What the executor must do after an event: store execution, then send jobs."""

    execution: Execution
    jobs: list[WorkerJob] = field(default_factory=list)
    changed: bool = False
    # Why the executor itself failed task runs (a condition that cannot be rendered...): to log.
    errors: list[TaskRunError] = field(default_factory=list)
    # When the executor must call apply_wake (the earliest retry due), None when nothing waits.
    wake_at: datetime | None = None
    # Executions that Subflow task runs ask for, to start.
    subflows: list[StartSubflow] = field(default_factory=list)
    # Ids of executions to kill: those killed Subflow task runs waited for.
    kills: list[str] = field(default_factory=list)
    # New executions to create and start: retries of this one (CREATE_NEW_EXECUTION).
    starts: list[Execution] = field(default_factory=list)


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
    """Return a CREATED execution of flow, not yet started.

    Its labels are the flow's, then those given, then Kestra's `system.correlationId`
    (the execution's own id unless given: a subflow's carries its parent's).
    """
    every = {**flow.labels, **labels}
    every.setdefault(CORRELATION_ID, execution_id)
    execution = Execution(
        tenant_id=tenant_id,
        id=execution_id,
        namespace=flow.namespace,
        flow_id=flow.id,
        flow_revision=flow_revision,
        inputs=to_struct(inputs),
        labels=[Label(key=key, value=value) for key, value in every.items()],
        original_id=execution_id,
        secret_inputs=[declared.id for declared in flow.inputs if declared.type == "SECRET"],
    )
    transition(execution.state, StateType.STATE_TYPE_CREATED, now)
    return execution


def triggered_execution(
    trigger: Trigger,
    variables: dict[str, Any],
    *,
    execution_id: str,
    tenant_id: str,
    flow: FlowDefinition,
    flow_revision: int,
    inputs: dict[str, Any],
    now: datetime,
    labels: dict[str, str] | None = None,
) -> Execution:
    """Return a CREATED execution of flow that trigger starts, with its `trigger` variables.

    labels: the trigger's own unless given.
    """
    execution = new_execution(
        execution_id=execution_id,
        tenant_id=tenant_id,
        flow=flow,
        flow_revision=flow_revision,
        inputs=inputs,
        labels=trigger.label_map() if labels is None else labels,
        now=now,
    )
    execution.trigger.CopyFrom(
        ExecutionTrigger(id=trigger.id, type=trigger.type_names[0], variables=to_struct(variables))
    )
    return execution


def start(execution: Execution, flow: FlowDefinition, now: datetime) -> Decision:
    """Start a CREATED (or QUEUED) execution: RUNNING, with its first task runs."""
    if execution.state.current not in _WAITING_TO_START:
        return Decision(execution)
    updated = _copy(execution)
    failing = [
        check.message
        for check in failed_checks(flow, from_struct(execution.inputs))
        if check.behavior == "FAIL_EXECUTION"
    ]
    if failing:
        # A check with behavior FAIL_EXECUTION: the execution is created FAILED, no task runs.
        transition(updated.state, StateType.STATE_TYPE_FAILED, now)
        updated.version += 1
        return Decision(updated, changed=True, errors=[TaskRunError("", "", message) for message in failing])
    # Kestra checks a new execution's SLAs before it runs: a violated one may end it at once.
    sla = enforce_sla(updated, flow, now)
    if not is_terminal(updated.state.current):
        transition(updated.state, StateType.STATE_TYPE_RUNNING, now)
    return _advance(updated, flow, now, touched=set(), sla=sla)


def hold(execution: Execution, flow: FlowDefinition, now: datetime, *, queued: bool) -> Decision:
    """Keep a CREATED execution from running: the flow's concurrency limit is reached.

    queued: it waits QUEUED for a slot; otherwise it ends as the limit's behavior says.
    """
    if execution.state.current != StateType.STATE_TYPE_CREATED:
        return Decision(execution)
    updated = _copy(execution)
    if queued:
        transition(updated.state, StateType.STATE_TYPE_QUEUED, now)
    else:
        behavior = flow.concurrency.behavior if flow.concurrency else "FAIL"
        ended = StateType.STATE_TYPE_CANCELLED if behavior == "CANCEL" else StateType.STATE_TYPE_FAILED
        transition(updated.state, ended, now)
    updated.version += 1
    return Decision(updated, changed=True)


def unqueue(execution: Execution, flow: FlowDefinition, state: StateType, now: datetime) -> Decision:
    """Take a QUEUED execution out of its flow's queue: RUNNING starts it, another state ends it.

    An execution that is not QUEUED (any more) is left as it is.
    """
    if execution.state.current != StateType.STATE_TYPE_QUEUED:
        return Decision(execution)
    if state == StateType.STATE_TYPE_RUNNING:
        return start(execution, flow, now)
    updated = _copy(execution)
    transition(updated.state, state, now)
    updated.version += 1
    return Decision(updated, changed=True)


def apply_update(
    execution: Execution, update: TaskRunUpdate, flow: FlowDefinition, now: datetime
) -> Decision:
    """Apply a worker's report on an attempt, then decide what comes next (see apply_updates)."""
    return apply_updates(execution, [update], flow, now)


def apply_updates(
    execution: Execution, updates: list[TaskRunUpdate], flow: FlowDefinition, now: datetime
) -> Decision:
    """Apply workers' reports on attempts of one execution, then decide once what comes next.

    One decision (and one write) for many reports is what lets a wide loop keep
    up with its workers. Reports of successes and warnings are applied together;
    among others (a failure may retry its task, or the execution) each is applied
    on its own, in order, and the decision is theirs together.

    A report on an attempt that has already ended, on an older attempt, or on
    an execution that has ended (but for its afterExecution task runs) changes
    nothing: results apply at most once.
    """
    if len(updates) > 1 and any(update.state not in _TOGETHER for update in updates):
        return _one_by_one(execution, updates, flow, now)
    updated = _copy(execution)
    by_id = {run.id: run for run in updated.task_runs}
    touched: set[str] = set()
    for update in updates:
        if update.batch:
            if record_batch(by_id.get(update.task_run_id), update, flow, now):
                touched.add(update.task_run_id)
            continue
        known = by_id.get(update.task_run_id)
        if known is None and update.group_task_run_id:
            known = adopt(updated, flow, by_id.get(update.group_task_run_id), update, now)
        run = _record(updated, known, update, flow, now)
        if run is None:
            continue
        if run.state.current == StateType.STATE_TYPE_FAILED and successor(updated, flow, run) is not None:
            return _retried(updated, flow, run, now)
        touched.add(run.id)
    if not touched:
        return Decision(execution)
    return _advance(updated, flow, now, touched=touched)


# The reports applied together: those that cannot retry anything.
_TOGETHER = (StateType.STATE_TYPE_SUCCESS, StateType.STATE_TYPE_WARNING)


def _record(
    updated: Execution, run: TaskRun | None, update: TaskRunUpdate, flow: FlowDefinition, now: datetime
) -> TaskRun | None:
    """Record a worker's report on run of updated; return run, or None when the report changes nothing."""
    if run is None or not _applies(run, update):
        return None
    if is_terminal(updated.state.current) and run.task_id not in flow.after_execution_ids():
        # An ended execution only hears about its afterExecution task runs.
        return None
    attempt = _attempt(run, update.attempt)
    if update.worker_id:
        attempt.worker_id = update.worker_id
    if update.log_file:
        attempt.log_file = update.log_file
    when = update.date.ToDatetime(tzinfo=now.tzinfo) if update.HasField("date") else now
    started = update.started.ToDatetime(tzinfo=now.tzinfo) if update.HasField("started") else when
    transition(attempt.state, StateType.STATE_TYPE_RUNNING, started)
    transition(run.state, StateType.STATE_TYPE_RUNNING, started)
    state = _retried_state(run, flow.task(run.task_id), update.state)
    transition(attempt.state, state, when)
    if is_terminal(state):
        run.outputs.CopyFrom(update.outputs)
        if is_group(flow.task(run.task_id)):
            return run  # its children's states and its errors branch decide its end: the walk's
        transition(run.state, state, when)
        # A group's child is not retried alone: it ran in its group's directory, which is gone.
        grouped = run.parent_task_run_id and is_group(flow.parent(run.task_id))
        if state == StateType.STATE_TYPE_FAILED and not grouped and retry_due(run, flow) is not None:
            # Kestra's handleRetryTask: FAILED, then RETRYING until the next attempt is due.
            transition(run.state, RETRYING, now)
    return run


def _one_by_one(
    execution: Execution, updates: list[TaskRunUpdate], flow: FlowDefinition, now: datetime
) -> Decision:
    """Apply each report on its own, in order; return one decision with all they asked for."""
    decision = Decision(execution)
    for update in updates:
        step = apply_updates(decision.execution, [update], flow, now)
        if step.changed:
            decision = Decision(
                step.execution,
                decision.jobs + step.jobs,
                changed=True,
                errors=decision.errors + step.errors,
                wake_at=step.wake_at,
                subflows=decision.subflows + step.subflows,
                kills=decision.kills + step.kills,
                starts=decision.starts + step.starts,
            )
    # Stored once: every task run a step changed belongs to the one event of the last version.
    for run in decision.execution.task_runs:
        if run.version > execution.version:
            run.version = decision.execution.version
    return decision


def successor(execution: Execution, flow: FlowDefinition, run: TaskRun) -> Execution | None:
    """Return the execution that retries this one as a new execution, run having failed (None: none).

    A retry with behavior CREATE_NEW_EXECUTION applies (the task's own, a parent's
    or the flow's: retry_of) and has attempts and time left. The new execution is
    the same every time: its id comes from this one's, it runs the same flow
    revision with the same inputs and labels, once its schedule date has come.
    """
    retry = retry_of(flow, run.task_id)
    if retry is None or retry.behavior != "CREATE_NEW_EXECUTION":
        return None
    created = execution.state.histories[0].date
    first = execution.original_created if execution.HasField("original_created") else created
    first_created = first.ToDatetime(tzinfo=UTC)
    attempt = execution.retries + 1
    if retry is flow.retry:
        due = flow_retry_due(execution, flow, attempt=attempt, first_created=first_created)
    else:
        due = new_execution_due(run, retry, attempt=attempt, first_created=first_created)
    if due is None:
        return None
    new = new_execution(
        execution_id=new_execution_id(f"retry/{execution.id}"),
        tenant_id=execution.tenant_id,
        flow=flow,
        flow_revision=execution.flow_revision,
        inputs=from_struct(execution.inputs),
        labels={label.key: label.value for label in execution.labels},
        now=due,
    )
    new.retries = attempt
    new.original_created.CopyFrom(first)
    new.schedule_date.FromDatetime(due)
    if execution.HasField("trigger"):
        new.trigger.CopyFrom(execution.trigger)
    if execution.HasField("parent_task_run"):
        new.parent_task_run.CopyFrom(execution.parent_task_run)
    return new


def _retried(execution: Execution, flow: FlowDefinition, run: TaskRun, now: datetime) -> Decision:
    """End an execution whose run failed under a CREATE_NEW_EXECUTION retry: RETRIED, as its run.

    As Kestra: the failed task run and every task run still going end RETRIED,
    and so does the execution (no `errors` branch runs); the new execution
    (successor) is the decision's to start.
    """
    new = successor(execution, flow, run)
    assert new is not None
    execution.version += 1
    for other in execution.task_runs:
        if other.id == run.id or not is_terminal(other.state.current):
            transition(other.state, StateType.STATE_TYPE_RETRIED, now)
            other.version = execution.version
    transition(execution.state, StateType.STATE_TYPE_RETRIED, now)
    return Decision(execution, changed=True, starts=[new])


def pending_successor(execution: Execution, flow: FlowDefinition) -> Execution | None:
    """Return the new execution a RETRIED execution asked for: the outbox after a crash."""
    if execution.state.current != StateType.STATE_TYPE_RETRIED:
        return None
    for run in execution.task_runs:
        if run.state.current == StateType.STATE_TYPE_RETRIED and isinstance(
            flow.task(run.task_id), RunnableTask
        ):
            return successor(execution, flow, run)
    return None


def subflow_ended(execution: Execution, flow: FlowDefinition, ended: SubflowEnded, now: datetime) -> Decision:
    """End the Subflow task run that waited for an execution which has ended (see ended_update)."""
    update = ended_update(execution, flow, ended)
    if update is None:
        return Decision(execution)
    decision = apply_update(execution, update, flow, now)
    if update.error and decision.changed:
        run = _find(decision.execution, update.task_run_id)
        assert run is not None
        decision.errors.append(TaskRunError(run.id, run.task_id, update.error))
    return decision


def apply_wake(execution: Execution, flow: FlowDefinition, now: datetime) -> Decision:
    """Send the next attempt of every RETRYING task run whose delay has passed by now.

    Pauses whose duration has passed by now end by themselves (Pause.expiry),
    LoopUntil task runs whose interval has passed start their next iteration,
    and MAX_DURATION SLAs whose deadline has passed apply (flowmesh.engine._sla).

    The task run goes back to CREATED (Kestra's retryTask) and its job carries
    the next attempt number; a Subflow task run starts a new execution. A wake
    that finds nothing due changes nothing and says when to wake again.
    """
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    due = {
        run.id
        for run in execution.task_runs
        if run.state.current == RETRYING
        and (not ended or run.task_id in after)
        and _at_or_before(retry_due(run, flow), now)
    }
    if (
        not due
        and not any(at <= now for _, at, _ in expiries(execution, flow))
        and not any(at <= now for at in iterations_due(execution, flow))
        and not _at_or_before(next_deadline(execution, flow), now)
    ):
        return Decision(execution, wake_at=next_wake(execution, flow))
    updated = _copy(execution)
    for run in updated.task_runs:
        if run.id in due:
            # A Subflow task run is started again by the walk (a new attempt: a new execution).
            again = isinstance(flow.task(run.task_id), ExecutableTask)
            transition(
                run.state, StateType.STATE_TYPE_RESTARTED if again else StateType.STATE_TYPE_CREATED, now
            )
    # Pauses whose duration (or timeout) has passed go on, or end, as their behavior says.
    expired = expire(updated, flow, now)
    decision = _advance(updated, flow, now, touched=due | expired)
    variables = Variables(decision.execution, flow)  # built once for every job: N jobs cost N, not N²
    retried = [
        variables.job(run, flow.task(run.task_id))
        for run in decision.execution.task_runs
        if run.id in due and run.state.current == StateType.STATE_TYPE_CREATED  # not ended by an SLA
    ]
    decision.jobs[:0] = retried
    return decision


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
    ended = is_terminal(execution.state.current)
    after = flow.after_execution_ids()
    variables = Variables(execution, flow)  # built once for every job: N jobs cost N, not N²
    jobs = []
    for run in execution.task_runs:
        if ended and run.task_id not in after:
            continue
        if run.state.current == StateType.STATE_TYPE_CREATED:
            task = flow.task(run.task_id)
            if isinstance(task, RunnableTask):
                jobs.append(variables.job(run, task))
        elif run.state.current == StateType.STATE_TYPE_RUNNING and not (
            run.attempts and is_terminal(run.attempts[-1].state.current)
        ):
            task = flow.task(run.task_id)
            if is_group(task):
                jobs.append(group_job(variables, execution, run, task))
    return jobs


def _advance(
    execution: Execution, flow: FlowDefinition, now: datetime, touched: set[str], sla: Enforced | None = None
) -> Decision:
    if sla is None:
        # Before deciding what comes next: the SLAs the change (or the time) violates.
        sla = enforce_sla(execution, flow, now)
    resolver = Resolver(execution, flow, now)
    # Paused by hand: results are recorded, nothing new is decided until a resume.
    if not is_terminal(execution.state.current) and not execution.manually_paused:
        final = resolver.resolve_execution()
        if final is not None:
            transition(execution.state, _with_outputs(execution, flow, final, resolver.errors), now)
        follow_pauses(execution, now)
    if is_terminal(execution.state.current):
        resolver.resolve_after_execution()
    execution.version += 1
    for run in execution.task_runs:
        if run.id in touched or run.id in resolver.touched or run.id in sla.touched:
            run.version = execution.version
    return Decision(
        execution,
        resolver.jobs,
        changed=True,
        errors=[*sla.errors, *resolver.errors],
        wake_at=next_wake(execution, flow),
        subflows=resolver.subflows,
    )


def _retried_state(run: TaskRun, task: Task, state: StateType) -> StateType:
    """Return the state an attempt ends in: WARNING for a success after retries with warningOnRetry."""
    retry = task.retry
    if (
        state == StateType.STATE_TYPE_SUCCESS
        and retry is not None
        and retry.warningOnRetry
        and len(run.attempts) > 1
    ):
        return StateType.STATE_TYPE_WARNING
    return state


def _at_or_before(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def _with_outputs(
    execution: Execution, flow: FlowDefinition, final: StateType, errors: list[TaskRunError]
) -> StateType:
    """Render the flow's outputs into the execution; return its final state (FAILED if they fail)."""
    if not flow.outputs:
        return final
    found: dict[str, Any] = {}
    context = execution_variables(execution, flow)
    try:
        for output in flow.outputs:
            found[output.id] = typed_output(output, render_value(output.value, context))
    except ValueError as error:  # ExpressionError included
        errors.append(TaskRunError("", "", f"Failed to render output values: {error}"))
        execution.ClearField("outputs")
        return StateType.STATE_TYPE_FAILED
    execution.outputs.CopyFrom(to_struct(found))
    return final


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
