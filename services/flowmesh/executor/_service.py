from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from nats.errors import Error as NatsError
from nats.errors import MaxPayloadError
from opentelemetry import trace

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import (
    Decision,
    TaskRunError,
    apply_updates,
    apply_wake,
    begin,
    change_status,
    change_task_run_state,
    hold,
    is_terminal,
    kill,
    new_execution,
    next_wake,
    pause,
    pending_jobs,
    pending_subflows,
    pending_successor,
    restart,
    restarted_jobs,
    restarts,
    resume,
    set_labels,
    state_name,
    subflow_ended,
    unqueue,
)
from flowmesh.engine import fail as fail_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor._flow_triggers import FlowTriggers
from flowmesh.executor._groups import unserved
from flowmesh.executor._locks import KeyedLocks
from flowmesh.executor._secrets import DecisionSecrets
from flowmesh.executor._trigger_ends import TriggerEnds
from flowmesh.expressions import using
from flowmesh.language import FlowDefinition, FlowInvalid, InputsError, resolve_inputs
from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.messaging import (
    EXECUTOR_STREAM,
    Broker,
    Delivery,
    execution_event_subject,
    job_subject,
    log_subject,
    run_consumer,
)
from flowmesh.queue.v1.queue_pb2 import (
    ExecutionEvent,
    ExecutorMessage,
    KillExecution,
    StartExecution,
    StartSubflow,
    SubflowEnded,
    TaskRunUpdate,
    UnqueueExecution,
    Wake,
    WorkerJob,
)
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.state import (
    Admission,
    ConcurrencySlots,
    ExecutionStore,
    FlowStore,
    FlowUnavailable,
    KilledExecutions,
    Services,
    StaleRevision,
    Stored,
    TriggerStates,
)
from flowmesh.telemetry import (
    DECISIONS,
    EXECUTIONS_ENDED,
    EXECUTIONS_STARTED,
    bind_log_context,
    get_logger,
    tracer,
)
from flowmesh.values import from_struct, to_struct

log = get_logger("executor")

DURABLE = "executor"
_CACHE_SIZE = 4096
_MAX_CONFLICTS = 50
# Deliveries of one message whose decision fails before the execution is failed.
_GIVE_UP_AFTER = 5
_TOO_LARGE = (
    "the execution grew larger than the biggest message the NATS server takes (its max_payload):"
    " it ends as it was before that change"
)

Decide = Callable[[Execution, FlowDefinition], Decision]

CREATED = StateType.STATE_TYPE_CREATED
QUEUED = StateType.STATE_TYPE_QUEUED


