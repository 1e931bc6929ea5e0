"""Kestra's log.Fetch: an execution's log lines, written to internal storage as an Ion file."""

from __future__ import annotations

import json
import secrets
from typing import Any, ClassVar

from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.plugins._base import RunContext, RunnableTask, TaskFailed
from flowmesh.plugins.core._runnable import LEVELS
from flowmesh.values import ion_dumps, log_row


class Fetch(RunnableTask):
    """Write the log lines of an execution (this one by default) at `level` or above to an Ion file.

    Outputs `uri`, the file in internal storage, one line per row, and `size`, the
    number of rows. With `tasksId`, only those tasks' lines, task after task.
    """

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.log.Fetch",
        "io.kestra.core.tasks.log.Fetch",
    )

    # The execution's namespace and flow: by default this flow's, as in Kestra. Lines of
    # another flow's execution are fetched only when both name that flow.
    namespace: str | None = None
    flowId: str | None = None  # noqa: N815 - Kestra's property name
    executionId: str | None = None  # noqa: N815 - Kestra's property name
    # A list, or an expression rendering to a JSON list.
    tasksId: list[str] | str | None = None  # noqa: N815 - Kestra's property name
    # The lowest level fetched; a string, not an enum, so that it may be an expression.
    level: str = "INFO"

    async def run(self, context: RunContext) -> dict[str, Any]:
        level = self.level.upper()
        if level not in LEVELS:
            raise TaskFailed(f"level: must be one of {', '.join(LEVELS)}, got {self.level!r}")
        flow = context.variables.get("flow", {})
        namespace = self.namespace or flow.get("namespace")
        flow_id = self.flowId or flow.get("id")
        execution_id = self.executionId or context.variables.get("execution", {}).get("id")
        if not execution_id:
            raise TaskFailed("executionId: no execution to fetch the logs of")
        entries = [
            entry
            for entry in await context.logs(execution_id)
            if entry.namespace == namespace and entry.flow_id == flow_id
        ]
        rows = select(entries, Level.Value(f"LEVEL_{level}"), _task_ids(self.tasksId))
        text = "".join(ion_dumps(log_row(entry)) + "\n" for entry in rows)
        uri = await context.store(f"{secrets.token_hex(8)}.ion", text.encode())
        return {"uri": uri, "size": len(rows)}


def select(entries: list[LogEntry], min_level: int, task_ids: list[str] | None) -> list[LogEntry]:
    """Return the entries at min_level or above: all in order, or task by task when task_ids are given."""
    kept = [entry for entry in entries if entry.level >= min_level]
    if task_ids is None:
        return kept
    return [entry for task_id in task_ids for entry in kept if entry.task_id == task_id]


def _task_ids(value: list[str] | str | None) -> list[str] | None:
    """Return tasksId as a list; an expression renders it to JSON text (`["a", "b"]`)."""
    if value is None or isinstance(value, list):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
        raise TaskFailed(f"tasksId: must be a list of task ids, got {value!r}")
    return parsed
