"""An executor and a worker on an embedded NATS, and the steps tests take with them: deploy, start, wait.

The worker's internal storage is on disk under `<folder>/storage` (`storage_of`); its
script tasks work and keep their venvs under `<folder>/scripts` (`scripts_of`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.config import load_settings
from flowmesh.embedded import EmbeddedNats, free_port
from flowmesh.engine import is_terminal, new_execution, state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_messages_pb2 import CreateFlowRequest, ListDistinctNamespacesRequest
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceStub
from flowmesh.language import parse_flow, resolve_inputs
from flowmesh.log.v1.log_pb2 import LogEntry
from flowmesh.messaging import EXECUTIONS_BUCKET, Broker, log_subject
from flowmesh.plugins.scripts import ScriptHost
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.server import run_components
from flowmesh.state import ExecutionStore, FlowStore, bucket_snapshot
from flowmesh.storage import LocalStorage
from flowmesh.worker import Worker
from tests.waiting import eventually


@asynccontextmanager
async def running(
    folder: Path, *, secrets: EnvironmentSecrets | None = None, scripts: ScriptHost | None = None
) -> AsyncIterator[Broker]:
    """Yield a broker to a NATS server with an executor and a worker consuming from it.

    secrets: what secret() reads; scripts: the worker's script host, scripts_of(folder) by default.
    """
    async with nats_broker(folder) as connected:
        stopping = asyncio.Event()
        services = [
            asyncio.create_task(Executor(broker=connected, secrets=secrets).run(stopping)),
            asyncio.create_task(
                Worker(
                    connected,
                    ack_wait=5,
                    storage=storage_of(folder),
                    secrets=secrets,
                    scripts=scripts or scripts_of(folder),
                ).run(stopping)
            ),
        ]
        try:
            yield connected
        finally:
            stopping.set()
            await asyncio.gather(*services, return_exceptions=True)


@asynccontextmanager
async def nats_broker(folder: Path) -> AsyncIterator[Broker]:
    """Yield a broker to a NATS server of its own under folder, with flowmesh's streams and buckets."""
    async with EmbeddedNats(folder / "nats") as server:
        connected = await Broker.connect(server.url)
        try:
            await connected.ensure_topology()
            yield connected
        finally:
            await connected.close()


@asynccontextmanager
async def api_channel(
    nats_url: str,
    postgres_dsn: str,
    folder: Path,
    components: list[str],
    flows: Iterable[str] = (),
    **more: Any,
) -> AsyncIterator[grpc.aio.Channel]:
    """Run components (the api among them) with data under folder, deploy flows, yield a channel to the api.

    more: other settings (the api's address, the gateway's port...). Authentication is off:
    tests/integration/test_auth.py checks access.
    """
    port = free_port()
    settings = load_settings(
        **{
            "nats_url": nats_url,
            "postgres_dsn": postgres_dsn,
            "health_port": port,
            "api_address": f"127.0.0.1:{port}",
            "data_dir": folder,
            "auth_enabled": False,
            **more,
        }
    )
    stopping = asyncio.Event()
    components_running = asyncio.create_task(run_components(settings, components, stopping))
    async with grpc.aio.insecure_channel(settings.api_address) as channel:
        try:
            stub = FlowServiceStub(channel)

            async def serving() -> bool:
                try:
                    await stub.ListDistinctNamespaces(ListDistinctNamespacesRequest(tenant="main"))
                except grpc.aio.AioRpcError:
                    return False
                return True

            await eventually(serving, within=20, what="the api answering")
            for source in flows:
                try:
                    await stub.CreateFlow(CreateFlowRequest(tenant="main", source=source))
                except grpc.aio.AioRpcError as error:  # NATS outlives a test: so may the flow
                    if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                        raise
            yield channel
        finally:
            stopping.set()
            await asyncio.wait_for(components_running, 30)


def scripts_of(folder: Path) -> ScriptHost:
    """Return a script host working under folder/scripts, with the default limits."""
    return ScriptHost.create(folder / "scripts")


def storage_of(folder: Path) -> LocalStorage:
    """Return the internal storage of the worker that running(folder) starts."""
    return LocalStorage(folder / "storage")


async def deploy(broker: Broker, source: str, tenant: str = "main") -> None:
    """Store source as revision 1 of its flow, unless it is there already."""
    flow = parse_flow(source)
    store = FlowStore(broker)
    if await store.latest(tenant, flow.namespace, flow.id) is None:
        await store.put(
            Flow(tenant_id=tenant, namespace=flow.namespace, id=flow.id, revision=1, source=source), None
        )


async def started(
    broker: Broker,
    source: str,
    inputs: dict[str, str] | None = None,
    tenant: str = "main",
    execution_id: str = "",
) -> Execution:
    """Deploy source, then start an execution of it as the api does (its id: exec-<flow id> by default)."""
    await deploy(broker, source, tenant)
    flow = parse_flow(source)
    execution = new_execution(
        execution_id=execution_id or f"exec-{flow.id}",
        tenant_id=tenant,
        flow=flow,
        flow_revision=1,
        inputs=resolve_inputs(flow, inputs or {}),
        labels={},
        now=datetime.now(UTC),
    )
    await ExecutionStore(broker).submit(execution)
    return execution


async def in_state(broker: Broker, execution_id: str, state: StateType) -> Execution:
    """Wait until the execution is in state; return it."""
    store = ExecutionStore(broker)

    async def reached() -> Execution | None:
        stored = await store.get(execution_id)
        return stored.execution if stored and stored.execution.state.current == state else None

    return await eventually(reached, within=15, what=f"{execution_id} is {state_name(state)}")


async def ended(broker: Broker, execution_id: str) -> Execution:
    """Wait until the execution has ended; return it."""
    store = ExecutionStore(broker)

    async def done() -> Execution | None:
        stored = await store.get(execution_id)
        return stored.execution if stored and is_terminal(stored.execution.state.current) else None

    return await eventually(done, within=15, what=f"{execution_id} ends")


async def log_entries(broker: Broker, execution_id: str) -> list[LogEntry]:
    """Return the lines the log stream holds for an execution that has ended (all there by then)."""
    subscription = await broker.js.subscribe(log_subject(execution_id), ordered_consumer=True)
    try:
        entries = []
        while True:
            try:
                msg = await subscription.next_msg(timeout=0.5)
            except TimeoutError:
                return entries
            entries.append(LogEntry.FromString(msg.data))
    finally:
        await subscription.unsubscribe()


def only_run(execution: Execution, task_id: str) -> TaskRun:
    """Return the one task run of task_id in execution."""
    (found,) = [run for run in execution.task_runs if run.task_id == task_id]
    return found


async def bucket_values(broker: Broker, bucket: str) -> dict[str, bytes]:
    """Return every value of a KV bucket, by key, read as flowmesh reads whole buckets."""
    return {entry.key: entry.value or b"" for entry in await bucket_snapshot(broker, bucket)}


async def executions_of(broker: Broker, flow_id: str) -> list[Execution]:
    """Return the executions of flow_id in the executions bucket, in the order they were created."""
    found = [
        Execution.FromString(value) for value in (await bucket_values(broker, EXECUTIONS_BUCKET)).values()
    ]
    mine = [execution for execution in found if execution.flow_id == flow_id]
    return sorted(mine, key=lambda execution: execution.state.histories[0].date.ToDatetime())
