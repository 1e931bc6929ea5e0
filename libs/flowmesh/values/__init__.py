"""Conversions of values: Python values to and from protobuf Struct and Ion text, durations to text."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from google.protobuf import json_format, struct_pb2

from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.values._ion import dumps as ion_dumps
from flowmesh.values._ion import loads as ion_loads

__all__ = ["from_struct", "ion_dumps", "ion_loads", "error_logs", "iso_duration", "log_row", "to_struct"]


def to_struct(values: dict[str, Any] | None) -> struct_pb2.Struct:
    """Return values as a Struct (numbers become doubles, as in JSON)."""
    struct = struct_pb2.Struct()
    if values:
        struct.update(values)
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Return the Struct as plain Python, giving integral numbers back as int."""
    return {key: _plain(value) for key, value in json_format.MessageToDict(struct).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def iso_duration(delta: timedelta) -> str:
    """Format a duration as Java's Duration.toString() does (``PT1M2.5S``)."""
    micros = max(0, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or micros or text == "PT":
        fraction = f".{micros:06d}".rstrip("0") if micros else ""
        text += f"{seconds}{fraction}S"
    return text


def log_row(entry: LogEntry) -> dict[str, Any]:
    """Return a log line as Kestra writes its LogEntry, leaving out what is unset as Kestra does nulls."""
    row: dict[str, Any] = {
        "tenantId": entry.tenant_id or None,
        "namespace": entry.namespace,
        "flowId": entry.flow_id,
        "taskId": entry.task_id or None,
        "executionId": entry.execution_id,
        "taskRunId": entry.task_run_id or None,
        "attemptNumber": entry.attempt_number if entry.task_run_id else None,
        "timestamp": entry.timestamp.ToDatetime(tzinfo=UTC) if entry.HasField("timestamp") else None,
        "level": Level.Name(entry.level).removeprefix("LEVEL_"),
        "thread": entry.thread or None,
        "message": entry.message,
        "deleted": False,
    }
    return {key: value for key, value in row.items() if value is not None}


def error_logs(entries: list[LogEntry]) -> list[dict[str, Any]]:
    """Return the ERROR lines among entries as Kestra's errorLogs() gives them: dates as ISO text."""
    rows = [log_row(entry) for entry in entries if entry.level == Level.LEVEL_ERROR]
    for row in rows:
        if "timestamp" in row:
            row["timestamp"] = row["timestamp"].isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return rows
