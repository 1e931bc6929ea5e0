"""Conversions between JSON-like Python values and protobuf Struct."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2


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
