from __future__ import annotations

from collections import OrderedDict

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError

from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.messaging import FLOWS_BUCKET, Broker, flow_key
from flowmesh.state._executions import StaleRevision
from flowmesh.state._watch import bucket_snapshot

_CACHE_SIZE = 1024


class FlowUnavailable(Exception):
    """A flow cannot run: there is no such flow or revision (reason FLOW_NOT_FOUND), or it is disabled."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FlowStore:
    """The flows bucket: the latest revision of each flow, with recent revisions in its history."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._definitions: OrderedDict[tuple[str, str, str, int], FlowDefinition] = OrderedDict()

    async def latest(self, tenant: str, namespace: str, flow_id: str) -> tuple[Flow, int] | None:
        """Return the latest revision (deleted ones too) and its KV revision."""
        kv = await self._broker.kv(FLOWS_BUCKET)
        try:
            entry = await kv.get(flow_key(tenant, namespace, flow_id))
        except KeyNotFoundError:
            return None
        if not entry.value:
            return None
        return Flow.FromString(entry.value), entry.revision or 0

    async def deployed(self, tenant: str) -> list[Flow]:
        """Return the latest revision of every flow of tenant that is not deleted."""
        flows = []
        # Keys hold slashes and namespaces dots: NATS cannot filter them by tenant, so all are read.
        for entry in await bucket_snapshot(self._broker, FLOWS_BUCKET):
            if entry.key.startswith(f"{tenant}/") and entry.value:
                flow = Flow.FromString(entry.value)
                if not flow.deleted:
                    flows.append(flow)
        return flows

    async def runnable(
        self, tenant: str, namespace: str, flow_id: str, revision: int = 0
    ) -> tuple[FlowDefinition, int]:
        """Return the flow to start an execution of, and its revision (0: the latest).

        Raise FlowUnavailable when it is missing, deleted or disabled.
        """
        latest = await self.latest(tenant, namespace, flow_id)
        if latest is None or latest[0].deleted:
            raise FlowUnavailable("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} not found")
        revision = revision or latest[0].revision
        flow = await self.definition(tenant, namespace, flow_id, revision)
        if flow is None:
            raise FlowUnavailable("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} has no revision {revision}")
        if flow.disabled:
            raise FlowUnavailable("FLOW_DISABLED", f"Flow {namespace}.{flow_id} is disabled")
        return flow, revision

    async def put(self, flow: Flow, kv_revision: int | None) -> None:
        """Store flow as the latest revision; kv_revision None means it must be new.

        Raise StaleRevision when another writer got there first.
        """
        kv = await self._broker.kv(FLOWS_BUCKET)
        key = flow_key(flow.tenant_id, flow.namespace, flow.id)
        try:
            if kv_revision is None:
                await kv.create(key, flow.SerializeToString())
            else:
                await kv.update(key, flow.SerializeToString(), last=kv_revision)
        except KeyWrongLastSequenceError:
            raise StaleRevision(key) from None

    async def revision(self, tenant: str, namespace: str, flow_id: str, revision: int) -> Flow | None:
        """Return one revision of a flow, if the bucket's history still holds it."""
        for flow in reversed(await self.history(tenant, namespace, flow_id)):
            if flow.revision == revision:
                return flow
        return None

    async def history(self, tenant: str, namespace: str, flow_id: str) -> list[Flow]:
        """Return the revisions of a flow the bucket's history still holds, oldest first.

        A revision stored again (its deleted revisions changed) appears once per write.
        """
        kv = await self._broker.kv(FLOWS_BUCKET)
        try:
            entries = await kv.history(flow_key(tenant, namespace, flow_id))
        except (KeyNotFoundError, NoKeysError):  # history() raises the second for a key never written
            return []
        return [Flow.FromString(entry.value) for entry in entries if entry.value]

    async def definition(
        self, tenant: str, namespace: str, flow_id: str, revision: int
    ) -> FlowDefinition | None:
        """Return the parsed flow at revision, from a cache of recent ones."""
        key = (tenant, namespace, flow_id, revision)
        cached = self._definitions.get(key)
        if cached is not None:
            self._definitions.move_to_end(key)
            return cached
        latest = await self.latest(tenant, namespace, flow_id)
        flow = latest[0] if latest and latest[0].revision == revision else None
        if flow is None:
            flow = await self.revision(tenant, namespace, flow_id, revision)
        if flow is None:
            return None
        definition = parse_flow(flow.source)
        self._definitions[key] = definition
        if len(self._definitions) > _CACHE_SIZE:
            self._definitions.popitem(last=False)
        return definition