class Executor:
    """Consumes the executor stream; stores each decision, then publishes its commands.

    The order is what makes a crash harmless: state is written (compare-and-set)
    before anything is published, and the input is acked only after both. A
    redelivered input finds its effect already stored, changes nothing, and
    republishes what the stored state implies (deduplicated by message id).
    """

    def __init__(
        self, broker: Broker, *, concurrency: int = 32, secrets: EnvironmentSecrets | None = None
    ) -> None:
        self._broker = broker
        self._secrets = DecisionSecrets(secrets)
        self._concurrency = concurrency
        self._executions = ExecutionStore(broker)
        self._flows = FlowStore(broker)
        self._killed = KilledExecutions(broker)
        self._workers = Services(broker)
        self._slots = ConcurrencySlots(broker)
        self._flow_triggers = FlowTriggers(broker, self._executions)
        self._trigger_ends = TriggerEnds(TriggerStates(broker))
        self._cache: OrderedDict[str, Stored] = OrderedDict()
        self._locks = KeyedLocks()
        # Reports waiting for their execution's turn, by execution id (see _update).
        self._batches: dict[str, _Batch] = {}

    async def run(self, stopping: asyncio.Event) -> None:
        subscription = await self._broker.pull(
            EXECUTOR_STREAM, DURABLE, "flowmesh.executor.>", ack_wait=30.0, max_ack_pending=10_000
        )
        listeners = asyncio.create_task(self._flow_triggers.index.follow(stopping))
        # Flow triggers must know every deployed listener before the first state change.
        await self._flow_triggers.index.loaded.wait()
        log.info("executor_started")
        try:
            await run_consumer(
                subscription, self._handle_with_secrets, concurrency=self._concurrency, stopping=stopping
            )
        finally:
            await listeners
        log.info("executor_stopped")

    async def _handle_with_secrets(self, delivery: Delivery) -> None:
        """Handle a message with secret() offered to every render it makes (see DecisionSecrets)."""
        with using(self._secrets.services()), tracer.start_as_current_span("executor"):
            await self.handle(delivery)

    async def handle(self, delivery: Delivery) -> None:
        """Apply one executor message, then ack it."""
        message = delivery.parse(ExecutorMessage)
        kind = message.WhichOneof("kind")
        trace.get_current_span().update_name(f"executor {kind}")
        if kind == "start_execution":
            initial = message.start_execution.execution
            if initial.HasField("schedule_date") and await _held_back(delivery, initial.schedule_date):
                return
            await self._begin(initial, delivery)
        elif kind == "task_run_update":
            await self._update(message.task_run_update, delivery)
        elif kind == "kill_execution":
            await self._decide(
                message.kill_execution.execution_id, None, lambda ex, flow: kill(ex, flow, _now()), delivery
            )
        elif kind == "restart_execution":
            seen = message.restart_execution.execution
            count = restarts(seen)
            await self._decide(seen.id, seen, lambda ex, flow: restart(ex, flow, count, _now()), delivery)
        elif kind == "set_execution_labels":
            seen = message.set_execution_labels.execution
            labels = list(message.set_execution_labels.labels)
            await self._decide(seen.id, seen, lambda ex, flow: set_labels(ex, labels), delivery)
        elif kind == "change_task_run_state":
            change = message.change_task_run_state
            count = restarts(change.execution)
            await self._decide(
                change.execution.id,
                change.execution,
                lambda ex, flow: change_task_run_state(
                    ex, flow, change.task_run_id, change.state, count, _now()
                ),
                delivery,
            )
        elif kind == "resume_execution":
            command = message.resume_execution
            inputs = from_struct(command.inputs)
            await self._decide(
                command.execution_id,
                None,
                lambda ex, flow: resume(ex, flow, command.task_run_id, inputs, _now(), command.pauses_seen),
                delivery,
            )
        elif kind == "start_subflow":
            await self._start_subflow(message.start_subflow, delivery)
        elif kind == "subflow_ended":
            ended = message.subflow_ended
            await self._decide(
                ended.parent.execution_id,
                None,
                lambda ex, flow: subflow_ended(ex, flow, ended, _now()),
                delivery,
            )
        elif kind == "unqueue_execution":
            await self._unqueue(message.unqueue_execution, delivery)
        elif kind == "pause_execution":
            await self._decide(
                message.pause_execution.execution_id, None, lambda ex, flow: pause(ex, _now()), delivery
            )
        elif kind == "change_execution_status":
            seen = message.change_execution_status.execution
            state = message.change_execution_status.state
            await self._decide(
                seen.id, seen, lambda ex, flow: change_status(ex, state, seen.state.current, _now()), delivery
            )
        elif kind == "wake":
            if await _held_back(delivery, message.wake.due):
                return
            await self._decide(
                message.wake.execution_id, None, lambda ex, flow: apply_wake(ex, flow, _now()), delivery
            )
        else:
            log.warning("unknown_message_dropped", subject=delivery.subject)
        await delivery.ack()

    async def _update(self, update: TaskRunUpdate, delivery: Delivery) -> None:
        """Apply a worker's report together with the others on its execution that wait meanwhile.

        While a decision runs on an execution, the reports arriving for it queue up;
        the first of them to get the execution's turn decides for all (one decision,
        one write: apply_updates), and each is acked once that decision is stored.
        If it fails, each fails with it, and is delivered again.
        """
        execution_id = update.execution_id
        batch = self._batches.setdefault(execution_id, _Batch())
        batch.updates.append(update)
        async with self._locks.hold(execution_id):
            if self._batches.get(execution_id) is batch:
                del self._batches[execution_id]
                updates = batch.updates
                try:
                    await self._decide_held(
                        execution_id,
                        None,
                        lambda ex, flow: apply_updates(ex, updates, flow, _now()),
                        delivery,
                    )
                except BaseException as error:
                    batch.done.set_exception(error)
                    raise
                batch.done.set_result(None)
                return
        await asyncio.shield(batch.done)

    async def _decide(
        self, execution_id: str, initial: Execution | None, decide: Decide, delivery: Delivery
    ) -> None:
        # One decision at a time per execution in this process; compare-and-set
        # settles races with other executor processes.
        async with self._locks.hold(execution_id):
            await self._decide_held(execution_id, initial, decide, delivery)

    async def _decide_held(
        self, execution_id: str, initial: Execution | None, decide: Decide, delivery: Delivery
    ) -> None:
        """Decide, the execution's lock held; after failing deliveries, end the execution."""
        try:
            await self._decide_locked(execution_id, initial, decide, delivery.redelivered)
        except NatsError:
            raise  # the queue is away: try again later, the message is not at fault
        except Exception as error:
            if delivery.deliveries < _GIVE_UP_AFTER:
                raise
            # The same message keeps failing the decision: end the execution
            # with the reason rather than retry it forever.
            log.exception("decision_failed_for_good", execution_id=execution_id)
            await self._decide_locked(
                execution_id, initial, lambda ex, flow: fail_execution(ex, _now()), False
            )
            stored = await self._executions.get(execution_id)
            if stored is not None:
                await self._log(stored.execution, f"the executor could not go on: {error!r}")

    async def _decide_locked(
        self, execution_id: str, initial: Execution | None, decide: Decide, redelivered: bool
    ) -> None:
        for _ in range(_MAX_CONFLICTS):
            cached = self._cache.pop(execution_id, None)
            stored = cached or await self._executions.get(execution_id)
            current = stored.execution if stored else initial
            if current is None:
                log.warning("update_for_unknown_execution", execution_id=execution_id)
                return
            _observe(current)
            flow = await self._flow(current)
            decision = decide(current, flow) if flow is not None else fail_execution(current, _now())
            if not decision.changed and cached is not None:
                # Another executor may have moved the execution on (a task run this
                # copy has never seen): decide again on what is stored.
                continue
            if not decision.changed:
                if stored is not None:
                    self._remember(stored)
                DECISIONS.labels("unchanged").inc()
                if redelivered and flow is not None:
                    # The state is its own outbox: send again what it implies.
                    jobs = pending_jobs(decision.execution, flow) + restarted_jobs(decision.execution, flow)
                    await self._publish(decision.execution, jobs, flow)
                    await self._start_subflows(pending_subflows(decision.execution, flow))
                    successor = pending_successor(decision.execution, flow)
                    if successor is not None:
                        await self._executions.submit(successor)
                    await self._tell_parent(decision.execution)
                    await self._release(decision.execution, flow)
                    await self._wake(decision.execution.id, next_wake(decision.execution, flow))
                    last = len(decision.execution.state.histories) - 1
                    await self._flow_triggers.changed(decision.execution, last, flow, _now())
                    await self._trigger_ends.ended(decision.execution, flow, _now())
                return
            masker = self._secrets.mask(decision)
            try:
                try:
                    stored = await self._store(stored, decision.execution)
                except MaxPayloadError:
                    # The change would make the execution larger than a NATS message may be:
                    # it ends as it was, saying why, rather than retrying for ever.
                    log.error("execution_too_large", execution_id=execution_id)
                    decision = fail_execution(current, _now())
                    decision.errors.append(TaskRunError("", "", _TOO_LARGE))
                    stored = await self._store(stored, decision.execution)
            except StaleRevision:
                DECISIONS.labels("conflict").inc()
                continue
            DECISIONS.labels("changed").inc()
            _count(current.state.current, decision.execution.state.current)
            log.debug("execution_decided", state=state_name(decision.execution.state.current))
            self._remember(stored)
            if decision.execution.state.current == StateType.STATE_TYPE_KILLED != current.state.current:
                await self._killed.record(execution_id)
            if flow is None:
                await self._log(decision.execution, "the flow revision of this execution is gone")
            for error in decision.errors:
                message = masker.text(error.message)
                await self._log(decision.execution, message, error.task_run_id, error.task_id)
            await self._publish(decision.execution, decision.jobs, flow)
            await self._start_subflows(decision.subflows)
            for new in decision.starts:
                await self._executions.submit(new)
            await self._kill(decision.kills)
            if not is_terminal(current.state.current):
                await self._tell_parent(decision.execution)
                if flow is not None:
                    await self._release(decision.execution, flow)
            await self._wake(decision.execution.id, decision.wake_at)
            if flow is not None:
                since = len(current.state.histories)
                await self._flow_triggers.changed(decision.execution, since, flow, _now())
                if not is_terminal(current.state.current):
                    await self._trigger_ends.ended(decision.execution, flow, _now())
            return
        raise RuntimeError(f"execution {execution_id} kept changing under the executor")

    async def _begin(self, initial: Execution, delivery: Delivery) -> None:
        """Start an execution, unless its flow's concurrency limit keeps it waiting or refuses it."""
        flow = await self._flow(initial)
        limit = flow.concurrency if flow is not None else None
        admission = Admission.RUN
        if limit is not None and initial.state.current in (CREATED, QUEUED):
            admission = await self._slots.admit(
                initial.tenant_id,
                initial.namespace,
                initial.flow_id,
                initial.id,
                limit.limit,
                queue=limit.behavior == "QUEUE",
            )

        def decide(execution: Execution, flow: FlowDefinition) -> Decision:
            if admission == Admission.RUN:
                return begin(execution, flow, _now())
            return hold(execution, flow, _now(), queued=admission == Admission.QUEUED)

        await self._decide(initial.id, initial, decide, delivery)

    async def _unqueue(self, command: UnqueueExecution, delivery: Delivery) -> None:
        """Take an execution out of its flow's queue: to run over the limit, or to end."""
        stored = await self._executions.get(command.execution_id)
        if stored is None or stored.execution.state.current != QUEUED:
            return
        execution = stored.execution
        flow = await self._flow(execution)
        if command.state == StateType.STATE_TYPE_RUNNING and flow is not None and flow.concurrency:
            await self._slots.admit(
                execution.tenant_id,
                execution.namespace,
                execution.flow_id,
                execution.id,
                flow.concurrency.limit,
                queue=True,
                force=True,
            )
        await self._decide(
            execution.id, None, lambda ex, flow: unqueue(ex, flow, command.state, _now()), delivery
        )

    async def _release(self, execution: Execution, flow: FlowDefinition) -> None:
        """Give the slot of an ended execution to the next queued ones, and start them."""
        if flow.concurrency is None or not is_terminal(execution.state.current):
            return
        promoted = await self._slots.release(
            execution.tenant_id, execution.namespace, execution.flow_id, execution.id, flow.concurrency.limit
        )
        for execution_id in promoted:
            stored = await self._executions.get(execution_id)
            if stored is None:
                continue
            await self._broker.to_executor(
                execution_id,
                ExecutorMessage(start_execution=StartExecution(execution=stored.execution)),
                msg_id=f"unqueue:{execution_id}",
            )

    async def _start_subflow(self, request: StartSubflow, delivery: Delivery) -> None:
        """Start the execution a Subflow task run asks for; answer the task run when it must hear."""
        if await self._executions.get(request.execution_id) is None:
            try:
                flow, revision = await self._flows.runnable(
                    request.tenant_id, request.namespace, request.flow_id, request.revision
                )
                inputs = resolve_inputs(flow, from_struct(request.inputs))
            except (FlowUnavailable, FlowInvalid, InputsError) as error:
                await self._answer(
                    request, StateType.STATE_TYPE_FAILED, f"Unable to start the subflow: {error}"
                )
                return
            execution = new_execution(
                execution_id=request.execution_id,
                tenant_id=request.tenant_id,
                flow=flow,
                flow_revision=revision,
                inputs=inputs,
                labels={label.key: label.value for label in request.labels},
                now=_now(),
            )
            execution.trigger.CopyFrom(request.trigger)
            if request.wait:
                execution.parent_task_run.CopyFrom(request.parent)
            await self._begin(execution, delivery)
        if not request.wait:
            await self._answer(request, StateType.STATE_TYPE_SUCCESS)

    async def _answer(self, request: StartSubflow, state: StateType, error: str = "") -> None:
        """End the Subflow task run of request in state: started (SUCCESS) or unable to start (FAILED)."""
        update = TaskRunUpdate(
            execution_id=request.parent.execution_id,
            task_run_id=request.parent.task_run_id,
            attempt=request.parent.attempt,
            state=state,
            outputs=to_struct({"executionId": request.execution_id} if not error else {}),
            batch=request.parent.batch,
        )
        update.date.FromDatetime(_now())
        await self._broker.to_executor(
            update.execution_id,
            ExecutorMessage(task_run_update=update),
            msg_id=f"{update.task_run_id}:{update.attempt}:subflow"
            + (f":{update.batch}" if update.batch else ""),
        )
        if error:
            parent = await self._executions.get(update.execution_id)
            if parent is not None:
                task_id = next(
                    (run.task_id for run in parent.execution.task_runs if run.id == update.task_run_id), ""
                )
                await self._log(parent.execution, error, update.task_run_id, task_id)

    async def _start_subflows(self, requests: list[StartSubflow]) -> None:
        await asyncio.gather(
            *(
                self._broker.to_executor(
                    request.execution_id,
                    ExecutorMessage(start_subflow=request),
                    msg_id=f"subflow:{request.execution_id}",
                )
                for request in requests
            )
        )

    async def _kill(self, execution_ids: list[str]) -> None:
        await asyncio.gather(
            *(
                self._broker.to_executor(
                    execution_id,
                    ExecutorMessage(kill_execution=KillExecution(execution_id=execution_id)),
                    msg_id=f"kill:{execution_id}",
                )
                for execution_id in execution_ids
            )
        )

    async def _tell_parent(self, execution: Execution) -> None:
        """Tell the Subflow task run waiting for execution that it has ended.

        A RETRIED execution has not: the one retrying it waits in its place.
        """
        if not (is_terminal(execution.state.current) and execution.HasField("parent_task_run")):
            return
        if execution.state.current == StateType.STATE_TYPE_RETRIED:
            return
        parent = execution.parent_task_run
        ended = SubflowEnded(parent=parent, execution=execution)
        await self._broker.to_executor(
            parent.execution_id,
            ExecutorMessage(subflow_ended=ended),
            msg_id=f"ended:{execution.id}",
        )

    async def _store(self, stored: Stored | None, execution: Execution) -> Stored:
        """Write execution over stored (compare-and-set), or as new; raise StaleRevision if it moved."""
        if stored is None:
            return await self._executions.create(execution)
        return await self._executions.update(execution, stored.revision)

    async def _flow(self, execution: Execution) -> FlowDefinition | None:
        try:
            return await self._flows.definition(
                execution.tenant_id, execution.namespace, execution.flow_id, execution.flow_revision
            )
        except FlowInvalid:
            return None

    async def _publish(
        self, execution: Execution, jobs: list[WorkerJob], flow: FlowDefinition | None
    ) -> None:
        if flow is not None and jobs:
            jobs = await self._route(execution, jobs, flow)
        event = ExecutionEvent(execution=execution)
        del event.execution.task_runs[:]
        event.execution.task_runs.extend(
            run for run in execution.task_runs if run.version == execution.version
        )
        await asyncio.gather(
            *(
                self._broker.publish(
                    job_subject(job.worker_group), job, msg_id=f"{job.task_run_id}:{job.attempt}"
                )
                for job in jobs
            ),
            self._broker.publish(
                execution_event_subject(execution.id), event, msg_id=f"{execution.id}:{execution.version}"
            ),
        )

    async def _route(
        self, execution: Execution, jobs: list[WorkerJob], flow: FlowDefinition
    ) -> list[WorkerJob]:
        """Return the jobs to publish: all but those of groups without a worker that must not wait.

        Those end as their workerGroup.fallback says, reported as a worker would
        (under the same message id, so that a worker's report and this one apply once).
        """
        ended = set()
        for found in await unserved(jobs, flow, self._workers):
            job = found.job
            await self._log(execution, found.message, job.task_run_id, job.task_id, level=found.level)
            if found.ends is None:
                continue
            ended.add(job.task_run_id)
            update = TaskRunUpdate(
                execution_id=execution.id, task_run_id=job.task_run_id, attempt=job.attempt, state=found.ends
            )
            update.date.FromDatetime(_now())
            update.started.FromDatetime(_now())
            await self._broker.to_executor(
                execution.id,
                ExecutorMessage(task_run_update=update),
                msg_id=f"{job.task_run_id}:{job.attempt}:end",
            )
        return [job for job in jobs if job.task_run_id not in ended]

    async def _wake(self, execution_id: str, due: datetime | None) -> None:
        """Ask for the execution to be looked at again at due (once per due: the id deduplicates)."""
        if due is None:
            return
        wake = Wake(execution_id=execution_id)
        wake.due.FromDatetime(due)
        millis = wake.due.ToMilliseconds()
        await self._broker.to_executor(
            execution_id, ExecutorMessage(wake=wake), msg_id=f"wake:{execution_id}:{millis}"
        )

    async def _log(
        self,
        execution: Execution,
        message: str,
        task_run_id: str = "",
        task_id: str = "",
        level: Level = Level.LEVEL_ERROR,
    ) -> None:
        # Deterministic, so a redelivered decision logs once; the message's digest
        # keeps two different errors of one decision apart.
        digest = hashlib.blake2b(message.encode(), digest_size=6).hexdigest()
        entry = LogEntry(
            id=f"{execution.id}:executor:{execution.version}:{task_run_id}:{digest}",
            tenant_id=execution.tenant_id,
            namespace=execution.namespace,
            flow_id=execution.flow_id,
            task_id=task_id,
            task_run_id=task_run_id,
            execution_id=execution.id,
            level=level,
            thread="executor",
            message=message,
        )
        entry.timestamp.FromDatetime(_now())
        await self._broker.publish(log_subject(execution.id), entry, msg_id=entry.id)

    def _remember(self, stored: Stored) -> None:
        execution_id = stored.execution.id
        if is_terminal(stored.execution.state.current):
            self._cache.pop(execution_id, None)
            return
        self._cache[execution_id] = stored
        self._cache.move_to_end(execution_id)
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)


