"""Fixtures of the gateway's unit tests: a fake api over gRPC and the app in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from gateway_fakes import FakeApi, start_fake_api
from grpc_health.v1 import health_pb2

from flowmesh.gateway import create_app


@pytest.fixture(scope="session")
async def fake_api_server() -> AsyncIterator[FakeApi]:
    """Run one fake api for the session."""
    api, server = await start_fake_api()
    yield api
    await server.stop(grace=None)


@pytest.fixture
async def fake_api(fake_api_server: FakeApi) -> FakeApi:
    """Return the fake api with fresh data, serving health."""
    fake_api_server.reset()
    await fake_api_server.health.set("", health_pb2.HealthCheckResponse.SERVING)
    return fake_api_server


@pytest.fixture
async def app(fake_api: FakeApi) -> AsyncIterator[FastAPI]:
    """Yield a gateway in front of the fake api, its lifespan started."""
    gateway = create_app(f"127.0.0.1:{fake_api.port}")
    async with gateway.router.lifespan_context(gateway):
        yield gateway


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Yield an HTTP client that calls the app in process, every answer checked against the document."""
    transport = httpx.ASGITransport(app=app)
    hooks = {"response": [conforming_to(app.openapi())]}
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway", event_hooks=hooks) as http:
        yield http


def conforming_to(document: dict[str, Any]) -> Callable[[httpx.Response], Awaitable[None]]:
    """Return a response hook failing the test when an answer differs from what the document says.

    Every gateway unit test so checks the answers it gets (Kestra's shapes, proto3 JSON, SSE
    events, error bodies) against the schemas the OpenAPI document gives, with schemathesis's
    own response check (the one tests/e2e/test_schemathesis.py runs against the real server).
    """
    schema = schemathesis.openapi.from_dict(document)

    async def conforms(response: httpx.Response) -> None:
        await response.aread()
        await response.request.aread()  # a multipart body is streamed; schemathesis reads it
        operation = schema.find_operation_by_path(response.request.method, response.request.url.path)
        if operation is not None:
            operation.validate_response(schemathesis.Response.from_any(response))

    return conforms
