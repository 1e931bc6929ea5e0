"""The triggers of a tenant's flows as tasks on a worker change them (the Toggle task)."""

from __future__ import annotations

from datetime import UTC, datetime

from flowmesh.plugins import TaskFailed
from flowmesh.state import FlowStore, TriggerId, TriggerStates, set_disabled


class TenantTriggers:
    """Enables and disables the triggers of one tenant's deployed flows."""

    def __init__(self, flows: FlowStore, states: TriggerStates, tenant: str) -> None:
        self._flows = flows
        self._states = states
        self._tenant = tenant

    async def set_enabled(self, namespace: str, flow_id: str, trigger_id: str, enabled: bool) -> None:
        # A slash is in no namespace nor flow id (flows bucket keys are made of them, with slashes).
        latest = (
            None if "/" in namespace + flow_id else await self._flows.latest(self._tenant, namespace, flow_id)
        )
        if latest is None or latest[0].deleted:
            raise TaskFailed(f"Unable to find flow {namespace}.{flow_id}")
        flow = await self._flows.definition(self._tenant, namespace, flow_id, latest[0].revision)
        if flow is None or not any(trigger.id == trigger_id for trigger in flow.triggers):
            raise TaskFailed(f"Unable to find trigger '{trigger_id}' in flow {namespace}.{flow_id}")
        now = datetime.now(UTC)
        trigger = TriggerId(self._tenant, namespace, flow_id, trigger_id)
        await self._states.change(trigger, set_disabled(not enabled, now), now=now)
