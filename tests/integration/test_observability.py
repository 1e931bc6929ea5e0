"""Observability of running components: /metrics, one trace per execution, the services list."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from flowmesh.embedded import EmbeddedNats, free_port
from flowmesh.instance.v1.instance_messages_pb2 import GetServiceRequest, SearchServicesRequest
from flowmesh.instance.v1.instance_pb2 import ServiceState, ServiceType
from flowmesh.instance.v1.instance_service_pb2_grpc import InstanceServiceStub
from flowmesh.messaging import SERVICES_BUCKET, Broker
from flowmesh.state import ExecutionStore, Services, bucket_snapshot
from flowmesh.telemetry import continued_trace
from tests.integration.running import api_channel, only_run, started
from tests.tracing import recorded_spans
from tests.waiting import eventually

pytestmark = pytest.mark.integration

COMPONENTS = ["api", "executor", "worker", "scheduler", "indexer", "gateway"]
CHILD = """
id: child
namespace: obs
tasks:
  - id: hi
    type: io.kestra.plugin.core.log.Log
    message: hi
"""
PARENT = """
id: parent
namespace: obs
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: hello
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: obs
    flowId: child
"""
RUN_PARENT = "/api/v1/main/executions/obs/parent"


@dataclass
class Stack:
    """Every component in this process, and where to reach them."""

    channel: grpc.aio.Channel
    http: httpx.AsyncClient
    api_address: str
    metrics_port: int


@pytest.fixture
async def stack(nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path) -> AsyncIterator[Stack]:
    port, metrics_port, api_port = free_port(), free_port(), free_port()
    api_address = f"127.0.0.1:{api_port}"
    async with (
        api_channel(
            nats_server.url,
            pg_dsn_fresh,
            tmp_path,
            COMPONENTS,
            [CHILD, PARENT],
            port=port,
            metrics_port=metrics_port,
            api_address=api_address,
            health_port=api_port,
        ) as channel,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):

        async def gateway_up() -> bool:
            try:
                return (await http.get("/health")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(gateway_up, within=20, what="the gateway answering")
        yield Stack(channel, http, api_address, metrics_port)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


async def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Return the samples /metrics serves on port, by name and labels."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def run_parent(stack: Stack) -> dict[str, object]:
    answer = await stack.http.post(f"{RUN_PARENT}?wait=true")
    assert answer.status_code == 200, answer.text
    execution: dict[str, object] = answer.json()
    assert execution["state"]["current"] == "SUCCESS", execution  # type: ignore[index]
    return execution


async def test_metrics_of_every_component_move_when_a_flow_runs(stack: Stack) -> None:
    before = await scrape(stack.metrics_port)
    await run_parent(stack)
    missing = await stack.http.get("/api/v1/main/flows/obs/nothing")
    assert missing.status_code == 404

    create = "/flowmesh.execution.v1.ExecutionService/CreateExecution"
    get_flow = "/flowmesh.flow.v1.FlowService/GetFlow"

    async def moved() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
        after = await scrape(stack.metrics_port)

        def grew(name: str, **labels: str) -> bool:
            return value(after, name, **labels) > value(before, name, **labels)

        checks = [
            # The parent and its child started and ended.
            value(after, "flowmesh_executor_executions_started_total")
            >= value(before, "flowmesh_executor_executions_started_total") + 2,
            value(after, "flowmesh_executor_executions_ended_total", state="SUCCESS")
            >= value(before, "flowmesh_executor_executions_ended_total", state="SUCCESS") + 2,
            grew("flowmesh_worker_task_run_seconds_count"),
            grew("flowmesh_scheduler_loop_seconds_count"),
            grew("flowmesh_indexer_records_total", feed="indexer-executions"),
            ("flowmesh_indexer_lag_seconds", frozenset({("feed", "indexer-executions")})) in after,
            grew("flowmesh_grpc_server_requests_total", method=create, code="OK"),
            grew("flowmesh_grpc_server_request_seconds_count", method=create),
            grew("flowmesh_grpc_server_requests_total", method=get_flow, code="NOT_FOUND"),
            grew(
                "flowmesh_http_requests_total",
                method="POST",
                route="/api/v1/{tenant}/executions/{namespace}/{flowId}",
                status="200",
            ),
            grew(
                "flowmesh_http_requests_total",
                method="GET",
                route="/api/v1/{tenant}/flows/{namespace}/{id}",
                status="404",
            ),
            # Read every few seconds: the executor's and the worker's queues, drained.
            (
                "flowmesh_consumer_pending_messages",
                frozenset({("stream", "FLOWMESH_EXECUTOR"), ("consumer", "executor")}),
            )
            in after,
            (
                "flowmesh_consumer_pending_messages",
                frozenset({("stream", "FLOWMESH_JOBS"), ("consumer", "worker-default")}),
            )
            in after,
        ]
        return after if all(checks) else None

    after = await eventually(moved, within=20, what="every component's metrics moved")
    assert value(after, "flowmesh_worker_slots") >= 8  # the worker's concurrency
    assert value(after, "flowmesh_worker_slots_busy") == 0  # nothing runs any more


async def test_one_execution_is_one_trace_from_the_rest_call_to_its_subflow(
    stack: Stack, spans: InMemorySpanExporter
) -> None:
    parent = await run_parent(stack)

    def of_trace() -> list[ReadableSpan]:
        create = [
            s for s in spans.get_finished_spans() if s.name.startswith("POST /api/v1/{tenant}/executions")
        ]
        assert len(create) == 1, [s.name for s in spans.get_finished_spans()]
        trace_id = create[0].context.trace_id
        return [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]

    def executions_in(found: list[ReadableSpan]) -> set[str]:
        return {
            str(s.attributes["flowmesh.execution_id"])
            for s in found
            if "flowmesh.execution_id" in (s.attributes or {})
        }

    async def complete() -> list[ReadableSpan] | None:
        found = of_trace()
        ended = [
            s
            for s in found
            if (s.attributes or {}).get("flowmesh.state") == "SUCCESS" and s.name.startswith("executor")
        ]
        return found if len(executions_in(ended)) == 2 else None

    found = await eventually(complete, within=15, what="the spans of both executions")
    by_id = {s.context.span_id: s for s in found}
    roots = [s for s in found if s.parent is None]
    assert [s.name for s in roots] == ["POST /api/v1/{tenant}/executions/{namespace}/{flowId}"]
    for span in found:  # one tree: each span's parent is a span of the trace
        assert span.parent is None or span.parent.span_id in by_id, span.name

    def ancestors(span: ReadableSpan) -> list[str]:
        names = []
        while span.parent is not None:
            span = by_id[span.parent.span_id]
            names.append(span.name)
        return names

    create_call = "flowmesh.execution.v1.ExecutionService/CreateExecution"
    assert any(s.name == create_call for s in found)
    tasks = {s.name: s for s in found if s.name.startswith("task ")}
    assert {"task greet", "task hi"} <= set(tasks)
    child_id = str(tasks["task hi"].attributes["flowmesh.execution_id"])  # type: ignore[index]
    assert executions_in(found) == {parent["id"], child_id}
    # The subflow's task run descends from the parent's decisions, which descend from the call.
    assert create_call in ancestors(tasks["task hi"])
    assert any(
        by_id_span.name.startswith("executor")
        and (by_id_span.attributes or {}).get("flowmesh.execution_id") == parent["id"]
        for by_id_span in (s for s in found if s.name in ancestors(tasks["task hi"]))
    )


async def test_the_services_list_shows_every_running_component(stack: Stack) -> None:
    stub = InstanceServiceStub(stack.channel)

    async def all_there() -> list[object] | None:
        found = (await stub.SearchServices(SearchServicesRequest())).services
        mine = [s for s in found if s.pid == os.getpid()]
        return mine if {s.type for s in mine} >= set(ServiceType.values()) - {0} else None

    mine = await eventually(all_there, within=10, what="every component announced")
    assert {s.state for s in mine} == {ServiceState.SERVICE_STATE_RUNNING}  # type: ignore[attr-defined]
    worker = next(s for s in mine if s.type == ServiceType.SERVICE_TYPE_WORKER)  # type: ignore[attr-defined]
    assert worker.worker_group == "default"  # type: ignore[attr-defined]
    assert (await stub.GetService(GetServiceRequest(id=worker.id))) == worker  # type: ignore[attr-defined]
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetService(GetServiceRequest(id="nothing"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND

    # Kestra's path and shape.
    answer = await stack.http.get("/api/v1/instance/services/search", params={"size": 50})
    assert answer.status_code == 200, answer.text
    listed = {item["id"]: item for item in answer.json()["results"]}
    shown = listed[worker.id]  # type: ignore[attr-defined]
    assert shown["type"] == "WORKER"
    assert shown["state"] == "RUNNING"
    assert shown["props"] == {"pid": os.getpid(), "workerGroup": "default"}
    assert shown["createdAt"] <= shown["updatedAt"]

    # The command line, through the api.
    status = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "flowmesh"), "server", "status",
        "--server", stack.api_address, "--output", "json",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await status.communicate()
    assert status.returncode == 0
    assert {item["id"] for item in json.loads(out)} >= {s.id for s in mine}  # type: ignore[attr-defined]


async def test_a_stopped_component_leaves_the_services_list(
    nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path
) -> None:
    async with api_channel(nats_server.url, pg_dsn_fresh, tmp_path, ["api", "executor"]) as channel:
        stub = InstanceServiceStub(channel)
        found = (await stub.SearchServices(SearchServicesRequest())).services
        ids = {s.id for s in found if s.pid == os.getpid()}
        assert len(ids) == 2
    broker = await Broker.connect(nats_server.url)
    try:
        keys = {entry.key.rsplit(".", 1)[-1] for entry in await bucket_snapshot(broker, SERVICES_BUCKET)}
        assert not ids & keys
        assert not [s for s in await Services(broker).running() if s.id in ids]
    finally:
        await broker.close()


async def test_json_log_lines_name_the_execution_task_run_flow_and_trace(tmp_path: Path) -> None:
    trace_id = "ab" * 16
    files = {name: tmp_path / f"{name}.log" for name in ("executor", "worker")}
    async with EmbeddedNats(tmp_path / "nats") as server:
        processes = [await _component(name, server.url, tmp_path, file) for name, file in files.items()]
        broker = await Broker.connect(server.url)
        try:
            await broker.ensure_topology()
            with continued_trace({"traceparent": f"00-{trace_id}-{'c' * 16}-01"}):
                execution = await started(broker, CHILD, execution_id="logged")

            async def success(name: str, event: str) -> dict[str, object] | None:
                """Return the component's first JSON line of event in state SUCCESS."""
                for line in files[name].read_text().splitlines():
                    found = json.loads(line) if line.startswith("{") else {}
                    if found.get("event") == event and found.get("state") == "SUCCESS":
                        return found  # type: ignore[no-any-return]
                return None

            worker = await eventually(lambda: success("worker", "task_run_ended"), within=60, what="its line")
            executor = await eventually(
                lambda: success("executor", "execution_decided"), within=30, what="its"
            )
            stored = await ExecutionStore(broker).get(execution.id)
            assert stored is not None
            assert worker["task_run_id"] == only_run(stored.execution, "hi").id
            for line in (worker, executor):
                assert line["execution_id"] == "logged"
                assert line["namespace"] == "obs"
                assert line["flow"] == "child"
                assert line["trace_id"] == trace_id
        finally:
            await broker.close()
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                assert await asyncio.wait_for(process.wait(), 30) == 0


