"""Polling triggers on workers: evaluate one when the scheduler sends it (PollTrigger), start its execution.

The scheduler leased the trigger before sending it; the worker marks the lease its own,
evaluates, then frees the lease, or turns it into a lock on the execution it starts
(flowmesh.triggers). The lock is taken before the execution is submitted: the executor
can only unlock a trigger locked already. A worker that dies between the two leaves a
lock on an execution that does not exist: the message comes back to another worker,
which evaluates again and submits the same execution (its id is the evaluation's), or
unlocks the trigger when the condition no longer holds.

http.Trigger is the one polling trigger: its request is http.Request's, sent with that
task's client.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from flowmesh.engine import triggered_execution
from flowmesh.expressions import ExpressionError, RenderServices, render_value, using
from flowmesh.language import FlowDefinition, HttpTrigger, InputsError, resolve_inputs
from flowmesh.messaging import POLLS_STREAM, Broker, Delivery, poll_subject, run_consumer
from flowmesh.plugins import TaskFailed, is_true
from flowmesh.plugins.http import Request
from flowmesh.queue.v1.queue_pb2 import PollTrigger, WorkerJob
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.state import ExecutionStore, FlowStore, KeyValueStore, TriggerId, TriggerStates
from flowmesh.storage import Storage
from flowmesh.telemetry import get_logger
from flowmesh.triggers import claim_lease, end_evaluation, execution_ended, holds, polling_execution_id
from flowmesh.worker._context import JobContext
from flowmesh.worker._kv import TenantKeyValues
from flowmesh.worker._triggers import TenantTriggers

log = get_logger("worker")

# Evaluations a worker runs at once: requests that mostly wait on the network.
_CONCURRENCY = 4


class EvaluationFailed(Exception):
    """The trigger could not be evaluated: the message says why (logged as a warning)."""


class PollingEvaluator:
    """Takes the evaluations of polling triggers sent to one worker group, and runs them."""

    def __init__(
        self,
        broker: Broker,
        *,
        group: str,
        worker_id: str,
        kv: KeyValueStore,
        states: KeyValueStore,
        ack_wait: float = 30.0,
        storage: Storage | None = None,
        secrets: EnvironmentSecrets | None = None,
    ) -> None:
        self._broker = broker
        self._group = group
        self._worker_id = worker_id
        self._kv = kv
        self._states_store = states
        self._ack_wait = ack_wait
        self._storage = storage
        self._secrets = secrets
        self._triggers = TriggerStates(broker)
        self._flows = FlowStore(broker)
        self._executions = ExecutionStore(broker)

    async def run(self, stopping: asyncio.Event) -> None:
        """Evaluate the triggers sent to the group until stopping; those under way finish first."""
        try:
            subscription = await self._broker.pull(
                POLLS_STREAM, f"poller-{self._group}", poll_subject(self._group), ack_wait=self._ack_wait
            )
            await run_consumer(subscription, self.handle, concurrency=_CONCURRENCY, stopping=stopping)
        except Exception:
            # The worker runs on without polling triggers: said here, where it happens.
            log.exception("polling_consumer_failed", group=self._group)
            raise

    async def handle(self, delivery: Delivery) -> None:
        poll = delivery.parse(PollTrigger)
        async with delivery.kept_alive(self._ack_wait / 3):
            await self._handle(poll)
        await delivery.ack()

    async def _handle(self, poll: PollTrigger) -> None:
        trigger_id = TriggerId(poll.tenant_id, poll.namespace, poll.flow_id, poll.trigger_id)
        date = poll.date.ToDatetime(tzinfo=UTC)
        until = poll.lease_until.ToDatetime(tzinfo=UTC)
        execution_id = polling_execution_id(trigger_id, date)
        state = await self._triggers.get(trigger_id)
        if state is not None and state.execution_id == execution_id:
            await self._finish_started(poll, trigger_id, date, execution_id)
            return
        state = await self._triggers.change(trigger_id, claim_lease(until, self._worker_id), now=_now())
        if not holds(state, until, self._worker_id):
            log.info("polling_trigger_lease_gone", trigger=trigger_id.key)
            return
        try:
            async with asyncio.timeout((until - _now()).total_seconds()):
                found = await self._evaluate(poll, date)
        except Exception as error:  # any failure frees the lease: the next interval tries again
            log.warning("polling_trigger_failed", trigger=trigger_id.key, error=_reason(error))
            found = None
        started = execution_id if found is not None else None
        end = end_evaluation(until, self._worker_id, date, started)
        state = await self._triggers.change(trigger_id, end, now=_now())
        if found is not None and state.execution_id == execution_id:
            await self._submit(found, trigger_id, date, execution_id)

    async def _finish_started(
        self, poll: PollTrigger, trigger_id: TriggerId, date: datetime, execution_id: str
    ) -> None:
        """Submit the execution of an evaluation whose worker died after it locked the trigger."""
        if await self._executions.get(execution_id) is not None:
            return
        try:
            found = await self._evaluate(poll, date)
        except Exception as error:  # as in _handle: the trigger is unlocked below
            log.warning("polling_trigger_failed", trigger=trigger_id.key, error=_reason(error))
            found = None
        if found is None:
            await self._triggers.change(trigger_id, execution_ended(execution_id, False, _now()), now=_now())
            return
        await self._submit(found, trigger_id, date, execution_id)

    async def _evaluate(self, poll: PollTrigger, date: datetime) -> _Fired | None:
        """Send the trigger's request; return what to start when the condition holds."""
        flow = await self._flows.definition(poll.tenant_id, poll.namespace, poll.flow_id, poll.flow_revision)
        trigger = next((each for each in flow.triggers if each.id == poll.trigger_id), None) if flow else None
        if flow is None or not isinstance(trigger, HttpTrigger):
            raise EvaluationFailed(f"no http.Trigger {poll.trigger_id} in revision {poll.flow_revision}")
        variables = {
            "flow": {
                "id": flow.id,
                "namespace": flow.namespace,
                "revision": poll.flow_revision,
                "tenantId": poll.tenant_id,
            },
            "trigger": {"date": date.isoformat()},
        }
        services = RenderServices(secret=self._secrets.get if self._secrets is not None else None)
        try:
            with using(services):
                request = _request(trigger, render_value(trigger.request(), variables))
                outputs = await request.run(self._context(poll, variables))
                response = {
                    "statusCode": outputs["code"],
                    "headers": outputs["headers"],
                    "body": outputs.get("body", ""),
                }
                condition = render_value(trigger.responseCondition, {**variables, "response": response})
        except (TaskFailed, ExpressionError) as error:
            raise EvaluationFailed(str(error)) from None
        return _Fired(flow, poll.flow_revision, trigger, outputs) if is_true(condition) else None

    def _context(self, poll: PollTrigger, variables: dict[str, Any]) -> JobContext:
        """Return what the request runs in: the flow's tenant, storage for the files of a form."""
        job = WorkerJob(
            tenant_id=poll.tenant_id,
            namespace=poll.namespace,
            flow_id=poll.flow_id,
            task_id=poll.trigger_id,
            task_run_id=f"trigger-{poll.trigger_id}",
        )
        return _TriggerContext(
            self._broker,
            job,
            variables,
            self._worker_id,
            self._storage,
            kv=TenantKeyValues(self._kv, poll.tenant_id),
            states=TenantKeyValues(self._states_store, poll.tenant_id),
            triggers=TenantTriggers(self._flows, self._triggers, poll.tenant_id),
        )

    async def _submit(
        self,
        found: _Fired,
        trigger_id: TriggerId,
        date: datetime,
        execution_id: str,
    ) -> None:
        flow, trigger = found.flow, found.trigger
        try:
            inputs = resolve_inputs(flow, {})
        except InputsError as error:
            log.warning("polling_trigger_inputs_invalid", trigger=trigger_id.key, error=str(error))
            await self._triggers.change(trigger_id, execution_ended(execution_id, False, _now()), now=_now())
            return
        execution = triggered_execution(
            trigger,
            found.variables,
            execution_id=execution_id,
            tenant_id=trigger_id.tenant,
            flow=flow,
            flow_revision=found.revision,
            inputs=inputs,
            now=_now(),
        )
        await self._executions.submit(execution)
        log.info(
            "polling_trigger_fired", trigger=trigger_id.key, date=date.isoformat(), execution_id=execution_id
        )


@dataclass(frozen=True)
class _Fired:
    """An evaluation whose condition held: the flow (at revision) to start, and the trigger's variables."""

    flow: FlowDefinition
    revision: int
    trigger: HttpTrigger
    variables: dict[str, Any]


class _TriggerContext(JobContext):
    """A request's context outside any execution: its log lines go to the worker's log."""

    def log(self, level: str, message: str) -> None:
        log.info("polling_trigger_log", level=level, message=message)


def _request(trigger: HttpTrigger, rendered: dict[str, Any]) -> Request:
    """Return the http.Request the trigger sends, its properties rendered."""
    try:
        return Request.model_validate({"id": trigger.id, "type": Request.type_names[0], **rendered})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise EvaluationFailed(f"invalid properties after rendering: {problems}") from None


def _reason(error: Exception) -> str:
    if isinstance(error, EvaluationFailed):
        return str(error)
    if isinstance(error, TimeoutError):
        return "the evaluation outlasted its lease"
    return f"{type(error).__name__}: {error}"


def _now() -> datetime:
    return datetime.now(UTC)
