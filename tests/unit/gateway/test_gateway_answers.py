"""Every answer the OpenAPI document describes is the answer the gateway gives.

The `client` fixture checks each answer of every gateway unit test against the document
(conftest.conforming_to); these tests make sure that check has schemas to check against for
representative routes (Kestra's reshaped JSON, paged results, proto3 JSON, SSE events) and
that it fails on an answer that differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs
import pytest
from conftest import conforming_to
from gateway_fakes import FakeApi
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from flowmesh.gateway import _kestra
from flowmesh.gateway._app import SERVICES
from flowmesh.gateway._openapi import KESTRA_SHAPES, answer_schema
from flowmesh.gateway._routes import discover

FLOW = """\
id: hello
namespace: io.test
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def success_schema(document: dict[str, Any], verb: str, path: str, media_type: str) -> Any:
    return document["paths"][path][verb]["responses"]["200"]["content"][media_type]["schema"]


@pytest.mark.parametrize(
    ("verb", "path", "template", "media_type"),
    [
        ("post", "/api/v1/main/flows", "/api/v1/{tenant}/flows", "application/json"),
        (
            "get",
            "/api/v1/main/executions/exec1",
            "/api/v1/{tenant}/executions/{executionId}",
            "application/json",
        ),
        ("get", "/api/v1/main/executions/search", "/api/v1/{tenant}/executions/search", "application/json"),
        ("get", "/api/v1/main/logs/exec1", "/api/v1/{tenant}/logs/{executionId}", "application/json"),
        (
            "get",
            "/api/v1/main/executions/exec1/follow",
            "/api/v1/{tenant}/executions/{executionId}/follow",
            "text/event-stream",
        ),
    ],
)
async def test_representative_answers_have_a_schema_and_match_it(
    client: httpx.AsyncClient, fake_api: FakeApi, verb: str, path: str, template: str, media_type: str
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert success_schema(document, verb, template, media_type)

    # The client's hook fails the test when the answer does not match the schema.
    body = {"content": FLOW, "headers": {"Content-Type": "application/x-yaml"}} if verb == "post" else {}
    answer = await client.request(verb.upper(), path, **body)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media_type)


async def test_an_answer_unlike_its_schema_fails_the_check(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/executions/exec1")
    body = answer.json()
    body["state"]["current"] = "STATE_TYPE_SUCCESS"  # proto3's enum name, not Kestra's
    changed = httpx.Response(200, json=body, request=answer.request)
    changed.elapsed = answer.elapsed

    with pytest.raises(AssertionError, match="STATE_TYPE_SUCCESS"):
        await conforming_to((await client.get("/openapi.json")).json())(changed)


def test_every_kestra_shape_has_its_schema() -> None:
    assert set(KESTRA_SHAPES) == set(_kestra._TRANSLATORS)


def test_every_operation_documents_its_answer() -> None:
    for spec in discover(SERVICES):
        if spec.method.output_type.fields and not spec.method.server_streaming:
            assert answer_schema(spec.method.output_type), spec.operation_id


def filled(message: Message, depth: int = 0) -> Message:
    """Return message with every field set (one item in each list and map), as deep as 4 levels."""
    name = message.DESCRIPTOR.full_name
    if name in _FILLED:
        _FILLED[name](message)
        return message
    for field in message.DESCRIPTOR.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            target = getattr(message, field.name)
            if value.message_type is None:
                target["k"] = _scalar(value)
            elif depth < 4:
                filled(target["k"], depth + 1)
        elif field.message_type is not None:
            if depth < 4:
                item = (
                    getattr(message, field.name).add() if field.is_repeated else getattr(message, field.name)
                )
                filled(item, depth + 1)
        elif field.is_repeated:
            getattr(message, field.name).append(_scalar(field))
        else:
            setattr(message, field.name, _scalar(field))
    return message


def _scalar(field: FieldDescriptor) -> Any:
    if field.enum_type is not None:
        return field.enum_type.values[-1].number
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 1.5
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b"\x01"
    if field.type == FieldDescriptor.TYPE_STRING:
        return "a.b"
    return 7


_FILLED: dict[str, Callable[[Any], None]] = {
    "google.protobuf.Timestamp": lambda moment: moment.FromSeconds(1_700_000_000),
    "google.protobuf.Duration": lambda duration: duration.FromSeconds(90),
    "google.protobuf.Struct": lambda struct: struct.update({"k": [1, "v", None]}),
    "google.protobuf.Value": lambda value: value.struct_value.update({"k": 1}),
    "google.protobuf.ListValue": lambda values: values.extend([1, "v"]),
    "google.protobuf.Any": lambda packed: None,
}
_OUTPUTS = sorted(
    {spec.method.output_type.full_name: spec.method.output_type for spec in discover(SERVICES)}.items()
)


@pytest.mark.parametrize(
    "output", [descriptor for _, descriptor in _OUTPUTS], ids=[name for name, _ in _OUTPUTS]
)
@pytest.mark.parametrize("fill", [False, True], ids=["empty", "filled"])
def test_the_json_of_every_answer_matches_its_schema(output: Descriptor, fill: bool) -> None:
    """Whatever an RPC answers (every field set, or none), the gateway's JSON matches the schema.

    Kestra's shapes go through their translators, other messages through proto3's JSON form,
    so a new RPC is checked without a line here.
    """
    message = GetMessageClass(output)()
    schema = answer_schema(output)
    if fill:
        filled(message)
    content = _kestra.to_kestra(message)
    if content is None:
        # No body: a 204, which the document gives for an empty message or an answer that
        # sets its own status (a webhook's).
        assert schema is None or "http_status" in output.fields_by_name
        return
    assert schema is not None
    jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(
        json.loads(json.dumps(content))
    )
