"""Subflow: start an execution of another flow, and wait for its end if asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import Field

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.plugins._base import ExecutableTask, SubflowCall
from flowmesh.plugins.core._execution import LabelItem, labels_of

# The execution's end states a task run that transmits failures takes over.
_TRANSMITTED = {
    StateType.STATE_TYPE_FAILED,
    StateType.STATE_TYPE_KILLED,
    StateType.STATE_TYPE_WARNING,
}


class Subflow(ExecutableTask):
    """Start an execution of the flow `namespace`/`flowId` with `inputs` and `labels`.

    With `wait` (the default) the task run ends when that execution does: in its
    state when it ends FAILED, KILLED or WARNING and `transmitFailed` holds,
    SUCCESS otherwise. Its outputs are `executionId`, `state` and `outputs`: the
    flow outputs of the execution, and this task's `outputs` rendered in the
    context of the execution that ended. `inheritLabels` passes this execution's
    labels on.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Subflow",
        "io.kestra.core.tasks.flows.Subflow",
        "io.kestra.core.tasks.flows.Flow",
    )

    namespace: str
    flowId: str  # noqa: N815 - Kestra's property name
    revision: int | None = Field(default=None, ge=1)
    inputs: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, Any] | list[LabelItem] = Field(default_factory=dict)
    wait: bool = True
    transmitFailed: bool = True  # noqa: N815 - Kestra's property name
    inheritLabels: bool = False  # noqa: N815 - Kestra's property name
    outputs: dict[str, Any] = Field(default_factory=dict)
    # A restarted task run starts a new execution (Kestra's default, NEW_EXECUTION).
    restartBehavior: Literal["NEW_EXECUTION"] = "NEW_EXECUTION"  # noqa: N815 - Kestra's property name

    def call(self, render: Callable[[Any], Any]) -> SubflowCall:
        raw: Any = self.labels
        if isinstance(raw, list):
            raw = [item.model_dump() for item in raw]
        return SubflowCall(
            namespace=str(render(self.namespace)),
            flow_id=str(render(self.flowId)),
            revision=self.revision,
            inputs=render(self.inputs),
            labels=labels_of(render(raw)),
            inherit_labels=self.inheritLabels,
            wait=self.wait,
        )

    def calls(self, namespace: str, flow_id: str) -> bool:
        return (self.namespace, self.flowId) == (namespace, flow_id)

    def ended(
        self, state: StateType, outputs: dict[str, Any], render: Callable[[Any], Any]
    ) -> tuple[StateType, dict[str, Any]]:
        found = {**outputs, **{key: render(value) for key, value in self.outputs.items()}}
        ended = state if self.transmitFailed and state in _TRANSMITTED else StateType.STATE_TYPE_SUCCESS
        return ended, ({"outputs": found} if found else {})
