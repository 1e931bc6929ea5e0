"""Turn protobuf messages into the column values of the repository's tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2

Row = tuple[object, ...]

# States after which nothing changes any more, as in Kestra's State.isTerminated().
TERMINATED = frozenset(
    {
        state_pb2.STATE_TYPE_SUCCESS,
        state_pb2.STATE_TYPE_WARNING,
        state_pb2.STATE_TYPE_FAILED,
        state_pb2.STATE_TYPE_KILLED,
        state_pb2.STATE_TYPE_CANCELLED,
        state_pb2.STATE_TYPE_RETRIED,
        state_pb2.STATE_TYPE_SKIPPED,
    }
)


def _datetime(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def state_dates(state: state_pb2.State) -> tuple[datetime | None, datetime | None]:
    """Return (start, end): the first history date, and the last one once terminated."""
    dated = [h for h in state.histories if h.HasField("date")]
    if not dated:
        return None, None
    end = _datetime(dated[-1].date) if state.current in TERMINATED else None
    return _datetime(dated[0].date), end


def labels_json(labels: Iterable[state_pb2.Label]) -> str:
    """Return labels as a JSON array of {key, value}, duplicates and order kept."""
    return json.dumps([{"key": label.key, "value": label.value} for label in labels])


def flow_row(flow: flow_pb2.Flow) -> Row:
    """Return the flows row of one flow revision."""
    updated = _datetime(flow.updated) if flow.HasField("updated") else None
    return (
        flow.tenant_id,
        flow.namespace,
        flow.id,
        flow.revision,
        flow.deleted,
        flow.disabled,
        labels_json(flow.labels),
        updated,
        flow.SerializeToString(),
    )


def execution_row(execution: execution_pb2.Execution) -> Row:
    """Return the executions row: the execution's header without its task runs."""
    header = execution_pb2.Execution()
    header.CopyFrom(execution)
    del header.task_runs[:]
    start, end = state_dates(execution.state)
    return (
        execution.tenant_id,
        execution.id,
        execution.namespace,
        execution.flow_id,
        execution.flow_revision,
        execution.state.current,
        start,
        end,
        labels_json(execution.labels),
        execution.parent_id,
        execution.original_id,
        execution.deleted,
        execution.version,
        header.SerializeToString(),
        trigger_execution_id(execution),
        execution.trigger.id,
    )


def trigger_execution_id(execution: execution_pb2.Execution) -> str:
    """Return the execution that started this one (a subflow's parent, a Flow trigger's), or ''."""
    value = execution.trigger.variables.fields.get("executionId")
    return value.string_value if value is not None else ""


def task_run_rows(execution: execution_pb2.Execution) -> list[Row]:
    """Return the task_runs rows of the task runs an execution event carries."""
    rows: list[Row] = []
    for task_run in execution.task_runs:
        start, end = state_dates(task_run.state)
        rows.append(
            (
                execution.tenant_id,
                execution.id,
                task_run.id,
                task_run.namespace or execution.namespace,
                task_run.flow_id or execution.flow_id,
                task_run.task_id,
                task_run.parent_task_run_id,
                task_run.position,
                task_run.state.current,
                start,
                end,
                # A producer that leaves the task run's version unset means "changed now".
                task_run.version or execution.version,
                task_run.SerializeToString(),
            )
        )
    return rows


def log_row(entry: log_pb2.LogEntry) -> Row:
    """Return the logs row of one log entry."""
    return (
        entry.id,
        entry.tenant_id,
        entry.namespace,
        entry.flow_id,
        entry.execution_id,
        entry.task_run_id,
        entry.task_id,
        entry.attempt_number,
        entry.level,
        _datetime(entry.timestamp),
        entry.timestamp.ToNanoseconds(),
        entry.SerializeToString(),
        # Only for the full-text index; text columns cannot hold NUL.
        entry.message.replace("\x00", " "),
    )


def sorted_rows(rows: Sequence[Row], key_width: int) -> list[Row]:
    """Sort rows by their leading key columns, so concurrent writers lock in one order."""
    return sorted(rows, key=lambda row: tuple(str(v) for v in row[:key_width]))
