"""Request bodies: raw YAML text, form fields or JSON, into the field a rule names."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from fastapi import Request
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from starlette.datastructures import UploadFile

from flowmesh.gateway._errors import GatewayError
from flowmesh.gateway._kestra import enum_number

_STRUCT = "google.protobuf.Struct"
# Messages whose JSON form need not be an object.
_ANY_JSON = frozenset({"google.protobuf.Value", "google.protobuf.ListValue"})
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
# The largest raw body (a webhook's) passed on to the api: Kestra's (Micronaut's) 10 MiB.
MAX_RAW_BODY = 10 * 1024 * 1024

# Stores one multipart file part and returns the `kestra:///...` URI that stands for it.
Uploader = Callable[[UploadFile], Awaitable[str]]


async def read_body(request: Request, message: Message, body: str, upload: Uploader) -> None:
    """Fill message from the request body: all of it for ``*``, else the named field.

    A form's file parts are uploaded (upload) and their URIs take their place.
    """
    if body == "*":
        data = await _json(request)
        if data is not None:
            _parse(_kestra_enums(data, message), message, "body")
        return
    field = message.DESCRIPTOR.fields_by_name[body]
    if field.is_repeated:  # a JSON array: of messages (labels) or of values (ids)
        items = await _json(request)
        if items is not None:
            if not isinstance(items, list):
                raise GatewayError("the body must be a JSON array", parameter="body")
            _parse({field.json_name: items}, message, "body")
    elif field.type == FieldDescriptor.TYPE_STRING and _is_form(request):
        # Kestra's uploads name their part after the field (`fileContent`).
        part = (await _form(request, upload)).get(field.json_name)
        if not isinstance(part, str):
            raise GatewayError(f"the form needs one part `{field.json_name}`", parameter=field.json_name)
        setattr(message, field.name, part)
    elif field.type == FieldDescriptor.TYPE_STRING:
        raw = await request.body()
        try:
            setattr(message, field.name, raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise GatewayError("the body is not UTF-8 text", parameter="body") from None
    elif field.type == FieldDescriptor.TYPE_BYTES:
        setattr(message, field.name, await _raw(request))
    elif field.message_type is not None and field.message_type.full_name == _STRUCT:
        values = await _form(request, upload) if _is_form(request) else await _json(request)
        if values is not None:
            _parse(values, getattr(message, field.name), "body")
    else:
        data = await _json(request)
        if data is not None:
            _parse(data, getattr(message, field.name), "body")


async def _raw(request: Request) -> bytes:
    """Return the body as sent, refused (413) once it grows past MAX_RAW_BODY."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RAW_BODY:
        raise _too_large()
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_RAW_BODY:
            raise _too_large()
    return bytes(raw)


def _too_large() -> GatewayError:
    return GatewayError(
        f"the body is larger than {MAX_RAW_BODY} bytes",
        parameter="body",
        http_status=413,
        status="RESOURCE_EXHAUSTED",
    )


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in _FORMS


async def _form(request: Request, upload: Uploader) -> dict[str, Any]:
    """Return form fields as strings (lists when a name repeats), files as their uploads' URIs."""
    values: dict[str, Any] = {}
    async with request.form() as form:
        for name, part in form.multi_items():
            value = await upload(part) if isinstance(part, UploadFile) else part
            if name not in values:
                values[name] = value
            elif isinstance(values[name], list):
                values[name].append(value)
            else:
                values[name] = [values[name], value]
    return values


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise GatewayError("the body is not valid JSON", parameter="body") from None
    except RecursionError:
        raise GatewayError("the body's JSON is nested too deep", parameter="body") from None


def _parse(data: Any, message: Message, name: str) -> None:
    if not isinstance(data, dict) and message.DESCRIPTOR.full_name not in _ANY_JSON:
        raise GatewayError("the body must be a JSON object", parameter=name)
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=True)
    except json_format.ParseError as error:
        raise GatewayError(f"bad body: {error}", parameter=name) from None


def _kestra_enums(data: Any, message: Message) -> Any:
    """Return data with the request's enum values given by Kestra's names (``SUCCESS``) as numbers."""
    if not isinstance(data, dict):
        return data
    named = dict(data)
    # types-protobuf types DESCRIPTOR as the pure-Python or the upb class; both work.
    fields = cast("Sequence[FieldDescriptor]", message.DESCRIPTOR.fields)
    for field in fields:
        if field.enum_type is None or field.is_repeated:
            continue
        for key in (field.json_name, field.name):
            value = named.get(key)
            if isinstance(value, str) and value not in field.enum_type.values_by_name:
                named[key] = enum_number(field.enum_type, value, field.json_name)
    return named


def copy_call(request: Request, message: Message) -> None:
    """Fill message's `headers` and `parameters` maps with every value of the call's headers
    (lower-case names, as HTTP/2 sends them) and query parameters, in the order sent."""
    headers = cast("Any", message).headers
    for name, value in request.headers.items():
        headers[name].values.append(value)
    parameters = cast("Any", message).parameters
    for name, value in request.query_params.multi_items():
        parameters[name].values.append(value)
