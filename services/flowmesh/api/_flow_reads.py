"""Reading flows for the api: the latest revision, earlier ones, and sets of deployed flows."""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from flowmesh.api._flow_sets import in_scope
from flowmesh.api._support import not_found
from flowmesh.auth import scope
from flowmesh.common.v1.state_pb2 import Label
from flowmesh.flow.v1.flow_pb2 import Flow, FlowRef
from flowmesh.language import FlowDefinition
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.state import FlowStore


class FlowReader:
    """The flows bucket first (latest and recent revisions), the repository for older revisions."""

    def __init__(self, flows: FlowStore, repository: RepositoryBackend) -> None:
        self._flows = flows
        self._repository = repository

    async def latest(self, tenant: str, namespace: str, flow_id: str) -> tuple[Flow, int]:
        """Return the latest revision of a flow not deleted and its KV revision; else NOT_FOUND."""
        latest = await self._flows.latest(tenant, namespace, flow_id)
        if latest is None or latest[0].deleted:
            raise not_found("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} not found")
        return latest

    async def any_latest(self, tenant: str, namespace: str, flow_id: str) -> tuple[Flow, int]:
        """Return the latest revision of a flow, deleted or not; NOT_FOUND when it never existed."""
        latest = await self._flows.latest(tenant, namespace, flow_id)
        if latest is None:
            raise not_found("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} not found")
        return latest

    async def revision(
        self, tenant: str, namespace: str, flow_id: str, revision: int, *, deleted_too: bool = False
    ) -> Flow:
        """Return one revision that DeleteFlowRevisions has not deleted, from the bucket or the
        repository; a revision that marks the flow deleted only with deleted_too."""
        latest = await self._flows.latest(tenant, namespace, flow_id)
        flow = None
        if latest is None or revision not in latest[0].deleted_revisions:
            if latest is not None and latest[0].revision == revision:
                flow = latest[0]
            else:
                flow = await self._flows.revision(tenant, namespace, flow_id, revision)
                flow = flow or await self._repository.get_flow(
                    tenant, namespace, flow_id, revision, allow_deleted=deleted_too
                )
        if flow is None or (flow.deleted and not deleted_too):
            raise not_found("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} has no revision {revision}")
        return flow

    async def revisions(self, tenant: str, namespace: str, flow_id: str) -> list[Flow]:
        """Return every revision of a flow not deleted by DeleteFlowRevisions, oldest first.

        The bucket's history holds the recent ones; the repository the older ones.
        """
        latest = (await self.any_latest(tenant, namespace, flow_id))[0]
        found = {flow.revision: flow for flow in await self._flows.history(tenant, namespace, flow_id)}
        found[latest.revision] = latest
        for revision in range(1, min(found)):
            flow = await self._repository.get_flow(tenant, namespace, flow_id, revision, allow_deleted=True)
            if flow is not None:
                found[revision] = flow
        gone = set(latest.deleted_revisions)
        return [found[revision] for revision in sorted(found) if revision not in gone]

    async def definitions(self, tenant: str) -> list[FlowDefinition]:
        """Return the parsed latest revision of every deployed flow of tenant."""
        definitions = []
        for flow in await self._flows.deployed(tenant):
            definition = await self._flows.definition(tenant, flow.namespace, flow.id, flow.revision)
            if definition is not None:
                definitions.append(definition)
        return definitions

    async def found(self, tenant: str, namespace: str, query: str, labels: Iterable[Label]) -> list[Flow]:
        """Return the deployed flows a query finds where the caller may act, by namespace and id:
        those the flows search lists for the same namespace, query and labels."""
        allowed = scope()
        flows = [
            flow
            for flow in await self._flows.deployed(tenant)
            if in_scope(flow, namespace, query, labels) and allowed.covers(flow.namespace)
        ]
        return sorted(flows, key=lambda flow: (flow.namespace, flow.id))

    async def named(self, tenant: str, refs: Iterable[FlowRef]) -> list[tuple[Flow, int]]:
        """Return the flows named, all of them, or NOT_FOUND naming the first missing one."""
        named = []
        for index, ref in enumerate(refs):
            latest = await self._flows.latest(tenant, ref.namespace, ref.id)
            if latest is None or latest[0].deleted:
                raise ApiError(
                    grpc.StatusCode.NOT_FOUND,
                    "FLOW_NOT_FOUND",
                    f"Flow {ref.namespace}.{ref.id} not found: nothing was changed",
                    [(f"flows[{index}]", f"no flow {ref.namespace}.{ref.id}")],
                )
            named.append(latest)
        return named
