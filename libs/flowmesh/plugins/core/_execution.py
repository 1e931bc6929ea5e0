"""Execution-updating tasks: the executor applies them to the execution itself, no worker runs them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins._base import ExecutionUpdater, ExecutionUpdatingTask, TaskFailed

SYSTEM_LABEL_PREFIX = "system."

# Kestra's Exit.ExitState, and the state each ends the execution in.
EXIT_STATES = {
    "SUCCESS": StateType.STATE_TYPE_SUCCESS,
    "WARNING": StateType.STATE_TYPE_WARNING,
    "KILLED": StateType.STATE_TYPE_KILLED,
    "FAILED": StateType.STATE_TYPE_FAILED,
    "CANCELED": StateType.STATE_TYPE_CANCELLED,
}


class LabelItem(BaseModel):
    """One label written as `{key, value}`."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    key: str
    value: str | None = None


class Labels(ExecutionUpdatingTask):
    """Add labels to the execution, or change those it has; keys and values are rendered.

    `labels` is a map, a list of `{key, value}`, or an expression rendering to
    either (a JSON text included).
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.execution.Labels",
        "io.kestra.core.tasks.executions.Labels",
    )

    labels: dict[str, Any] | list[LabelItem] | str

    def update(self, updater: ExecutionUpdater, run: TaskRun) -> None:
        raw: Any = self.labels
        if isinstance(raw, list):
            raw = [item.model_dump() for item in raw]
        rendered = updater.render(run, _render_keys(updater, run, raw))
        labels = labels_of(rendered)
        refused = system_labels(labels)
        if refused:
            key = refused[0]
            raise TaskFailed(
                f"System labels can only be set by Kestra itself, offending label: {key}={labels[key]}"
            )
        updater.set_labels(labels)


class SetVariables(ExecutionUpdatingTask):
    """Set execution variables, seen by later tasks as `vars.<name>`; values are rendered."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.execution.SetVariables",)

    variables: dict[str, Any]
    # When false, setting a variable that exists already fails the task.
    overwrite: bool = True

    def update(self, updater: ExecutionUpdater, run: TaskRun) -> None:
        rendered = updater.render(run, _render_keys(updater, run, self.variables))
        if not self.overwrite:
            existing = sorted(set(rendered) & set(updater.variables()))
            if existing:
                raise TaskFailed(f"`{existing[0]}` is already set and `overwrite` is false")
        updater.set_variables(rendered)


class UnsetVariables(ExecutionUpdatingTask):
    """Remove execution variables set earlier (by SetVariables)."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.execution.UnsetVariables",)

    variables: list[str]
    # When false, unsetting a variable that is not set fails the task.
    ignoreMissing: bool = False  # noqa: N815 - Kestra's property name

    def update(self, updater: ExecutionUpdater, run: TaskRun) -> None:
        names = [str(name) for name in updater.render(run, self.variables)]
        known = updater.variables()
        missing = [name for name in names if name not in known]
        if missing and not self.ignoreMissing:
            raise TaskFailed(f"`{missing[0]}` is not set and `ignoreMissing` is false")
        updater.unset_variables(names)


class Exit(ExecutionUpdatingTask):
    """End the execution at once in `state`: SUCCESS, WARNING, KILLED, FAILED or CANCELED.

    The task run and its parents end in that state; the task runs still running
    are KILLED and no further task starts (the flow's `afterExecution` tasks do).
    """

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.execution.Exit",)

    state: str = "SUCCESS"

    def update(self, updater: ExecutionUpdater, run: TaskRun) -> None:
        name = str(updater.render(run, self.state)).strip().upper()
        if name not in EXIT_STATES:
            raise TaskFailed(f"state: must be one of {', '.join(EXIT_STATES)}, got {self.state!r}")
        updater.exit(run, EXIT_STATES[name])


def _render_keys(updater: ExecutionUpdater, run: TaskRun, value: Any) -> Any:
    """Return value with the keys of a map rendered too (render_value renders values only)."""
    if isinstance(value, dict):
        return {str(updater.render(run, str(key))): item for key, item in value.items()}
    return value


def labels_of(value: Any) -> dict[str, str]:
    """Return the labels a rendered `labels` property holds; raise TaskFailed when it holds none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise TaskFailed(
                f"labels: expected a map, a list of {{key, value}} or JSON, got {value!r}"
            ) from None
    if isinstance(value, dict):
        return {str(key): _text(item) for key, item in value.items()}
    if isinstance(value, list) and all(isinstance(item, dict) and "key" in item for item in value):
        return {str(item["key"]): _text(item.get("value")) for item in value}
    raise TaskFailed(f"labels: expected a map, a list of {{key, value}} or JSON, got {value!r}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def system_labels(keys: Iterable[str]) -> list[str]:
    """Return the keys of system labels among keys: only flowmesh itself sets them, as in Kestra."""
    return [key for key in keys if key.startswith(SYSTEM_LABEL_PREFIX)]
