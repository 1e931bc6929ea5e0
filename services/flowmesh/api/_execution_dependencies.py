"""Following an execution with its dependencies, as Kestra's `follow-dependencies` SSE stream.

The executions followed are the one asked for and, from there on, every execution one of
them started or triggered (a subflow's, a Flow trigger's: the execution its `trigger`
names) of the flows the flow topology puts downstream of the first one's flow; without
destination_only, also the executions that started the first one, up its chain. The stream
tells each new state of each of them, and ends once every downstream flow has an ended
execution among them and all of them have ended.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from flowmesh.api._flow_topology import FlowKey, topology
from flowmesh.api._support import MAX_PAGE_SIZE, find_execution, streaming
from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import is_terminal
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowDefinition, FlowInvalid, parse_flow
from flowmesh.repository import ExecutionQuery, RepositoryBackend, trigger_execution_id
from flowmesh.rpc import ApiError
from flowmesh.state import ExecutionStore, FlowStore


class DependencyRpcs:
    """ExecutionService's FollowExecutionDependencies; the servicer sets the stores."""

    _flows: FlowStore
    _executions: ExecutionStore
    _repository: RepositoryBackend

    @streaming
    async def FollowExecutionDependencies(
        self, request: messages.FollowExecutionDependenciesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[messages.ExecutionStatusEvent]:
        first = await find_execution(self._executions, self._repository, request.tenant, request.execution_id)
        sources = [] if request.destination_only else await self._sources(first)
        followed = _Followed(first, sources, await self._downstream(first, expand=request.expand_all))
        changes = self._executions.changes()
        try:
            await anext(changes)  # listening before reading what exists: no change goes by between
            await context.send_initial_metadata(())
            for execution in [*sources, first, *await self._started_by(first)]:
                if followed.take(execution):
                    yield status_event(execution)
            while not followed.over():
                changed = await anext(changes)
                again = [changed] if changed is not None else await self._current(followed.running())
                for execution in again:
                    if followed.take(execution):
                        yield status_event(execution)
        finally:
            await changes.aclose()

    async def _sources(self, first: Execution) -> list[Execution]:
        """Return the executions that started first, up its chain (the one that started it first)."""
        found: list[Execution] = []
        source = trigger_execution_id(first)
        while source and source not in {execution.id for execution in found}:
            try:
                execution = await find_execution(self._executions, self._repository, first.tenant_id, source)
            except ApiError:
                break  # gone (purged): the chain is known up to there
            found.insert(0, execution)
            source = trigger_execution_id(execution)
        return found

    async def _downstream(self, first: Execution, *, expand: bool) -> set[FlowKey]:
        """Return the flows the topology puts downstream of the execution's flow, its own included."""
        definitions: list[FlowDefinition] = []
        for stored in await self._flows.deployed(first.tenant_id):
            try:
                definitions.append(parse_flow(stored.source))
            except FlowInvalid:
                continue
        start = (first.namespace, first.flow_id)
        graph = topology(first.tenant_id, definitions, [start], destination_only=True, expand=expand)
        return {(node.namespace, node.id) for node in graph.nodes} | {start}

    async def _started_by(self, first: Execution) -> list[Execution]:
        """Return the executions first started or triggered, theirs too, as the repository has them."""
        found: list[Execution] = []
        parents = [first.id]
        while parents:
            parent = parents.pop()
            offset = 0
            while True:
                query = ExecutionQuery(trigger_execution_id=parent)
                page, total = await self._repository.search_executions(
                    first.tenant_id, query, offset=offset, limit=MAX_PAGE_SIZE
                )
                found += page
                parents += [execution.id for execution in page]
                offset += len(page)
                if not page or offset >= total:
                    break
        return found

    async def _current(self, ids: list[str]) -> list[Execution]:
        """Return the executions of ids as the bucket has them now."""
        found = []
        for execution_id in ids:
            stored = await self._executions.get(execution_id)
            if stored is not None:
                found.append(stored.execution)
        return found


class _Followed:
    """The executions followed, their last states told, and the flows still waited for."""

    def __init__(self, first: Execution, sources: list[Execution], flows: set[FlowKey]) -> None:
        self._tenant = first.tenant_id
        self._flows = flows
        self._waited = set(flows)
        unknown = StateType.STATE_TYPE_UNSPECIFIED
        self._states: dict[str, StateType] = {execution.id: unknown for execution in [*sources, first]}

    def take(self, execution: Execution) -> bool:
        """Take in a change of an execution; tell whether it is a new state of one followed."""
        if execution.tenant_id != self._tenant:
            return False
        flow = (execution.namespace, execution.flow_id)
        started_by_one = trigger_execution_id(execution) in self._states and flow in self._flows
        if execution.id not in self._states and not started_by_one:
            return False
        if self._states.get(execution.id) == execution.state.current:
            return False
        self._states[execution.id] = execution.state.current
        if is_terminal(execution.state.current):
            self._waited.discard(flow)
        return True

    def running(self) -> list[str]:
        return [execution_id for execution_id, state in self._states.items() if not is_terminal(state)]

    def over(self) -> bool:
        return not self._waited and not self.running()


def status_event(execution: Execution) -> messages.ExecutionStatusEvent:
    return messages.ExecutionStatusEvent(
        execution_id=execution.id,
        tenant_id=execution.tenant_id,
        namespace=execution.namespace,
        flow_id=execution.flow_id,
        state=execution.state,
    )
