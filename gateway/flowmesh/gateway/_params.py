"""Query parameters and path variables: which request field each fills, and how."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from fastapi import Query
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from flowmesh.gateway import _kestra
from flowmesh.gateway._errors import GatewayError

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_RANGES = {
    FieldDescriptor.TYPE_INT32: _INT32,
    FieldDescriptor.TYPE_SINT32: _INT32,
    FieldDescriptor.TYPE_SFIXED32: _INT32,
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# The request fields that name an object (in a path or a body), and the form flowmesh gives
# them, which the OpenAPI document states. The api (api/_support.py) refuses a name that no
# key can hold, over gRPC too (422, naming the field); other names are just not found.
IDENTIFIERS = frozenset(
    {"tenant", "namespace", "id", "flow_id", "execution_id", "trigger_id", "task_id", "user_id", "token_id"}
)
IDENTIFIER_PATTERN = r"^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9_-])?$"
_LABEL = "flowmesh.common.v1.Label"
_TIMESTAMP = "google.protobuf.Timestamp"
_STRUCT = "google.protobuf.Struct"
_PAGING = (
    ("page", "The page, from 1"),
    ("size", f"The page size (default {_kestra.DEFAULT_PAGE_SIZE})"),
)


# Request messages that another request may hold as a field whose own fields come from the
# query as they do for the message's own RPC: a bulk operation's query selects executions
# (or triggers) with the search's parameters (`namespace`, `flowId`, `state`...).
_NESTED_QUERIES = frozenset(
    {"flowmesh.execution.v1.ListExecutionsRequest", "flowmesh.trigger.v1.SearchTriggersRequest"}
)
# Fields of a nested query that the outer request stands in for.
_NOT_NESTED = frozenset({"tenant", "page_size", "page_token"})


@dataclass(frozen=True)
class QueryParam:
    """One query parameter: its HTTP name, the field it fills and its FastAPI annotation."""

    key: str  # the handler's keyword argument
    name: str  # the HTTP name
    field: FieldDescriptor | None  # None for Kestra's page and size
    annotation: Any
    parent: FieldDescriptor | None = None  # the nested query whose field it fills


def query_params(request: Descriptor, taken: set[str]) -> tuple[QueryParam, ...]:
    """Return the query parameters of the request fields no path variable or body fills."""
    names = set(request.fields_by_name)
    params: list[QueryParam] = []
    if {"page_size", "page_token"} <= names:
        taken = taken | {"page_size", "page_token"}
        for name, text in _PAGING:
            query = Query(alias=name, ge=1, le=_INT32[1], description=text)
            params.append(QueryParam(name, name, None, Annotated[int | None, query]))
    nested: list[tuple[FieldDescriptor, Descriptor]] = []
    for field in request.fields:
        if field.name in taken:
            continue
        if field.message_type is not None and field.message_type.full_name in _NESTED_QUERIES:
            nested.append((field, field.message_type))
            continue
        param = _query_param(field, "q_" + field.name)
        if param is not None:
            params.append(param)
    for parent, query in nested:
        names = {param.name for param in params}
        for field in query.fields:
            param = _query_param(field, f"q_{parent.name}__{field.name}", parent)
            if field.name not in _NOT_NESTED and param is not None and param.name not in names:
                params.append(param)
    return tuple(params)


def _query_param(
    field: FieldDescriptor, key: str, parent: FieldDescriptor | None = None
) -> QueryParam | None:
    kind = _python_type(field)
    if kind is None:
        return None
    name = _kestra.QUERY_NAMES.get(field.name, field.json_name)
    bounds = _RANGES.get(field.type, (None, None))
    query = Query(alias=name, ge=bounds[0], le=bounds[1])
    if _is_label(field):
        query = Query(alias=name, description="A label as key:value; the parameter may repeat")
    if field.is_repeated:
        # Kestra sends lists of numbers comma-separated (`revisions=1,2`): read as text,
        # split and checked by set_field.
        if field.type in _RANGES:
            kind, query = str, Query(alias=name)
        kind = list[kind]  # type: ignore[valid-type]
    return QueryParam(key, name, field, Annotated[kind | None, query], parent)


def _python_type(field: FieldDescriptor) -> Any:
    if field.enum_type is not None:
        return Literal[tuple(_kestra.enum_names(field.enum_type))]
    if field.message_type is not None:
        # Kestra writes labels as repeated key:value strings and dates as ISO-8601; other
        # messages are not queryable.
        if field.message_type.full_name == _TIMESTAMP and not field.is_repeated:
            return dt.datetime
        return str if _is_label(field) and field.is_repeated else None
    if field.type == FieldDescriptor.TYPE_BOOL:
        return bool
    if field.type in _RANGES:
        return int
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return float
    if field.type == FieldDescriptor.TYPE_STRING:
        return str
    return None


def apply_query(message: Message, params: tuple[QueryParam, ...], values: Mapping[str, Any]) -> None:
    """Fill message from the validated query values (None: absent)."""
    if any(p.field is None for p in params):
        page_size, page_token = _kestra.page_request(values.get("page"), values.get("size"))
        # types-protobuf types DESCRIPTOR as the pure-Python or the upb class; both work.
        fields = cast("Mapping[str, FieldDescriptor]", message.DESCRIPTOR.fields_by_name)
        set_field(message, fields["page_size"], page_size, "size")
        set_field(message, fields["page_token"], page_token, "page")
    for param in params:
        value = values.get(param.key)
        if param.field is None or value is None:
            continue
        target = message if param.parent is None else getattr(message, param.parent.name)
        if param.field.is_repeated:
            numbers = param.field.type in _RANGES
            for item in [part for given in value for part in given.split(",")] if numbers else value:
                set_field(target, param.field, item, param.name)
        else:
            set_field(target, param.field, value, param.name)


_FILTER = re.compile(r"filters\[(\w+)\]\[(\w+)\](?:\[([^\]]+)\])?")


def apply_filters(message: Message, params: tuple[QueryParam, ...], query: Iterable[tuple[str, str]]) -> None:
    """Fill message from Kestra 2.0's `filters[field][operation]=value` query parameters.

    Each stands for one of the request's plain query parameters (_kestra.FILTERS); a
    label filter names its key in a third bracket (`filters[labels][EQUALS][env]=prod`).
    A filter the request has no parameter for is refused, naming it.
    """
    by_name = {param.name: param for param in params if param.field is not None}
    for key, value in query:
        if not key.startswith("filters["):
            continue
        match = _FILTER.fullmatch(key)
        name = _kestra.FILTERS.get((match.group(1), match.group(2))) if match else None
        param = by_name.get(name or "")
        if match is None or param is None or param.field is None:
            raise GatewayError(f"unsupported filter {key}", parameter=key)
        if bool(match.group(3)) != (name == "labels"):
            raise GatewayError(f"{key}: only a label filter names a key", parameter=key)
        values = value.split(",") if match.group(2) in _kestra.LIST_FILTERS else [value]
        for item in values:
            given: Any = item
            if match.group(3):
                given = f"{match.group(3)}:{item}"
            elif param.field.message_type is not None and param.field.message_type.full_name == _TIMESTAMP:
                given = _date(item, key)
            target = message if param.parent is None else getattr(message, param.parent.name)
            set_field(target, param.field, given, key)


def _date(text: str, name: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise GatewayError(f"{name}: {text!r} is not an ISO-8601 date", parameter=name) from None


def set_field(message: Message, field: FieldDescriptor, value: Any, name: str) -> None:
    """Set (or, for a repeated field, append) one value given under the HTTP name."""
    try:
        if _is_label(field):
            key, text = _kestra.parse_label(str(value), name)
            getattr(message, field.name).add(key=key, value=text)
            return
        if isinstance(value, dt.datetime):
            # A date without a zone is UTC, as in Kestra's UI.
            moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            getattr(message, field.name).FromDatetime(moment.astimezone(dt.UTC))
            return
        if field.enum_type is not None:
            value = _kestra.enum_number(field.enum_type, str(value), name)
        elif field.type in _RANGES and isinstance(value, str):
            value = int(value)
        if field.is_repeated:
            getattr(message, field.name).append(value)
        else:
            setattr(message, field.name, value)
    except (TypeError, ValueError, OverflowError) as error:
        raise GatewayError(f"bad value for {name}: {error}", parameter=name) from None


def _is_label(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.full_name == _LABEL


# Body fields sent as a multipart file part (uploaded first; the field gets the upload's URI).
_UPLOADED = frozenset(
    {
        "flowmesh.file.v1.CreateNamespaceFileRequest.file_content",
        "flowmesh.flow.v1.ImportFlowsRequest.file_upload",
    }
)


def body_openapi(request: Descriptor, body: str, taken: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return the OpenAPI requestBody of a rule's body (taken: the fields the path fills)."""
    if body == "*":
        whole = message_schema(request, kestra_enums=True, leave_out=taken)
        return {"content": {"application/json": {"schema": whole}}}
    field = request.fields_by_name[body]
    if field.full_name in _UPLOADED:
        part = {"type": "object", "properties": {field.json_name: {"type": "string", "format": "binary"}}}
        return {"required": True, "content": {"multipart/form-data": {"schema": part}}}
    if field.type == FieldDescriptor.TYPE_STRING:
        text = {"schema": {"type": "string"}}
        return {"required": True, "content": {"application/x-yaml": text, "text/plain": text}}
    if field.type == FieldDescriptor.TYPE_BYTES:
        # Passed on as sent, whatever its type (a webhook's body).
        return {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
    if field.message_type is not None and field.message_type.full_name == _STRUCT:
        form = {"type": "object", "additionalProperties": {"type": "string"}}
        return {
            "content": {
                "multipart/form-data": {"schema": form},
                "application/json": {"schema": {"type": "object"}},
            }
        }
    return {"content": {"application/json": {"schema": field_schema(field)}}}


# The proto3 JSON forms of the well-known types a request may hold.
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$"},
    _STRUCT: {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Any": {"type": "object"},  # {"@type": ..., and the packed message's fields}
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BytesValue": {"type": "string", "contentEncoding": "base64"},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.DoubleValue": {"type": "number"},
    "google.protobuf.FloatValue": {"type": "number"},
    "google.protobuf.Int32Value": {"type": "integer", "minimum": _INT32[0], "maximum": _INT32[1]},
    "google.protobuf.UInt32Value": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    "google.protobuf.Int64Value": {"type": "integer", "minimum": _INT64[0], "maximum": _INT64[1]},
    "google.protobuf.UInt64Value": {"type": "integer", "minimum": 0, "maximum": 2**64 - 1},
}
# Where proto3's JSON form of an answer differs from what a request may send: json_format
# writes 64-bit integers (bare and wrapped) as strings.
_INT64_TEXT = {"type": "string", "pattern": r"^-?[0-9]+$"}
_WELL_KNOWN_ANSWERS = {
    **_WELL_KNOWN,
    "google.protobuf.Int64Value": _INT64_TEXT,
    "google.protobuf.UInt64Value": _INT64_TEXT,
}
_64_BITS = frozenset(kind for kind, (low, high) in _RANGES.items() if high > 2**32)
# Messages nested deeper than this are documented as any object (a recursive message ends).
_MAX_DEPTH = 6


def message_schema(
    message: Descriptor,
    *,
    kestra_enums: bool = False,
    leave_out: frozenset[str] = frozenset(),
    depth: int = 0,
    answer: bool = False,
) -> dict[str, Any]:
    """Return the JSON Schema of a message in proto3's JSON form, as json_format parses it.

    kestra_enums: its enums are given by Kestra's names (the gateway maps a whole body's);
    leave_out: fields the path fills. Unknown fields are ignored, so more are allowed.
    answer: the form json_format writes instead (64-bit integers as strings, identifiers
    as stored, whatever their form, and no other fields).
    """
    known = (_WELL_KNOWN_ANSWERS if answer else _WELL_KNOWN).get(message.full_name)
    if known is not None:
        return dict(known)
    if depth >= _MAX_DEPTH:
        return {"type": "object"}
    properties = {
        field.json_name: field_schema(field, kestra_enums=kestra_enums, depth=depth + 1, answer=answer)
        for field in message.fields
        if field.name not in leave_out
    }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if answer:
        schema["additionalProperties"] = False  # json_format writes the message's fields alone
    return schema


def field_schema(
    field: FieldDescriptor, *, kestra_enums: bool = False, depth: int = 0, answer: bool = False
) -> dict[str, Any]:
    """Return the JSON Schema of one field's JSON value (an array for a repeated one)."""
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        value = _value_schema(entry.fields_by_name["value"], kestra_enums=False, depth=depth, answer=answer)
        return {"type": "object", "additionalProperties": value}
    item = _value_schema(field, kestra_enums=kestra_enums, depth=depth, answer=answer)
    return {"type": "array", "items": item} if field.is_repeated else item


def _value_schema(field: FieldDescriptor, *, kestra_enums: bool, depth: int, answer: bool) -> dict[str, Any]:
    if field.enum_type is not None:
        names = _kestra.enum_names(field.enum_type) if kestra_enums else list(field.enum_type.values_by_name)
        return {"type": "string", "enum": names}
    if field.message_type is not None:
        return message_schema(field.message_type, depth=depth, answer=answer)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return {"type": "boolean"}
    if answer and field.type in _64_BITS:
        return dict(_INT64_TEXT)
    if field.type in _RANGES:
        low, high = _RANGES[field.type]
        return {"type": "integer", "minimum": low, "maximum": high}
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return {"type": "number"}
    if field.type == FieldDescriptor.TYPE_BYTES:
        return {"type": "string", "contentEncoding": "base64"}
    if field.name in IDENTIFIERS and not answer:
        return {"type": "string", "pattern": IDENTIFIER_PATTERN}
    return {"type": "string"}
