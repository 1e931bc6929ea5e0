"""Fixtures of the gateway's unit tests: a fake api over gRPC and the app in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
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
    """Yield an HTTP client that calls the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http
