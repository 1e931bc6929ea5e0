"""The OpenSearch repository's indexes: their mappings, and the documents made from protobuf messages.

Each document keeps the record's serialized message (value, base64, not indexed) beside the
fields the searches filter, sort and aggregate on, as the PostgreSQL tables do.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository._rows import state_dates, trigger_execution_id

Doc = dict[str, Any]

_KEYWORD = {"type": "keyword"}
_INTEGER = {"type": "integer"}
_LONG = {"type": "long"}
_BOOLEAN = {"type": "boolean"}
_DATE = {"type": "date"}
_SECONDS = {"type": "double"}
_VALUE = {"type": "binary"}  # kept in _source only
_LABELS = {"type": "nested", "properties": {"key": _KEYWORD, "value": _KEYWORD}}

_FLOW = {
    "tenant_id": _KEYWORD,
    "namespace": _KEYWORD,
    "id": _KEYWORD,
    "revision": _INTEGER,
    "deleted": _BOOLEAN,
    "disabled": _BOOLEAN,
    "labels": _LABELS,
    "updated": _DATE,
    "value": _VALUE,
}

# Index suffix -> properties. Unknown fields are refused (dynamic: strict).
MAPPINGS: dict[str, dict[str, Any]] = {
    # Every revision of every flow.
    "flow-revisions": _FLOW,
    # The latest revision of each flow (deleted or not): what get_flow and list_flows read.
    "flows": _FLOW,
    # One document per execution: its latest version without its task runs.
    "executions": {
        "tenant_id": _KEYWORD,
        "id": _KEYWORD,
        "namespace": _KEYWORD,
        "flow_id": _KEYWORD,
        "flow_revision": _INTEGER,
        "state": _INTEGER,  # flowmesh.common.v1.StateType
        "start_date": _DATE,
        "end_date": _DATE,
        "duration": _SECONDS,  # once ended
        "labels": _LABELS,
        "parent_id": _KEYWORD,
        "original_id": _KEYWORD,
        "deleted": _BOOLEAN,
        "version": _LONG,
        "trigger_execution_id": _KEYWORD,
        "trigger_id": _KEYWORD,
        "value": _VALUE,
    },
    "task-runs": {
        "tenant_id": _KEYWORD,
        "execution_id": _KEYWORD,
        "id": _KEYWORD,
        "namespace": _KEYWORD,
        "flow_id": _KEYWORD,
        "task_id": _KEYWORD,
        "parent_task_run_id": _KEYWORD,
        "position": _INTEGER,
        "state": _INTEGER,
        "start_date": _DATE,
        "end_date": _DATE,
        "duration": _SECONDS,
        "version": _LONG,
        "value": _VALUE,
    },
    "logs": {
        "id": _KEYWORD,
        "tenant_id": _KEYWORD,
        "namespace": _KEYWORD,
        "flow_id": _KEYWORD,
        "execution_id": _KEYWORD,
        "task_run_id": _KEYWORD,
        "task_id": _KEYWORD,
        "attempt_number": _INTEGER,
        "level": _INTEGER,  # flowmesh.log.v1.Level
        "timestamp": _DATE,
        "timestamp_ns": _LONG,  # the exact order: dates keep milliseconds
        "message": {"type": "text", "analyzer": "standard"},
        "value": _VALUE,
    },
}


def index_body(suffix: str) -> dict[str, Any]:
    """Return the body that creates the index of suffix."""
    return {"mappings": {"dynamic": "strict", "properties": MAPPINGS[suffix]}}


def doc_id(*parts: object) -> str:
    """Return a document id made of parts, unambiguously (each part percent-encoded)."""
    return "/".join(quote(str(part), safe="") for part in parts)


def encode(message: Any) -> str:
    return base64.b64encode(message.SerializeToString()).decode("ascii")


def decode(doc: Mapping[str, Any], message: Any) -> Any:
    """Parse doc's value into message and return it."""
    message.ParseFromString(base64.b64decode(doc["value"]))
    return message


def _labels(labels: Iterable[Any]) -> list[dict[str, str]]:
    return [{"key": label.key, "value": label.value} for label in labels]


def _dates(state: Any) -> Doc:
    start, end = state_dates(state)
    fields: Doc = {"start_date": start.isoformat() if start else None}
    fields["end_date"] = end.isoformat() if end else None
    fields["duration"] = (end - start).total_seconds() if start and end else None
    return fields


def flow_doc(flow: flow_pb2.Flow) -> Doc:
    return {
        "tenant_id": flow.tenant_id,
        "namespace": flow.namespace,
        "id": flow.id,
        "revision": flow.revision,
        "deleted": flow.deleted,
        "disabled": flow.disabled,
        "labels": _labels(flow.labels),
        "updated": flow.updated.ToMilliseconds() if flow.HasField("updated") else None,
        "value": encode(flow),
    }


def execution_doc(execution: execution_pb2.Execution) -> Doc:
    """Return the executions document: the execution's header without its task runs."""
    header = execution_pb2.Execution()
    header.CopyFrom(execution)
    del header.task_runs[:]
    return {
        "tenant_id": execution.tenant_id,
        "id": execution.id,
        "namespace": execution.namespace,
        "flow_id": execution.flow_id,
        "flow_revision": execution.flow_revision,
        "state": execution.state.current,
        **_dates(execution.state),
        "labels": _labels(execution.labels),
        "parent_id": execution.parent_id,
        "original_id": execution.original_id,
        "deleted": execution.deleted,
        "version": execution.version,
        "trigger_execution_id": trigger_execution_id(execution),
        "trigger_id": execution.trigger.id,
        "value": encode(header),
    }


def task_run_doc(execution: execution_pb2.Execution, task_run: execution_pb2.TaskRun) -> Doc:
    return {
        "tenant_id": execution.tenant_id,
        "execution_id": execution.id,
        "id": task_run.id,
        "namespace": task_run.namespace or execution.namespace,
        "flow_id": task_run.flow_id or execution.flow_id,
        "task_id": task_run.task_id,
        "parent_task_run_id": task_run.parent_task_run_id,
        "position": task_run.position,
        "state": task_run.state.current,
        **_dates(task_run.state),
        # A producer that leaves the task run's version unset means "changed now".
        "version": task_run.version or execution.version,
        "value": encode(task_run),
    }


def flow_versions(flow: flow_pb2.Flow) -> tuple[int, int]:
    """Return the external versions of a flow's revision document and of its latest-revision one.

    A revision is immutable except that it may be marked deleted (1, then 2); the latest
    revision is the highest, and of one revision the deleted copy (2 * revision, + 1).
    """
    return 1 + flow.deleted, 2 * flow.revision + flow.deleted


def log_doc(entry: log_pb2.LogEntry) -> Doc:
    return {
        "id": entry.id,
        "tenant_id": entry.tenant_id,
        "namespace": entry.namespace,
        "flow_id": entry.flow_id,
        "execution_id": entry.execution_id,
        "task_run_id": entry.task_run_id,
        "task_id": entry.task_id,
        "attempt_number": entry.attempt_number,
        "level": entry.level,
        "timestamp": entry.timestamp.ToMilliseconds(),
        "timestamp_ns": entry.timestamp.ToNanoseconds(),
        "message": entry.message,
        "value": encode(entry),
    }
