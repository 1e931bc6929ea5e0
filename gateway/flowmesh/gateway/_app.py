"""The gateway's FastAPI app and the uvicorn server that runs it until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import structlog
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app

from flowmesh.auth.v1 import auth_service_pb2
from flowmesh.execution.v1 import execution_service_pb2
from flowmesh.expression.v1 import expression_service_pb2
from flowmesh.file.v1 import file_service_pb2
from flowmesh.flow.v1 import flow_service_pb2
from flowmesh.gateway._client import ApiClient
from flowmesh.gateway._errors import install_error_handlers
from flowmesh.gateway._openapi import install_document
from flowmesh.gateway._routes import add_routes, discover
from flowmesh.gateway._session import install_session
from flowmesh.gateway._telemetry import TRACING, MetricsMiddleware
from flowmesh.gateway._ui import install_ui
from flowmesh.instance.v1 import instance_service_pb2
from flowmesh.kv.v1 import kv_service_pb2
from flowmesh.log.v1 import log_service_pb2
from flowmesh.namespace.v1 import namespace_service_pb2
from flowmesh.plugin.v1 import plugin_service_pb2
from flowmesh.stats.v1 import stats_service_pb2
from flowmesh.trigger.v1 import trigger_service_pb2

log = structlog.get_logger(component="gateway")

SERVICES = tuple(
    service
    for module in (
        flow_service_pb2,
        execution_service_pb2,
        log_service_pb2,
        plugin_service_pb2,
        expression_service_pb2,
        kv_service_pb2,
        file_service_pb2,
        trigger_service_pb2,
        stats_service_pb2,
        auth_service_pb2,
        namespace_service_pb2,
        instance_service_pb2,
    )
    for service in module.DESCRIPTOR.services_by_name.values()
)
GRACEFUL_SHUTDOWN_SECONDS = 10


def create_app(
    api_address: str,
    *,
    default_tenant: str = "main",
    call_timeout: float = 30.0,
    wait_timeout: float = 3600.0,
    max_concurrent_calls: int = 256,
    max_streams: int = 1024,
) -> FastAPI:
    """Return the REST + SSE app in front of the api at api_address (host:port).

    default_tenant is the tenant the OpenAPI document shows in paths; the tenant of each
    request is the one in its path, passed to the api as is.
    """
    client = ApiClient(
        api_address,
        call_timeout=call_timeout,
        wait_timeout=wait_timeout,
        max_concurrent_calls=max_concurrent_calls,
        max_streams=max_streams,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        client.open()
        try:
            yield
        finally:
            await client.close()

    app = FastAPI(
        title="flowmesh",
        summary="Kestra's REST API in front of flowmesh's gRPC api",
        version="1",
        lifespan=lifespan,
        telemetry=TRACING,
    )
    app.state.api = client
    app.add_middleware(MetricsMiddleware)
    install_error_handlers(app)
    add_routes(app, discover(SERVICES), client, default_tenant=default_tenant)
    install_session(app, client)
    install_document(app)

    async def health() -> JSONResponse:
        if await client.healthy():
            return JSONResponse({"status": "UP"})
        return JSONResponse({"status": "DOWN"}, status_code=503)

    app.add_api_route("/health", health, methods=["GET"], tags=["Health"], name="health")
    # Prometheus metrics of this process: every component's, when they share it (standalone).
    app.mount("/metrics", make_asgi_app())
    # Last: the UI answers only the GET paths no route above takes.
    install_ui(app)
    return app


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the caller owns signals and sets `stopping`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(app: FastAPI, host: str, port: int, stopping: asyncio.Event) -> None:
    """Serve app on host:port until stopping is set, then shut down gracefully.

    Follow streams end first (their gRPC calls are cancelled), then requests in flight
    get GRACEFUL_SHUTDOWN_SECONDS to finish.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = _Server(config)
    client: ApiClient = app.state.api

    async def stop_when_told() -> None:
        await stopping.wait()
        log.info("gateway_stopping", open_streams=client.open_streams)
        client.end_all_streams()
        server.should_exit = True

    watcher = asyncio.create_task(stop_when_told())
    log.info("gateway_starting", host=host, port=port, api=client.address)
    try:
        await server.serve()
    except SystemExit:
        # uvicorn exits the process when it cannot listen or start the app.
        raise OSError(f"the gateway could not start on {host}:{port}") from None
    finally:
        watcher.cancel()
    log.info("gateway_stopped")
