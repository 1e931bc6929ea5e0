"""Every component serves gRPC health and reflection, and goes NOT_SERVING when asked to stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from flowmesh.config import load_settings
from flowmesh.embedded import EmbeddedNats, free_port
from flowmesh.server import run_components
from tests.waiting import eventually

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def listed_services(channel: grpc.aio.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    async for response in call:
        return {service.name for service in response.list_services_response.service}
    return set()


async def serving(channel: grpc.aio.Channel) -> bool:
    try:
        response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    except grpc.aio.AioRpcError:
        return False
    return response.status == SERVING


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        (["executor", "worker"], {"flowmesh.executor", "flowmesh.worker"}),
        (["api"], {"flowmesh.flow.v1.FlowService", "flowmesh.execution.v1.ExecutionService"}),
    ],
)
async def test_components_answer_health_and_reflection(
    nats_server: EmbeddedNats, pg_dsn_fresh: str, components: list[str], expected: set[str]
) -> None:
    port = free_port()
    settings = load_settings(
        nats_url=nats_server.url,
        postgres_dsn=pg_dsn_fresh,
        health_port=port,
        api_address=f"127.0.0.1:{port}",
    )
    stopping = asyncio.Event()
    running = asyncio.create_task(run_components(settings, components, stopping))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            await eventually(lambda: serving(channel), within=20, what="health SERVING")
            assert expected | {"grpc.health.v1.Health"} <= await listed_services(channel)
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
            assert (await watch.read()).status == SERVING
            stopping.set()
            assert (await watch.read()).status == NOT_SERVING
        finally:
            stopping.set()
            await asyncio.wait_for(running, 30)


async def test_health_follows_the_nats_connection(tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path / "nats")
    await nats.start()
    port = free_port()
    settings = load_settings(nats_url=nats.url, health_port=port)
    stopping = asyncio.Event()
    running = asyncio.create_task(run_components(settings, ["executor", "worker"], stopping))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            await eventually(lambda: serving(channel), within=20, what="health SERVING")
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
            assert (await watch.read()).status == SERVING
            nats.kill()
            assert (await asyncio.wait_for(watch.read(), 20)).status == NOT_SERVING
            await nats.start()
            assert (await asyncio.wait_for(watch.read(), 20)).status == SERVING
    finally:
        stopping.set()
        await asyncio.wait_for(running, 30)
        await nats.stop()
