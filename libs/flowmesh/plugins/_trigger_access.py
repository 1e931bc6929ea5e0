"""What a task can do with the triggers of its tenant's flows (the Toggle task)."""

from __future__ import annotations

from typing import Protocol


class TriggerSwitches(Protocol):
    """The triggers of the task run's tenant."""

    async def set_enabled(self, namespace: str, flow_id: str, trigger_id: str, enabled: bool) -> None:
        """Enable or disable a trigger of a deployed flow; raise TaskFailed for an unknown flow or trigger."""
        ...