async def _held_back(delivery: Delivery, due: Timestamp) -> bool:
    """Hand a message that is not due yet back to JetStream until due; return whether it was."""
    early = (due.ToDatetime(tzinfo=UTC) - _now()).total_seconds()
    if early <= 0:
        return False
    await delivery.nak(delay=early)
    return True


@dataclass
class _Batch:
    """Reports on one execution decided together, and the outcome their messages wait for."""

    updates: list[TaskRunUpdate] = field(default_factory=list)
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _observe(execution: Execution) -> None:
    """Say which execution is decided on, in the log lines and the span of this message."""
    bind_log_context(execution_id=execution.id, namespace=execution.namespace, flow=execution.flow_id)
    trace.get_current_span().set_attributes(
        {
            "flowmesh.execution_id": execution.id,
            "flowmesh.namespace": execution.namespace,
            "flowmesh.flow": execution.flow_id,
        }
    )


def _count(before: StateType, after: StateType) -> None:
    """Count an execution that a stored decision started (out of CREATED) or ended."""
    if before == CREATED != after:
        EXECUTIONS_STARTED.inc()
    if is_terminal(after) and not is_terminal(before):
        EXECUTIONS_ENDED.labels(state_name(after)).inc()
    trace.get_current_span().set_attribute("flowmesh.state", state_name(after))


def _now() -> datetime:
    return datetime.now(UTC)
