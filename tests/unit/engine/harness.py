"""Run flows through the decision core in memory, playing the part of the workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import Decision, apply_update, apply_wake, new_execution, start
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.expressions import ExpressionError, render, render_value
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.plugins import RunnableTask, TaskFailed, task_class
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct, to_struct

Outcome = tuple[StateType.ValueType, dict[str, Any]]
Worker = Callable[[WorkerJob], Outcome]
AsyncWorker = Callable[[WorkerJob], Awaitable[Outcome]]
Order = Callable[[list[WorkerJob]], list[WorkerJob]]
# Log lines by task run id: (level, message).
Logs = dict[str, list[tuple[str, str]]]

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def succeed(job: WorkerJob) -> Outcome:
    """Succeed with Return's output: the format property, unrendered."""
    task = from_struct(job.task)
    return StateType.STATE_TYPE_SUCCESS, ({"value": task["format"]} if "format" in task else {})


def run_flow(
    source: str | FlowDefinition,
    *,
    inputs: dict[str, Any] | None = None,
    worker: Worker = succeed,
    order: Order = lambda jobs: jobs,
    logs: Logs | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[Execution, list[WorkerJob]]:
    """Run source to its end; return the final execution and every job in the order run.

    The errors the executor reports on task runs go to logs, when given.
    """
    driver = _drive(source, inputs or {}, order, {} if logs is None else logs, labels or {})
    try:
        job = next(driver)
        while True:
            job = driver.send(worker(job))
    except StopIteration as stop:
        return stop.value


async def run_flow_async(
    source: str | FlowDefinition,
    *,
    inputs: dict[str, Any] | None = None,
    worker: AsyncWorker,
    order: Order = lambda jobs: jobs,
    logs: Logs | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[Execution, list[WorkerJob]]:
    """Run source to its end with a worker that awaits, as PluginWorker does."""
    driver = _drive(source, inputs or {}, order, {} if logs is None else logs, labels or {})
    try:
        job = next(driver)
        while True:
            job = driver.send(await worker(job))
    except StopIteration as stop:
        return stop.value


def _drive(
    source: str | FlowDefinition, inputs: dict[str, Any], order: Order, logs: Logs, labels: dict[str, str]
) -> Generator[WorkerJob, Outcome, tuple[Execution, list[WorkerJob]]]:
    """Yield each job to run and receive its outcome; return the final execution and the jobs."""
    flow = parse_flow(source) if isinstance(source, str) else source
    clock = Clock()
    execution = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=flow,
        flow_revision=1,
        inputs=inputs,
        labels=labels,
        now=next(clock),
    )
    decision = start(execution, flow, next(clock))
    _log_errors(decision, logs)
    execution, queue, done = decision.execution, list(decision.jobs), []
    wake = decision.wake_at
    while queue or wake:
        if wake is not None and (not queue or clock.now >= wake):
            # Retries wait for their delay: time jumps to it when nothing else is left to run.
            clock.now = max(clock.now, wake)
            decision = apply_wake(execution, flow, clock.now)
            _log_errors(decision, logs)
            execution, wake = decision.execution, decision.wake_at
            queue.extend(decision.jobs)
            continue
        queue = order(queue)
        job = queue.pop(0)
        done.append(job)
        decision = apply_update(execution, _update(job, StateType.STATE_TYPE_RUNNING, {}), flow, next(clock))
        _log_errors(decision, logs)
        execution = decision.execution
        queue.extend(decision.jobs)
        state, outputs = yield job
        decision = apply_update(execution, _update(job, state, outputs), flow, next(clock))
        _log_errors(decision, logs)
        execution, wake = decision.execution, decision.wake_at
        queue.extend(decision.jobs)
    return execution, done


class Clock:
    """The harness's time: each step a millisecond later (next()), or set forward to a wake."""

    STEP = timedelta(milliseconds=1)

    def __init__(self) -> None:
        self.now = T0 - self.STEP

    def __next__(self) -> datetime:
        self.now += self.STEP
        return self.now


def _log_errors(decision: Decision, logs: Logs) -> None:
    for error in decision.errors:
        logs.setdefault(error.task_run_id, []).append(("ERROR", error.message))


def _update(job: WorkerJob, state: StateType.ValueType, outputs: dict[str, Any]) -> TaskRunUpdate:
    return TaskRunUpdate(
        execution_id=job.execution_id,
        task_run_id=job.task_run_id,
        attempt=job.attempt,
        state=state,
        outputs=to_struct(outputs),
    )


class Context:
    """A task's RunContext in memory: its variables, and a log kept in a list."""

    def __init__(self, variables: dict[str, Any], lines: list[tuple[str, str]]) -> None:
        self.variables = variables
        self.lines = lines

    def render(self, value: Any) -> Any:
        return render_value(value, self.variables)

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))


class PluginWorker:
    """A worker that really runs each task's plugin, as the worker service does.

    The task's properties are rendered against the job's variables, validated by
    the task class, and run; TaskFailed, a failing expression or properties that
    no longer fit fail the attempt with an ERROR log line, as Kestra logs them.
    """

    def __init__(self) -> None:
        self.logs: dict[str, list[tuple[str, str]]] = {}

    async def __call__(self, job: WorkerJob) -> Outcome:
        lines = self.logs.setdefault(job.task_run_id, [])
        variables = from_struct(job.variables)
        context = Context(variables, lines)
        raw = from_struct(job.task)
        cls = task_class(raw["type"])
        assert cls is not None, raw["type"]
        assert issubclass(cls, RunnableTask), raw["type"]
        try:
            properties = {key: value for key, value in raw.items() if key not in ("id", "type")}
            rendered = render_value(properties, variables)
            task = cls.model_validate({**rendered, "id": raw["id"], "type": raw["type"]})
            outputs = await task.run(context)
        except (TaskFailed, ExpressionError, ValidationError) as error:
            context.log("ERROR", str(error))
            return StateType.STATE_TYPE_FAILED, {}
        return StateType.STATE_TYPE_SUCCESS, outputs


def render_format(job: WorkerJob) -> Outcome:
    """Succeed with Return's output, its format rendered against the job's variables."""
    task = from_struct(job.task)
    value = render(task["format"], from_struct(job.variables)) if "format" in task else None
    return StateType.STATE_TYPE_SUCCESS, ({"value": value} if value is not None else {})
