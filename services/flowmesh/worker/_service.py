from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import is_terminal, state_name
from flowmesh.expressions import (
    ERROR_LOGS,
    ExpressionError,
    RenderServices,
    mentions,
    render_value,
    uses_error_logs,
    uses_files,
    using,
)
from flowmesh.instance.v1.instance_pb2 import ServiceType
from flowmesh.messaging import (
    JOBS_STREAM,
    STATES_BUCKET,
    Broker,
    Delivery,
    executor_subject,
    job_subject,
    run_consumer,
)
from flowmesh.plugins import RunnableTask, TaskFailed, Warned, task_class
from flowmesh.plugins.scripts import ScriptHost
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, TaskRunUpdate, WorkerJob
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.state import (
    ExecutionStore,
    FlowStore,
    KeyValueStore,
    KilledExecutions,
    Services,
    TriggerStates,
)
from flowmesh.storage import Storage
from flowmesh.telemetry import (
    TASK_RUNS,
    TASK_SECONDS,
    WORKER_SLOTS,
    WORKER_SLOTS_BUSY,
    bind_log_context,
    get_logger,
    tracer,
)
from flowmesh.values import error_logs, from_struct, to_struct
from flowmesh.worker._context import JobContext
from flowmesh.worker._group import GroupJobContext, is_group_job, run_group
from flowmesh.worker._kv import TenantKeyValues
from flowmesh.worker._masking import JobMasking
from flowmesh.worker._polling import PollingEvaluator
from flowmesh.worker._rendering import LoopBridge, file_reader, kv_reader
from flowmesh.worker._triggers import TenantTriggers

log = get_logger("worker")

# A task still running after this long reports its start on its own. Short enough for a
# user to see a long task RUNNING at once; long enough that the thousands of short ones of a
# busy worker (whose event loop also serves their logs and reports) report only their end.
_QUIET_START = 0.5

_Context = TypeVar("_Context", bound=JobContext)

# Properties that name the task rather than configure it: never rendered.
_IDENTITY = ("id", "type")


