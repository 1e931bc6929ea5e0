"""The gateway behind a real uvicorn: live SSE, client disconnects and graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from gateway_fakes import FakeApi, wait_until

from flowmesh.embedded import free_port
from flowmesh.gateway import create_app, serve
from tests.waiting import eventually

FOREVER_LOGS = "/api/v1/main/logs/forever/follow"
Served = tuple[httpx.AsyncClient, asyncio.Event, "asyncio.Task[None]"]


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[Served]:
    """Serve app on a free port; yield a client, the stop event and the serving task."""
    port = free_port()
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(app, "127.0.0.1", port, stopping))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

        async def up() -> bool:
            return (await http.get("/health")).status_code == 200

        await eventually(up, within=30, what="the gateway serving", ignore=(httpx.TransportError,))
        try:
            yield http, stopping, task
        finally:
            stopping.set()
            await asyncio.wait_for(task, 15)


async def _first_event(lines: AsyncIterator[str]) -> dict[str, object]:
    async for line in lines:
        if line.startswith("data:"):
            data: dict[str, object] = json.loads(line.removeprefix("data:").strip())
            return data
    raise AssertionError("the stream ended before its first event")


async def test_a_client_going_away_cancels_the_grpc_stream(fake_api: FakeApi) -> None:
    async with serving(create_app(f"127.0.0.1:{fake_api.port}")) as (http, _, _):
        async with http.stream("GET", "/api/v1/main/executions/forever/follow") as answer:
            assert answer.status_code == 200
            first = await _first_event(answer.aiter_lines())
            assert first["id"] == "exec1"
        await wait_until(fake_api.stream_cancelled.is_set)


async def test_a_client_going_away_cancels_a_waiting_execution(fake_api: FakeApi) -> None:
    async with serving(create_app(f"127.0.0.1:{fake_api.port}")) as (http, _, _):
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/api/v1/main/executions/io.test/forever", params={"wait": "true"}, timeout=0.3)
        assert fake_api.last("CreateExecution").wait is True
        assert fake_api.deadline("CreateExecution") > 3000
        await wait_until(fake_api.stream_cancelled.is_set)


async def test_stopping_ends_open_streams_and_serve_returns(fake_api: FakeApi) -> None:
    async with serving(create_app(f"127.0.0.1:{fake_api.port}")) as (http, stopping, task):
        async with http.stream("GET", FOREVER_LOGS) as answer:
            lines = answer.aiter_lines()
            assert (await _first_event(lines))["message"] == "one"
            stopping.set()
            rest = [line async for line in lines if line.startswith("data:")]
        assert len(rest) <= 2  # what was already under way, then the end of the stream
        await asyncio.wait_for(task, 15)
        await asyncio.wait_for(fake_api.stream_cancelled.wait(), 10)  # the api saw the cancellation


async def test_long_lived_calls_are_capped(fake_api: FakeApi) -> None:
    app = create_app(f"127.0.0.1:{fake_api.port}", max_streams=1)
    async with serving(app) as (http, _, _), http.stream("GET", FOREVER_LOGS) as answer:
        await _first_event(answer.aiter_lines())
        refused = await http.get(FOREVER_LOGS)
        assert refused.status_code == 429
        assert refused.json()["status"] == "RESOURCE_EXHAUSTED"
        assert (await http.get("/api/v1/main/executions/exec1")).status_code == 200


async def test_serve_fails_loudly_when_the_port_is_taken(fake_api: FakeApi) -> None:
    port = free_port()
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        app = create_app(f"127.0.0.1:{fake_api.port}")
        with pytest.raises(OSError, match="could not start"):
            await asyncio.wait_for(serve(app, "127.0.0.1", port, asyncio.Event()), 10)
    finally:
        blocker.close()
        await blocker.wait_closed()
