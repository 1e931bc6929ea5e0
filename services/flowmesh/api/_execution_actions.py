"""Operations on one execution, each split into a check and a change.

A check reads and refuses (ApiError, OperationRefused, InputsError); the change it
returns sends what the executor applies. The RPC on one execution runs both; the bulk
RPCs check every execution first and change them only when none is refused, as Kestra's
bulk operations do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import grpc

from flowmesh.api._file_inputs import take_uploads
from flowmesh.api._support import find_execution, not_found, now
from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.engine import (
    is_terminal,
    label_violations,
    new_execution_id,
    pauses,
    replayed,
    restarted,
    restarts,
    resume_inputs,
    state_name,
    status_changed,
    with_labels,
)
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, resolve_inputs
from flowmesh.messaging import EXECUTIONS_BUCKET, Broker
from flowmesh.queue.v1.queue_pb2 import (
    ChangeExecutionStatus,
    ExecutorMessage,
    KillExecution,
    PauseExecution,
    RestartExecution,
    ResumeExecution,
    SetExecutionLabels,
    StartExecution,
    UnqueueExecution,
)
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.state import ExecutionStore, FlowStore
from flowmesh.storage import Storage, execution_folder, uri_of
from flowmesh.values import to_struct

# The change a check returns: it sends the operation and returns the execution to answer with.
Change = Callable[[], Awaitable[Execution]]

DeleteRequest = (
    operations.DeleteExecutionRequest
    | operations.DeleteExecutionsByIdsRequest
    | operations.DeleteExecutionsByQueryRequest
)

# The states an execution can leave its flow's concurrency queue in.
UNQUEUE_STATES = frozenset(
    {
        StateType.STATE_TYPE_RUNNING,
        StateType.STATE_TYPE_CANCELLED,
        StateType.STATE_TYPE_FAILED,
        StateType.STATE_TYPE_KILLED,
    }
)

_QUEUED = StateType.STATE_TYPE_QUEUED
_CREATED = StateType.STATE_TYPE_CREATED
_PAUSED = StateType.STATE_TYPE_PAUSED
_RUNNING = StateType.STATE_TYPE_RUNNING


def refuse_unqueue_state(state: StateType, field: str) -> None:
    """Raise INVALID_ARGUMENT (naming field) for a state no execution leaves a queue in."""
    if state not in UNQUEUE_STATES:
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_STATE",
            f"An execution leaves the queue RUNNING, CANCELLED, FAILED or KILLED, not {state_name(state)}",
            [(field, "must be RUNNING, CANCELLED, FAILED or KILLED")],
        )


def refuse_status(state: StateType, field: str) -> None:
    """Raise INVALID_ARGUMENT (naming field) for a state an ended execution cannot be set to."""
    if not is_terminal(state):
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_STATE",
            f"An execution's status can only be changed to a terminal state, not {state_name(state)}",
            [(field, "must be a terminal state: SUCCESS, WARNING, FAILED, KILLED, CANCELLED, SKIPPED...")],
        )


def refuse_labels(labels: Sequence[Label]) -> None:
    """Raise INVALID_ARGUMENT with a violation per label a user may not set."""
    violations = label_violations(labels)
    if violations:
        raise ApiError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_LABELS", violations[0][1], violations)


class ExecutionActions:
    """The checks and changes of the operations on executions, shared by one-by-one and bulk RPCs."""

    def __init__(
        self,
        broker: Broker,
        flows: FlowStore,
        executions: ExecutionStore,
        repository: RepositoryBackend,
        storage: Storage,
    ) -> None:
        self._broker = broker
        self._flows = flows
        self._executions = executions
        self._repository = repository
        self._storage = storage

    async def find(self, tenant: str, execution_id: str) -> Execution:
        """Return an execution of tenant; NOT_FOUND (EXECUTION_NOT_FOUND) when there is none."""
        return await find_execution(self._executions, self._repository, tenant, execution_id)

    async def flow_of(self, execution: Execution, revision: int) -> FlowDefinition:
        """Return the flow revision an execution runs; NOT_FOUND (FLOW_NOT_FOUND) when it is gone."""
        flow = await self._flows.definition(
            execution.tenant_id, execution.namespace, execution.flow_id, revision
        )
        if flow is None:
            raise not_found(
                "FLOW_NOT_FOUND", f"Flow {execution.namespace}.{execution.flow_id} has no revision {revision}"
            )
        return flow

    async def _send(self, execution: Execution, message: ExecutorMessage, msg_id: str) -> None:
        await self._broker.to_executor(execution.id, message, msg_id=msg_id)

    def _sent(self, execution: Execution, message: ExecutorMessage, msg_id: str, answer: Execution) -> Change:
        """Return the change that sends message and answers with answer."""

        async def change() -> Execution:
            await self._send(execution, message, msg_id)
            return answer

        return change

    async def kill(self, execution: Execution) -> Change:
        """Check that execution has not ended; the change asks the executor to kill it."""
        if is_terminal(execution.state.current):
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "EXECUTION_ENDED",
                f"Execution {execution.id} has already ended",
            )
        message = ExecutorMessage(kill_execution=KillExecution(execution_id=execution.id))
        return self._sent(execution, message, f"kill:{execution.id}", execution)

    async def restart(self, execution: Execution) -> Change:
        """Check that execution restarts; the change sends the restart, answering the RESTARTED execution."""
        flow = await self.flow_of(execution, execution.flow_revision)
        answer = restarted(execution, flow, now())
        # The executor restarts what it has stored (or this copy, if the bucket let it go),
        # once: the message id and the restart count seen make a second restart a new one.
        message = ExecutorMessage(restart_execution=RestartExecution(execution=execution))
        return self._sent(execution, message, f"restart:{execution.id}:{restarts(execution)}", answer)

    async def replay(
        self,
        execution: Execution,
        task_run_id: str = "",
        revision: int = 0,
        given: dict[str, Any] | None = None,
    ) -> Change:
        """Check that execution replays (from task_run_id, on revision: 0 its own); the change submits it.

        With given, the new execution takes these inputs (resolved against the
        revision's, their uploaded files stored with it) rather than the original's.
        """
        revision = revision or execution.flow_revision
        flow = await self.flow_of(execution, revision)
        new = replayed(
            execution,
            flow,
            execution_id=new_execution_id(),
            task_run_id=task_run_id,
            flow_revision=revision,
            now=now(),
        )
        inputs = resolve_inputs(flow, given) if given is not None else None

        async def change() -> Execution:
            if inputs is not None:
                taken = await take_uploads(
                    self._storage, new.tenant_id, new.namespace, new.flow_id, new.id, inputs
                )
                new.inputs.CopyFrom(to_struct(taken))
                del new.secret_inputs[:]
                new.secret_inputs.extend(i.id for i in flow.inputs if i.type == "SECRET")
            # As a new execution (the executor runs a RESTARTED one from where it stands).
            return await self._executions.submit(new)

        return change

    async def replay_latest(self, execution: Execution) -> Change:
        """As replay, on the flow's latest revision."""
        latest = await self._flows.latest(execution.tenant_id, execution.namespace, execution.flow_id)
        if latest is None:
            raise not_found("FLOW_NOT_FOUND", f"Flow {execution.namespace}.{execution.flow_id} not found")
        return await self.replay(execution, revision=latest[1])

    async def resume(self, execution: Execution, given: dict[str, Any]) -> Change:
        """Check that execution is PAUSED and given fits its Pause task's onResume inputs.

        The change stores the uploaded files among the inputs with the execution's, then
        resumes it.
        """
        flow = await self.flow_of(execution, execution.flow_revision)
        task_run_id, inputs = resume_inputs(execution, flow, given)
        seen = pauses(execution)
        # A Pause task's run resumes once; an execution paused by hand, once per pause.
        msg_id = f"resume:{task_run_id}" if task_run_id else f"resume:{execution.id}:{seen}"

        async def change() -> Execution:
            taken = await take_uploads(
                self._storage,
                execution.tenant_id,
                execution.namespace,
                execution.flow_id,
                execution.id,
                inputs,
            )
            command = ResumeExecution(
                execution_id=execution.id, task_run_id=task_run_id, inputs=to_struct(taken), pauses_seen=seen
            )
            await self._send(execution, ExecutorMessage(resume_execution=command), msg_id)
            return execution

        return change

    async def pause(self, execution: Execution) -> Change:
        """Check that execution is RUNNING; the change asks the executor to pause it."""
        if execution.state.current != _RUNNING:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "EXECUTION_NOT_RUNNING",
                f"Execution {execution.id} is {state_name(execution.state.current)}:"
                " only a RUNNING one pauses",
            )
        message = ExecutorMessage(pause_execution=PauseExecution(execution_id=execution.id))
        return self._sent(execution, message, f"pause:{execution.id}:{pauses(execution)}", execution)

    async def unqueue(self, execution: Execution, state: StateType) -> Change:
        """Check that execution is QUEUED; the change takes it out of the queue in state."""
        if execution.state.current != _QUEUED:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "EXECUTION_NOT_QUEUED",
                f"Execution {execution.id} is {state_name(execution.state.current)}:"
                " only a QUEUED one leaves the queue",
            )
        message = ExecutorMessage(unqueue_execution=UnqueueExecution(execution_id=execution.id, state=state))
        return self._sent(execution, message, f"unqueue-request:{execution.id}:{state}", execution)

    async def set_labels(self, execution: Execution, labels: Sequence[Label]) -> Change:
        """The change sets labels on execution (checked by refuse_labels), answering it with them."""
        message = ExecutorMessage(set_execution_labels=SetExecutionLabels(execution=execution, labels=labels))
        msg_id = f"labels:{execution.id}:{execution.version}:{_labels_key(labels)}"
        return self._sent(execution, message, msg_id, with_labels(execution, labels))

    async def change_status(self, execution: Execution, state: StateType) -> Change:
        """Check that execution has ended in another state; the change sets it to state."""
        answer = status_changed(execution, state, now())
        message = ExecutorMessage(
            change_execution_status=ChangeExecutionStatus(execution=execution, state=state)
        )
        return self._sent(execution, message, f"status:{execution.id}:{execution.version}:{state}", answer)

    async def force_run(self, execution: Execution) -> Change:
        """Check that execution has not ended; the change runs it now, as Kestra's forceRun.

        CREATED (a retry waiting for its delay): started again without its date. QUEUED:
        unqueued to RUNNING, over the limit. PAUSED: resumed, its Pause task's onResume
        inputs taking their defaults. Anything else already runs: nothing to send.
        """
        current = execution.state.current
        if is_terminal(current):
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "EXECUTION_ENDED",
                f"Execution {execution.id} is {state_name(current)}: only one that has not ended runs",
            )
        if current == _QUEUED:
            return await self.unqueue(execution, StateType.STATE_TYPE_RUNNING)
        if current == _PAUSED:
            return await self.resume(execution, {})
        if current == _CREATED:
            now_due = Execution()
            now_due.CopyFrom(execution)
            now_due.ClearField("schedule_date")
            message = ExecutorMessage(start_execution=StartExecution(execution=now_due))
            return self._sent(execution, message, f"force-run:{execution.id}", execution)

        async def unchanged() -> Execution:
            return execution

        return unchanged

    async def delete(self, execution: Execution, *, logs: bool, files: bool) -> Change:
        """Check that execution has ended; the change deletes it (with its logs and files when asked)."""
        if not is_terminal(execution.state.current):
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "EXECUTION_NOT_ENDED",
                f"Execution {execution.id} is {state_name(execution.state.current)}:"
                " only an ended one is deleted",
            )

        async def change() -> Execution:
            deleted = Execution()
            deleted.CopyFrom(execution)
            deleted.deleted = True
            deleted.version += 1  # the repository keeps the highest version it has seen
            # The repository first: once the bucket lets it go, gets read the repository.
            await self._repository.save_executions([deleted])
            bucket = await self._broker.kv(EXECUTIONS_BUCKET)
            await bucket.purge(execution.id)
            tenant = execution.tenant_id
            if logs:
                await self._repository.delete_execution_logs(tenant, execution.id)
            if files:
                folder = execution_folder(execution.namespace, execution.flow_id, execution.id)
                await self._storage.delete_prefix(tenant, uri_of(folder))
            return deleted

        return change


def _labels_key(labels: Iterable[Label]) -> str:
    """Return a short digest of labels, so that the same request to the same version is sent once."""
    text = "\n".join(f"{label.key}={label.value}" for label in labels)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def deleting(request: DeleteRequest) -> tuple[bool, bool]:
    """Return whether a deletion takes the logs and the files along: both unless told not to."""
    logs = request.delete_logs if request.HasField("delete_logs") else True
    files = request.delete_storage if request.HasField("delete_storage") else True
    return logs, files
