"""Each component as its own process: health NOT_SERVING first on SIGTERM, then exit 0; and
startup refuses a NATS that does not sync every write, or has fewer servers than replicas.

In-flight work on SIGTERM is tested where the work is: a worker's tasks finish or are handed
back (test_worker_lifecycle), the consumer of an executor finishes the messages it holds
(test_messaging), a scheduler fires what it had queued (test_scheduler), an indexer hands
its batch back (test_indexer), the api's calls get a grace period (grpc's stop).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from flowmesh.embedded import EmbeddedNats, free_port
from flowmesh.messaging import NotDurableError, require_sync_always
from flowmesh.server import COMPONENTS
from tests.e2e.harness import Deployment
from tests.integration.test_components import NOT_SERVING, SERVING, serving
from tests.waiting import eventually

pytestmark = pytest.mark.integration

# How long a process may take to stop after SIGTERM.
STOP_SECONDS = 40.0


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    running = Deployment("lifecycle", tmp_path)
    try:
        yield running
    finally:
        for process in running.processes:
            if process.alive():
                process.popen.kill()
                await asyncio.to_thread(process.popen.wait)
    running.retire()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("component", COMPONENTS)
async def test_on_sigterm_a_component_goes_not_serving_then_exits_0(
    component: str, deployment: Deployment, nats_server: EmbeddedNats, pg_dsn_fresh: str
) -> None:
    port = free_port()
    process = deployment.spawn(
        component,
        component,
        *("--nats-url", nats_server.url, "--nats-monitor-url", nats_server.monitor_url),
        *("--postgres-dsn", pg_dsn_fresh, "--data-dir", str(deployment.work / "data")),
        # The api serves health beside its services; the others on the health port.
        *("--api-address", f"127.0.0.1:{port}", "--health-port", str(port), "--port", str(free_port())),
        env={"FLOWMESH_AUTH_ENABLED": "false"},
    )
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:

        async def up() -> bool:
            if not process.alive():
                pytest.fail(f"{component} exited with {process.popen.returncode}:\n{process.text()}")
            return await serving(channel)

        await eventually(up, within=90, what=f"{component} health SERVING")
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        assert (await watch.read()).status == SERVING

        process.popen.send_signal(signal.SIGTERM)

        # Readiness goes first, while the process still answers.
        assert (await asyncio.wait_for(watch.read(), 30)).status == NOT_SERVING
    assert await asyncio.to_thread(process.popen.wait, STOP_SECONDS) == 0, process.text()
    assert "components_started" in process.text()


def refused(*options: str) -> subprocess.CompletedProcess[str]:
    """Run `flowmesh server executor` with options; it must give up at once, not serve."""
    return subprocess.run(
        [sys.executable, "-m", "flowmesh.cli", "server", "executor", "--health-port", "0", *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.timeout(120)
async def test_startup_refuses_a_nats_server_that_does_not_sync_every_write(tmp_path: Path) -> None:
    async with EmbeddedNats(tmp_path / "nats", sync_always=False) as lazy:
        run = await asyncio.to_thread(refused, "--nats-url", lazy.url, "--nats-monitor-url", lazy.monitor_url)

    assert run.returncode == 1, run.stderr
    assert "refusing to start" in run.stderr
    assert "syncs JetStream writes to disk every 120 s, not on each write" in run.stderr
    assert "sync_interval: always" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.timeout(120)
async def test_startup_refuses_a_nats_monitoring_url_it_cannot_read(nats_server: EmbeddedNats) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    run = await asyncio.to_thread(refused, "--nats-url", nats_server.url, "--nats-monitor-url", nowhere)

    assert run.returncode == 1, run.stderr
    assert f"cannot read any NATS monitoring endpoint ({nowhere}/varz:" in run.stderr


@pytest.mark.timeout(120)
async def test_startup_refuses_more_replicas_than_nats_servers(nats_server: EmbeddedNats) -> None:
    run = await asyncio.to_thread(
        refused,
        *("--nats-url", nats_server.url, "--nats-monitor-url", nats_server.monitor_url),
        *("--nats-replicas", "3"),
    )

    assert run.returncode == 1, run.stderr
    assert "nats_replicas is 3 but the NATS cluster has 1 server(s)" in run.stderr


@pytest.mark.timeout(120)
async def test_a_cluster_node_down_at_start_is_only_warned_about_but_one_not_syncing_is_refused(
    nats_server: EmbeddedNats, tmp_path: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"

    await require_sync_always([down, nats_server.monitor_url])

    async with EmbeddedNats(tmp_path / "nats", sync_always=False) as lazy:
        with pytest.raises(NotDurableError, match="not on each write"):
            await require_sync_always([nats_server.monitor_url, down, lazy.monitor_url])
