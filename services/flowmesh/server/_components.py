from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence

from flowmesh.api import build_api_server
from flowmesh.config import Settings
from flowmesh.executor import Executor
from flowmesh.gateway import create_app, serve
from flowmesh.indexer import Indexer, Retention
from flowmesh.instance.v1.instance_pb2 import ServiceType
from flowmesh.messaging import Broker, require_sync_always, watch_consumer_lag
from flowmesh.plugins.scripts import Limits, ScriptHost
from flowmesh.repository import open_repository
from flowmesh.rpc import GrpcServer
from flowmesh.scheduler import Scheduler
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.server._auth import auth_required, ensure_first_admin
from flowmesh.state import Services
from flowmesh.storage import LocalStorage, S3Storage, Storage
from flowmesh.telemetry import get_logger, serve_metrics
from flowmesh.worker import Worker

log = get_logger("server")

COMPONENTS = ("executor", "worker", "scheduler", "indexer", "api", "gateway")
# The gateway too, to announce itself in the services bucket.
_NEEDS_BROKER = {"executor", "worker", "scheduler", "indexer", "api", "gateway"}
_SERVICE_TYPES = {
    "executor": ServiceType.SERVICE_TYPE_EXECUTOR,
    "worker": ServiceType.SERVICE_TYPE_WORKER,
    "scheduler": ServiceType.SERVICE_TYPE_SCHEDULER,
    "indexer": ServiceType.SERVICE_TYPE_INDEXER,
    "api": ServiceType.SERVICE_TYPE_API,
    "gateway": ServiceType.SERVICE_TYPE_GATEWAY,
}
_NEEDS_REPOSITORY = {"indexer", "api"}
_NEEDS_STORAGE = {"worker", "api"}


