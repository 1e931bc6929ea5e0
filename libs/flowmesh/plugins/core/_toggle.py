"""Kestra's Toggle task: enable or disable a trigger of a flow."""

from __future__ import annotations

from typing import Any, ClassVar

from flowmesh.plugins._base import RunContext, RunnableTask, TaskFailed


class Toggle(RunnableTask):
    """Enable (`enabled: true`) or disable a trigger of a flow: the task run's flow unless told otherwise.

    The trigger's state changes as the triggers API's enable and disable change it: a
    Schedule trigger enabled again does not recover the dates passed while disabled.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.trigger.Toggle",
        "io.kestra.core.tasks.trigger.Toggle",
    )

    trigger: str
    namespace: str | None = None
    flowId: str | None = None  # noqa: N815 - Kestra's property name
    # Kestra's default: false, the trigger is disabled.
    enabled: bool = False

    async def run(self, context: RunContext) -> dict[str, Any]:
        flow = context.variables.get("flow")
        flow = flow if isinstance(flow, dict) else {}
        namespace = self.namespace or flow.get("namespace")
        flow_id = self.flowId or flow.get("id")
        if not isinstance(namespace, str) or not isinstance(flow_id, str):
            raise TaskFailed("namespace and flowId: the task run has no flow; give both")
        await context.triggers.set_enabled(namespace, flow_id, self.trigger, self.enabled)
        context.log("INFO", f"Trigger '{self.trigger}' of flow {namespace}.{flow_id} {_done(self.enabled)}")
        return {}


def _done(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"
