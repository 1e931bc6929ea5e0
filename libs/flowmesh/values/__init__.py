"""Conversions of values: Python values to and from protobuf Struct and Ion text, durations to text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf import json_format, struct_pb2

from flowmesh.values._ion import dumps as ion_dumps
from flowmesh.values._ion import loads as ion_loads

__all__ = ["from_struct", "ion_dumps", "ion_loads", "iso_duration", "to_struct"]


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
