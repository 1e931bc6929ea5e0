"""`flowmesh health` against a real gRPC health service: what the container health checks run."""

from __future__ import annotations

import asyncio

import pytest

from flowmesh.cli import main
from flowmesh.embedded import free_port
from flowmesh.rpc import GrpcServer


async def health(*argv: str) -> int:
    # The command's client is blocking: run it beside the event loop that serves.
    return await asyncio.to_thread(main, ["health", *argv, "--timeout", "5"])


async def test_health_exits_0_while_the_component_serves_and_1_once_it_does_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = GrpcServer(f"127.0.0.1:{free_port()}", ["flowmesh.worker"])
    await server.start()
    address = f"127.0.0.1:{server.port}"
    capsys.readouterr()  # the server's start log
    try:
        assert await health("--server", address) == 0
        assert await health("--server", address, "flowmesh.worker") == 0
        assert capsys.readouterr().out.split() == ["SERVING", "SERVING"]

        await server.set_serving(False)

        assert await health("--server", address) == 1
        assert capsys.readouterr().out.split() == ["NOT_SERVING"]
    finally:
        await server.stop(grace=0)


async def test_health_of_an_unknown_service_or_an_unreachable_server_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = GrpcServer(f"127.0.0.1:{free_port()}", ["flowmesh.worker"])
    await server.start()
    capsys.readouterr()  # the server's start log
    try:
        assert await health("--server", f"127.0.0.1:{server.port}", "flowmesh.executor") == 1
        assert "NOT_FOUND" in capsys.readouterr().err
    finally:
        await server.stop(grace=0)

    assert await health("--server", f"127.0.0.1:{server.port}") == 1
    assert "cannot reach the flowmesh api" in capsys.readouterr().err