def build_storage(settings: Settings) -> Storage:
    """Return the internal storage the settings choose: the local disk, or an S3 bucket."""
    if settings.storage_type == "s3":
        secret = settings.storage_s3_secret_access_key
        return S3Storage(
            settings.storage_s3_bucket,
            prefix=settings.storage_s3_prefix,
            endpoint_url=settings.storage_s3_endpoint_url,
            region=settings.storage_s3_region,
            access_key_id=settings.storage_s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    return LocalStorage(settings.data_dir / "storage")


async def run_components(
    settings: Settings,
    names: Sequence[str],
    stopping: asyncio.Event,
    on_ready: Callable[[], Awaitable[None]] | None = None,
    *,
    standalone: bool = False,
) -> None:
    """Run the named components in this process until stopping is set, then stop them gracefully.

    standalone: they are the standalone server's (auth is then off by default on a loopback address).
    """
    unknown = set(names) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown components: {', '.join(sorted(unknown))}")
    broker = repository = None
    storage = build_storage(settings) if _NEEDS_STORAGE & set(names) else None
    health: GrpcServer | None = None
    grpc_servers: list[GrpcServer] = []
    finished = asyncio.Event()
    # Tasks that end with the components: background in the services bucket, the lag watch.
    background: list[asyncio.Task[None]] = []
    stop_metrics: Callable[[], None] | None = None

    async def on_connection(connected: bool) -> None:
        # Without NATS no component can do its work: say so to health checks.
        if not stopping.is_set():
            for grpc_server in grpc_servers:
                await grpc_server.set_serving(connected)

    try:
        if _NEEDS_BROKER & set(names):
            if settings.nats_durable:
                await require_sync_always(settings.nats_monitor_urls)
            broker = await Broker.connect(
                settings.nats_url, name=f"flowmesh-{'-'.join(names)}", on_connection=on_connection
            )
            await broker.ensure_topology(settings.execution_retention_hours, settings.nats_replicas)
            # Each component says it runs (a worker does so itself, with its group).
            services = Services(broker)
            background += [
                asyncio.create_task(services.announce(_SERVICE_TYPES[name], stopping, finished))
                for name in names
                if name != "worker"
            ]
        if _NEEDS_REPOSITORY & set(names):
            repository = await open_repository(settings)
            await repository.migrate()
        runners: list[Awaitable[None]] = []
        # What secret() reads: SECRET_<NAME> (base64) and FLOWMESH_SECRET_<NAME> of this process.
        secrets = EnvironmentSecrets(os.environ)
        if "api" in names:
            assert broker is not None
            assert repository is not None
            assert storage is not None
            authenticate = auth_required(settings, standalone=standalone)
            if authenticate:
                await ensure_first_admin(settings, broker)
            api = build_api_server(
                broker, repository, storage, settings.api_address, authenticate=authenticate
            )
            await api.start()
            grpc_servers.append(api)
            runners.append(_until(stopping, api.stop))
        else:
            # Health goes NOT_SERVING as soon as stopping is set, before work winds down.
            server = GrpcServer(f"{settings.host}:{settings.health_port}", [f"flowmesh.{n}" for n in names])
            health = server
            await server.start()
            grpc_servers.append(server)
            runners.append(_until(stopping, lambda: server.set_serving(False)))
        if "executor" in names:
            assert broker is not None
            runners.append(
                Executor(broker, concurrency=settings.executor_concurrency, secrets=secrets).run(stopping)
            )
        if "worker" in names:
            assert broker is not None
            worker = Worker(
                broker,
                group=settings.worker_group,
                concurrency=settings.worker_concurrency,
                ack_wait=settings.worker_ack_wait_seconds,
                grace_period=settings.worker_grace_period_seconds,
                storage=storage,
                secrets=secrets,
                scripts=_script_host(settings),
            )
            runners.append(worker.run(stopping))
        if "scheduler" in names:
            assert broker is not None
            runners.append(
                Scheduler(
                    broker,
                    tick=settings.scheduler_tick_seconds,
                    partitions=settings.scheduler_partitions,
                    lease_ttl=settings.scheduler_lease_ttl_seconds,
                    concurrency=settings.scheduler_concurrency,
                ).run(stopping)
            )
        if "indexer" in names:
            assert broker is not None
            assert repository is not None
            indexer = Indexer(
                broker,
                repository,
                batch_size=settings.indexer_batch_size,
                retention=Retention.of_hours(
                    settings.repository_retention_hours, settings.repository_purge_interval_seconds
                ),
            )
            runners.append(indexer.run(stopping))
        if "gateway" in names:
            app = create_app(
                settings.api_address,
                default_tenant=settings.tenant,
                call_timeout=settings.gateway_call_timeout_seconds,
                wait_timeout=settings.gateway_wait_timeout_seconds,
            )
            runners.append(serve(app, settings.host, settings.port, stopping))
        if settings.metrics_port:
            stop_metrics = serve_metrics(settings.metrics_port, settings.host)
        if broker is not None and (settings.metrics_port or "gateway" in names):
            # The lag of the consumers this process pulls from, for the /metrics it serves.
            background.append(asyncio.create_task(watch_consumer_lag(broker, stopping)))
        log.info("components_started", components=list(names))
        tasks = [asyncio.ensure_future(runner) for runner in runners]
        if on_ready is not None:
            await on_ready()
        await _supervise(tasks, stopping)
    finally:
        finished.set()
        await asyncio.gather(*background, return_exceptions=True)
        if stop_metrics is not None:
            stop_metrics()
        if health is not None:
            await health.stop()
        if repository is not None:
            await repository.close()
        if storage is not None:
            await storage.close()
        if broker is not None:
            await broker.close()


def _script_host(settings: Settings) -> ScriptHost:
    limits = Limits(
        cpu_seconds=settings.script_cpu_seconds or None,
        memory_bytes=(settings.script_memory_mb or 0) * 1024 * 1024 or None,
        processes=settings.script_max_processes or None,
    )
    return ScriptHost.create(
        settings.data_dir.resolve(),
        limits,
        warm=settings.script_warm_processes,
        python=settings.script_python,
    )


async def _until(stopping: asyncio.Event, stop: Callable[[], Awaitable[None]]) -> None:
    await stopping.wait()
    await stop()


async def _supervise(tasks: Sequence[asyncio.Future[None]], stopping: asyncio.Event) -> None:
    """Wait for every component; if one fails, stop the others and raise its error."""
    try:
        for finished in asyncio.as_completed(tasks):
            try:
                await finished
            except Exception:
                log.exception("component_failed")
                stopping.set()
                raise
    finally:
        stopping.set()
        await asyncio.gather(*tasks, return_exceptions=True)