async def _component(name: str, nats_url: str, folder: Path, log_file: Path) -> asyncio.subprocess.Process:
    """Start `flowmesh server <name>` logging JSON lines, debug ones too, to log_file."""
    with log_file.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "flowmesh"), "server", name,
            "--nats-url", nats_url, "--data-dir", str(folder), "--health-port", "0", "--log-format", "json",
            env={**os.environ, "FLOWMESH_LOG_LEVEL": "debug"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )  # fmt: skip


async def test_a_stopping_worker_says_terminating_and_no_longer_counts_for_its_group(
    nats_server: EmbeddedNats,
) -> None:
    broker = await Broker.connect(nats_server.url)
    await broker.ensure_topology()
    services = Services(broker)
    stopping, finished = asyncio.Event(), asyncio.Event()
    announcing = asyncio.create_task(
        services.announce(ServiceType.SERVICE_TYPE_WORKER, stopping, finished, worker_group="winding")
    )
    try:

        async def state() -> int | None:
            found = [s for s in await services.running() if s.worker_group == "winding"]
            return found[0].state if found else None

        assert await eventually(state, what="announced") == ServiceState.SERVICE_STATE_RUNNING
        assert await services.has_worker("winding")
        stopping.set()
        await eventually(
            lambda: _is(state, ServiceState.SERVICE_STATE_TERMINATING), within=10, what="said TERMINATING"
        )
        assert not await services.has_worker("winding")
        finished.set()
        await asyncio.wait_for(announcing, 10)
        assert await state() is None
    finally:
        finished.set()
        await asyncio.gather(announcing, return_exceptions=True)
        await broker.close()


async def _is(probe: Callable[[], Awaitable[int | None]], expected: int) -> bool:
    return await probe() == expected