class Worker:
    """Takes jobs of one worker group and runs them, `concurrency` at a time.

    While a job runs the worker tells NATS it is still at it (in-progress acks),
    so a job is redelivered to another worker only when this one has died or
    stalled past the ack deadline. Tasks write their files to storage; without
    one, a task that writes a file fails and says why. Script tasks run on the
    script host; without one, they fail and say why.

    When an execution is killed, the tasks running for it are cancelled and their
    attempts end KILLED. When the worker stops, it takes no new job and lets the
    tasks running finish for grace_period seconds; it then cancels the others and
    hands their jobs back, for another worker to run at once.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        group: str = "default",
        concurrency: int = 8,
        ack_wait: float = 30.0,
        grace_period: float = 25.0,
        worker_id: str | None = None,
        storage: Storage | None = None,
        secrets: EnvironmentSecrets | None = None,
        scripts: ScriptHost | None = None,
    ) -> None:
        self._broker = broker
        self._storage = storage
        self._scripts = scripts
        # What secret() reads; without them, it fails and says so.
        self._secrets = secrets
        self._kv = KeyValueStore(broker)
        self._states = KeyValueStore(broker, STATES_BUCKET)
        self._flows = FlowStore(broker)
        self._trigger_states = TriggerStates(broker)
        self._group = group
        self._concurrency = concurrency
        self._ack_wait = ack_wait
        self._grace_period = grace_period
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._executions = ExecutionStore(broker)
        self._killed = KilledExecutions(broker, on_kill=self._stop_killed)
        self._held: set[_Held] = set()
        self._stopping = asyncio.Event()

    async def run(self, stopping: asyncio.Event) -> None:
        self._stopping = stopping
        subscription = await self._broker.pull(
            JOBS_STREAM,
            f"worker-{self._group}",
            job_subject(self._group),
            ack_wait=self._ack_wait,
            max_ack_pending=10_000,
        )
        log.info("worker_started", group=self._group, worker_id=self.worker_id)
        WORKER_SLOTS.inc(self._concurrency)
        # Kills are followed until the last job is settled: a kill during the grace period counts.
        settled = asyncio.Event()
        kills = asyncio.create_task(self._killed.follow(settled))
        overdue = asyncio.create_task(self._hand_back_when_overdue(stopping))
        # Said while the worker takes jobs: executors fail or cancel the jobs of groups without one.
        presence = asyncio.create_task(
            Services(self._broker).announce(
                ServiceType.SERVICE_TYPE_WORKER, stopping, settled, worker_group=self._group
            )
        )
        polling = asyncio.create_task(self._polling().run(stopping))
        try:
            await run_consumer(subscription, self.handle, concurrency=self._concurrency, stopping=stopping)
        finally:
            stopping.set()
            settled.set()
            overdue.cancel()
            await asyncio.gather(kills, overdue, presence, polling, return_exceptions=True)
            if self._scripts is not None:
                await self._scripts.close()
            WORKER_SLOTS.dec(self._concurrency)
        log.info("worker_stopped", worker_id=self.worker_id)

    def _polling(self) -> PollingEvaluator:
        """Return what evaluates the polling triggers sent to this worker's group."""
        return PollingEvaluator(
            self._broker,
            group=self._group,
            worker_id=self.worker_id,
            kv=self._kv,
            states=self._states,
            ack_wait=self._ack_wait,
            storage=self._storage,
            secrets=self._secrets,
        )

    async def handle(self, delivery: Delivery) -> None:
        """Run one job: run the task, report how it ended, then ack (or hand the job back: nak)."""
        job = delivery.parse(WorkerJob)
        bind_log_context(
            execution_id=job.execution_id,
            task_run_id=job.task_run_id,
            namespace=job.namespace,
            flow=job.flow_id,
        )
        held = _Held(job.execution_id, asyncio.current_task())
        self._held.add(held)
        try:
            with WORKER_SLOTS_BUSY.track_inprogress():
                await self._handle(job, delivery, held)
        finally:
            self._held.discard(held)

    async def _handle(self, job: WorkerJob, delivery: Delivery, held: _Held) -> None:
        if await self._stale(job, delivery) or held.ending == _Stop.KILLED:
            # Killed (or otherwise ended) since the job was sent: never run it,
            # and report nothing, since nobody waits for the report (Kestra #19730).
            log.info("job_skipped", task_run_id=job.task_run_id, execution_id=job.execution_id)
            await delivery.ack()
            return
        if self._stopping.is_set():
            # Taken as the worker began to stop: another worker runs it at once.
            await delivery.nak()
            return
        async with delivery.kept_alive(self._ack_wait / 3):
            await self._run_and_report(job, held=held, delivery=delivery.deliveries)
        if held.ending == _Stop.HANDED_BACK:
            await delivery.nak()
            log.info("job_handed_back", task_run_id=job.task_run_id, execution_id=job.execution_id)
            return
        await delivery.ack()

    async def _run_and_report(
        self,
        job: WorkerJob,
        directory: Path | None = None,
        earlier: dict[str, Any] | None = None,
        *,
        held: _Held,
        delivery: int,
        group: str = "",
    ) -> tuple[StateType, dict[str, Any]]:
        """Run one attempt (a group's children as well: run_group) and report how it ended.

        Nothing is reported of an attempt handed back. directory, earlier and group
        are a group child's: the group's directory, the outputs of the children
        before it by task id, the group's task run.
        """
        started = datetime.now(UTC)
        start_report = asyncio.create_task(self._report_start_unless_done(job, started, group))
        # Each attempt a span: a group's children are spans within the group's.
        with tracer.start_as_current_span(
            f"task {job.task_id}",
            attributes={
                "flowmesh.execution_id": job.execution_id,
                "flowmesh.task_run_id": job.task_run_id,
                "flowmesh.task_id": job.task_id,
                "flowmesh.attempt": job.attempt,
            },
        ) as span:
            try:
                if is_group_job(job):
                    state, outputs, context = await self._run_group(job, held, delivery)
                else:
                    state, outputs, context = await self._run_held(job, held, delivery, directory, earlier)
            finally:
                start_report.cancel()
                await asyncio.gather(start_report, return_exceptions=True)
            span.set_attribute("flowmesh.state", state_name(state))
        log.debug("task_run_ended", task_id=job.task_id, state=state_name(state))
        if held.ending == _Stop.HANDED_BACK:
            await context.flush()
            return state, outputs
        log_file = await _saved_log_file(context)
        TASK_RUNS.labels(state_name(state)).inc()
        TASK_SECONDS.observe((datetime.now(UTC) - started).total_seconds())
        # The end goes out behind the task's log lines, and the job is acked only
        # once all of them are stored: a crash before that runs the job again.
        await asyncio.gather(context.flush(), self._report(job, state, outputs, started, log_file, group))
        return state, outputs

    async def _run_group(
        self, job: WorkerJob, held: _Held, delivery: int
    ) -> tuple[StateType, dict[str, Any], JobContext]:
        context, _ = self._context(job, delivery, GroupJobContext)
        run_child = partial(self._run_and_report, held=held, delivery=delivery, group=job.task_run_id)
        state, outputs = await run_group(job, context, run_child)
        return state, outputs, context

    async def _run_held(
        self,
        job: WorkerJob,
        held: _Held,
        delivery: int,
        directory: Path | None,
        earlier: dict[str, Any] | None,
    ) -> tuple[StateType, dict[str, Any], JobContext]:
        """Run the job's task as held's work, which a kill or a hand-back cancels."""
        context, masking = self._context(job, delivery, JobContext, directory, earlier)
        if held.ending is not None:
            # Stopped between two children of a group: the next one never starts.
            context.log("WARN", held.ending.value)
            return StateType.STATE_TYPE_KILLED, {}, context
        held.work = asyncio.create_task(self._run(job, context, masking))
        try:
            state, outputs = await held.work
        except asyncio.CancelledError:
            if not held.work.cancelled() or held.ending is None:
                raise  # this handler is cancelled, not the task
            context.log("WARN", held.ending.value)
            state, outputs = StateType.STATE_TYPE_KILLED, {}
        finally:
            held.work = None
        return state, outputs, context

    def _context(
        self,
        job: WorkerJob,
        delivery: int,
        kind: type[_Context],
        directory: Path | None = None,
        earlier: dict[str, Any] | None = None,
    ) -> tuple[_Context, JobMasking]:
        """Return the context a job's task runs in, and what masks the secrets it sees."""
        variables = from_struct(job.variables)
        if earlier:
            variables["outputs"] = {**variables.get("outputs", {}), **earlier}
        masking = JobMasking(self._secrets, job, variables)
        context = kind(
            self._broker,
            job,
            variables,
            self.worker_id,
            self._storage,
            delivery=delivery,
            kv=TenantKeyValues(self._kv, job.tenant_id),
            states=TenantKeyValues(self._states, job.tenant_id),
            triggers=TenantTriggers(self._flows, self._trigger_states, job.tenant_id),
            mask=masking.text,
            working_dir=directory,
            scripts=self._scripts,
        )
        return context, masking

    def _stop_killed(self, execution_id: str) -> None:
        """Cancel the tasks running for a killed execution; skip its jobs not started yet."""
        for held in self._held:
            if held.execution_id == execution_id:
                held.stop(_Stop.KILLED)

    async def _hand_back_when_overdue(self, stopping: asyncio.Event) -> None:
        """Once stopping, give the running tasks grace_period to finish, then cancel the others.

        Once stopping is set no job starts, so the tasks running then are all there is to wait for.
        """
        await stopping.wait()
        running = [held.handler for held in self._held if held.handler is not None]
        if running:
            log.info("worker_finishing", running=len(running), grace_period=self._grace_period)
            await asyncio.wait(running, timeout=self._grace_period)
        for held in list(self._held):
            held.stop(_Stop.HANDED_BACK)

    async def _stale(self, job: WorkerJob, delivery: Delivery) -> bool:
        """Return whether the job must not run: its execution was killed, or it ended meanwhile.

        Kills are known in memory; as a killed execution may have been restarted
        since, its job is dropped once a read confirms it. A redelivered job (its
        worker died, or stalled) may also have finished already: read as well.
        """
        if job.execution_id in self._killed or delivery.redelivered:
            return await self._ended(job)
        return False

    async def _ended(self, job: WorkerJob) -> bool:
        """Return whether the job's execution or task run has ended (one KV read).

        An execution no longer in the bucket has ended long ago (the bucket
        keeps executions for their retention time): its job is stale too.
        """
        stored = await self._executions.get(job.execution_id)
        if stored is None:
            return True
        execution = stored.execution
        if is_terminal(execution.state.current):
            return True
        run = next((run for run in execution.task_runs if run.id == job.task_run_id), None)
        return run is not None and is_terminal(run.state.current)

    async def _run(
        self, job: WorkerJob, context: JobContext, masking: JobMasking
    ) -> tuple[StateType, dict[str, Any]]:
        """Run the job's task; return how its attempt ended and its outputs, secrets masked."""
        bridge = LoopBridge()
        services = RenderServices(
            secret=self._secrets.get if self._secrets is not None else None,
            kv=kv_reader(bridge, self._kv, job.tenant_id),
            read=file_reader(bridge, self._storage, job.tenant_id) if self._storage is not None else None,
            tracked=masking.tracked,
        )
        try:
            with using(services):
                raw = from_struct(job.task)
                if uses_error_logs(raw):
                    context.variables[ERROR_LOGS] = error_logs(await context.logs(job.execution_id))
                task = await _rendered_task(raw, context.variables)
                if task.logToFile:
                    context.log_to_file()
                result = await _run_within(task, context)
        except TaskFailed as error:
            context.log("ERROR", str(error))
            return StateType.STATE_TYPE_FAILED, masking.value(error.outputs)
        except (ExpressionError, _InvalidTask) as error:
            context.log("ERROR", str(error))
            return StateType.STATE_TYPE_FAILED, {}
        except Exception as error:
            log.exception("task_crashed", task_run_id=job.task_run_id)
            context.log("ERROR", f"{type(error).__name__}: {error}")
            return StateType.STATE_TYPE_FAILED, {}
        if isinstance(result, Warned):
            return StateType.STATE_TYPE_WARNING, masking.value(result.outputs)
        return StateType.STATE_TYPE_SUCCESS, masking.value(result)

    async def _report_start_unless_done(self, job: WorkerJob, started: datetime, group: str) -> None:
        """Report the start of a task that is still running after a moment.

        A short task's start travels with its end instead: one message and one
        executor decision fewer on every task's critical path.
        """
        await asyncio.sleep(_QUIET_START)
        await asyncio.shield(self._report(job, StateType.STATE_TYPE_RUNNING, None, started, group=group))

    async def _report(
        self,
        job: WorkerJob,
        state: StateType,
        outputs: dict[str, Any] | None,
        started: datetime,
        log_file: str = "",
        group: str = "",
    ) -> None:
        update = TaskRunUpdate(
            execution_id=job.execution_id,
            task_run_id=job.task_run_id,
            attempt=job.attempt,
            state=state,
            outputs=to_struct(outputs),
            worker_id=self.worker_id,
            log_file=log_file,
            group_task_run_id=group,
            task_id=job.task_id if group else "",
        )
        update.date.FromDatetime(datetime.now(UTC))
        update.started.FromDatetime(started)
        phase = "start" if state == StateType.STATE_TYPE_RUNNING else "end"
        await self._broker.publish(
            executor_subject(job.execution_id),
            ExecutorMessage(task_run_update=update),
            msg_id=f"{job.task_run_id}:{job.attempt}:{phase}",
        )


