"""The api serves the flow language's JSON Schema and evaluates expressions, over gRPC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from flowmesh.config import load_settings
from flowmesh.embedded import EmbeddedNats, free_port
from flowmesh.expression.v1.expression_messages_pb2 import EvaluateExpressionRequest
from flowmesh.expression.v1.expression_service_pb2_grpc import ExpressionServiceStub
from flowmesh.language import flow_schema
from flowmesh.plugin.v1.plugin_messages_pb2 import GetFlowSchemaRequest
from flowmesh.plugin.v1.plugin_service_pb2_grpc import PluginServiceStub
from flowmesh.server import run_components
from flowmesh.values import from_struct, to_struct
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def channel(nats_server: EmbeddedNats, pg_dsn_fresh: str) -> AsyncIterator[grpc.aio.Channel]:
    port = free_port()
    settings = load_settings(
        nats_url=nats_server.url,
        postgres_dsn=pg_dsn_fresh,
        health_port=port,
        api_address=f"127.0.0.1:{port}",
        auth_enabled=False,  # these tests are about plugins; tests/integration/test_auth.py checks access
    )
    stopping = asyncio.Event()
    running = asyncio.create_task(run_components(settings, ["api"], stopping))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        try:
            stub = PluginServiceStub(opened)

            async def up() -> bool:
                try:
                    await stub.GetFlowSchema(GetFlowSchemaRequest(tenant="main"))
                except grpc.aio.AioRpcError:
                    return False
                return True

            await eventually(up, within=20, what="the api answering")
            yield opened
        finally:
            stopping.set()
            await asyncio.wait_for(running, 30)


async def test_the_flow_schema_is_the_language_s(channel: grpc.aio.Channel) -> None:
    answer = await PluginServiceStub(channel).GetFlowSchema(GetFlowSchemaRequest(tenant="main"))

    schema = from_struct(answer.schema)
    expected = flow_schema()
    assert set(schema["properties"]) == set(expected["properties"])
    assert len(schema["$defs"]["task"]["oneOf"]) == len(expected["$defs"]["task"]["oneOf"])


async def test_an_expression_is_rendered_against_the_variables(channel: grpc.aio.Channel) -> None:
    stub = ExpressionServiceStub(channel)
    request = EvaluateExpressionRequest(
        tenant="main", template="hello {{ inputs.name }}", variables=to_struct({"inputs": {"name": "world"}})
    )

    answer = await stub.EvaluateExpression(request)

    assert answer.WhichOneof("outcome") == "result"
    assert answer.result == "hello world"


async def test_an_expression_that_fails_is_an_answer_not_an_rpc_error(channel: grpc.aio.Channel) -> None:
    stub = ExpressionServiceStub(channel)

    answer = await stub.EvaluateExpression(
        EvaluateExpressionRequest(tenant="main", template="{{ inputs.nope }}")
    )

    assert answer.WhichOneof("outcome") == "error"
    assert "inputs" in answer.error


async def test_an_expression_is_rendered_recursively_when_asked(channel: grpc.aio.Channel) -> None:
    stub = ExpressionServiceStub(channel)
    variables = to_struct({"first": "1", "second": "{{ first }}"})

    once = await stub.EvaluateExpression(
        EvaluateExpressionRequest(tenant="main", template="{{ second }}", variables=variables)
    )
    again = await stub.EvaluateExpression(
        EvaluateExpressionRequest(tenant="main", template="{{ second }}", variables=variables, recursive=True)
    )

    assert once.result == "{{ first }}"
    assert again.result == "1"