async def _saved_log_file(context: JobContext) -> str:
    """Return the URI of the attempt's log file ('' without one); a failure to store it is logged."""
    try:
        return await context.save_log_file()
    except TaskFailed as error:
        context.log("ERROR", f"The log file of this attempt could not be stored: {error}")
        return ""


class _Stop(Enum):
    """Why a worker stops a job's task before its end, as the task run's log says it."""

    KILLED = "Killed: the execution was killed while the task ran"
    HANDED_BACK = "Handed back to another worker: this worker is stopping"


@dataclass(eq=False)
class _Held:
    """A job this worker holds: its execution, its handler, its running task, and why it was stopped.

    A group's job runs one task after the other: work is the one running.
    """

    execution_id: str
    handler: asyncio.Task[Any] | None
    work: asyncio.Task[tuple[StateType, dict[str, Any]]] | None = None
    ending: _Stop | None = None

    def stop(self, why: _Stop) -> None:
        """Cancel the task (if started) for why; the first reason given is the one that counts."""
        if self.ending is None:
            self.ending = why
        if self.work is not None:
            self.work.cancel()


async def _run_within(task: RunnableTask, context: JobContext) -> dict[str, Any] | Warned:
    """Run task; past its `timeout`, cancel it and fail the attempt (Kestra: "Timeout after PT1S")."""
    if task.timeout is None:
        return await task.run(context)
    try:
        async with asyncio.timeout(task.timeout.total_seconds()) as limit:
            return await task.run(context)
    except TimeoutError:
        if not limit.expired():
            raise  # the task's own TimeoutError, not its time limit
        raise TaskFailed(f"Timeout after {_java_duration(task.timeout)}") from None


def _java_duration(duration: timedelta) -> str:
    """Return Java's Duration.toString() of a positive duration: PT1S, PT1M30S, PT0.5S, PT2H."""
    micros = duration // timedelta(microseconds=1)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or micros:
        text += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S" if micros else f"{seconds}S"
    return text if text != "PT" else "PT0S"


async def _rendered_task(raw: dict[str, Any], variables: dict[str, Any]) -> RunnableTask:
    """Return the task of a job rendered: in a thread of its own when it calls kv() or read().

    Those wait for the event loop to read the KV store or storage (see _rendering): on
    the loop's own thread they would wait for themselves.
    """
    if mentions(raw, "kv(") or uses_files(raw):
        return await asyncio.to_thread(_load_task, raw, variables)
    return _load_task(raw, variables)


class _InvalidTask(Exception):
    """The task's properties, once rendered, do not fit its type."""


def _load_task(raw: dict[str, Any], variables: dict[str, Any]) -> RunnableTask:
    """Return the task of a job's properties (raw), rendered with variables; raise _InvalidTask."""
    cls = task_class(str(raw.get("type")))
    if cls is None or not issubclass(cls, RunnableTask):
        raise _InvalidTask(f"Invalid type: {raw.get('type')} cannot run on a worker")
    kept = _IDENTITY + tuple(cls.rendered_by_task)
    properties = {key: value for key, value in raw.items() if key not in kept}
    rendered = render_value(properties, variables)
    try:
        return cls.model_validate({**rendered, **{key: raw[key] for key in kept if key in raw}})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise _InvalidTask(f"invalid properties after rendering: {problems}") from None
