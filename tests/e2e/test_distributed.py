"""One process per component (api, gateway, indexer, two executors, two workers) over real NATS
and PostgreSQL, driven through REST; then a worker is killed in the middle of a task.

The tests of this module share one deployment and run in file order: the last one kills a worker.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from tests.e2e.harness import (
    API,
    HELLO_FLOW,
    NAMESPACE,
    TERMINAL,
    Deployment,
    Process,
    check_hello_run,
    deploy,
    eventually,
    execute,
    file_flow,
    get_execution,
    indexed_execution,
    runs_by_task,
    search_executions,
    wait_ended,
    wait_healthy,
)
from tests.s3server import S3Server

pytestmark = pytest.mark.e2e

# A dead worker's job comes back after this many seconds without an ack or progress signal.
WORKER_ACK_WAIT = "3"
# Each process writes this line once it consumes (executors, workers) or indexes.
READY_LINES = {"executor": "executor_started", "worker": "worker_started", "indexer": "indexer_started"}


@dataclass
class Mesh:
    client: httpx.AsyncClient
    deployment: Deployment
    executors: list[Process]
    workers: list[Process]
    killed: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
async def mesh(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> AsyncIterator[Mesh]:
    """Start NATS, PostgreSQL and S3, then every component in its own process; SIGTERM them at the end.

    Internal storage is one S3 bucket, shared by the api (uploads, downloads) and the workers.
    """
    work = tmp_path_factory.mktemp("distributed")
    # Not under pytest's 0700 basetemp: the embedded PostgreSQL runs as `nobody` when we are root.
    pg_dir = Path(tempfile.mkdtemp(prefix="flowmesh-e2e-pg-"))
    pg_dir.chmod(0o711)
    deployment = Deployment("distributed", work)
    deployment.other_logs["nats"] = work / "nats" / "nats-server.log"
    deployment.other_logs["postgres"] = pg_dir / "log" / "postgres.log"
    mesh: Mesh | None = None
    try:
        async with EmbeddedNats(work / "nats") as nats, EmbeddedPostgres(pg_dir) as postgres:
            port = free_port()
            common = [
                *("--nats-url", nats.url),
                *("--postgres-dsn", postgres.dsn.rsplit("/", 1)[0] + "/flowmesh"),
                *("--api-address", f"127.0.0.1:{free_port()}"),
            ]
            storage = s3_server.environment(f"mesh-{free_port()}")
            worker_env = {
                "FLOWMESH_WORKER_ACK_WAIT_SECONDS": WORKER_ACK_WAIT,
                "FLOWMESH_HEALTH_PORT": "0",
                **storage,
            }
            # Auth is on by default for an api of its own; this test is about distribution.
            deployment.spawn("api", "api", *common, env={**storage, "FLOWMESH_AUTH_ENABLED": "false"})
            deployment.spawn("gateway", "gateway", *common, "--port", str(port))
            indexer = deployment.spawn("indexer", "indexer", *common)
            executors = [deployment.spawn(f"executor-{n}", "executor", *common) for n in (1, 2)]
            workers = [deployment.spawn(f"worker-{n}", "worker", *common, env=worker_env) for n in (1, 2)]
            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                    await wait_healthy(client, deployment)
                    for process in [indexer, *executors, *workers]:
                        ready = READY_LINES[process.name.split("-")[0]]
                        await deployment.wait_for_line(process, ready)
                    mesh = Mesh(client, deployment, executors, workers)
                    yield mesh
            finally:
                codes = await deployment.stop()
    finally:
        deployment.keep_other_logs()
        shutil.rmtree(pg_dir, ignore_errors=True)
    killed = mesh.killed if mesh is not None else set()
    assert {name: codes[name] for name in killed} == dict.fromkeys(killed, -signal.SIGKILL)
    # Every process that was not killed stops gracefully on SIGTERM.
    survivors = {name: code for name, code in codes.items() if name not in killed}
    assert survivors == dict.fromkeys(survivors, 0)
    deployment.retire()


@pytest.mark.timeout(60)
async def test_each_process_of_the_mesh_is_listed_in_the_services(mesh: Mesh) -> None:
    pids = {process.pid for process in mesh.deployment.processes}

    async def all_listed() -> list[dict[str, Any]] | None:
        answer = await mesh.client.get("/api/v1/instance/services/search", params={"size": 100})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["results"]
        return found if {service["props"]["pid"] for service in found} == pids else None

    services = await eventually(all_listed, within=10, what="every process announced")
    assert Counter(service["type"] for service in services) == {
        "API": 1,
        "GATEWAY": 1,
        "INDEXER": 1,
        "EXECUTOR": 2,
        "WORKER": 2,
    }
    assert {service["state"] for service in services} == {"RUNNING"}


@pytest.mark.timeout(180)
async def test_flow_runs_with_outputs_and_logs(mesh: Mesh) -> None:
    await deploy(mesh.client, HELLO_FLOW)
    execution = await check_hello_run(mesh.client)
    await indexed_execution(mesh.client, execution)


FILE_FLOW = file_flow("file-input", NAMESPACE, text="{{ read(inputs.data) }}")


@pytest.mark.timeout(180)
async def test_a_file_uploaded_to_the_api_is_read_by_a_worker_through_s3(mesh: Mesh) -> None:
    await deploy(mesh.client, FILE_FLOW)

    response = await mesh.client.post(
        f"{API}/executions/{NAMESPACE}/file-input",
        params={"wait": "true"},
        files={"data": ("in.txt", b"shared through S3", "text/plain")},
    )

    assert response.status_code == 200, response.text
    execution = response.json()
    assert runs_by_task(execution)["read"]["outputs"]["values"] == {"text": "shared through S3"}
    uri = execution["inputs"]["data"]
    download = await mesh.client.get(f"{API}/executions/{execution['id']}/file", params={"path": uri})
    assert download.content == b"shared through S3"


ONE_TASK_FLOW = f"""\
id: one
namespace: {NAMESPACE}
inputs:
  - id: n
    type: INT
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "n={{{{ inputs.n }}}}"
"""
MANY = 50


@pytest.mark.timeout(180)
async def test_many_concurrent_executions_each_run_their_task_once(mesh: Mesh) -> None:
    await deploy(mesh.client, ONE_TASK_FLOW)

    responses = await asyncio.gather(
        *(execute(mesh.client, NAMESPACE, "one", {"n": str(n)}) for n in range(MANY))
    )

    workers: Counter[str] = Counter()
    for n, response in enumerate(responses):
        assert response.status_code == 200, response.text
        execution = response.json()
        assert execution["state"]["current"] == "SUCCESS", execution
        assert execution["inputs"] == {"n": n}
        (run,) = execution["taskRunList"]
        assert run["outputs"] == {"value": f"n={n}"}
        (attempt,) = run["attempts"]
        assert attempt["state"]["current"] == "SUCCESS"
        workers[attempt["workerId"]] += 1
    assert len({response.json()["id"] for response in responses}) == MANY
    # The workers share the job queue: both took part.
    assert set(workers) == {worker_id(process) for process in mesh.workers}, workers

    async def all_indexed() -> dict[str, object] | None:
        page = await search_executions(mesh.client, NAMESPACE, "one")
        done = [item for item in page["results"] if item["state"]["current"] == "SUCCESS"]
        return page if len(done) == MANY else None

    page = await eventually(all_indexed, within=60, what=f"{MANY} executions indexed as SUCCESS")
    assert page["total"] == MANY


SLOW_FLOW = f"""\
id: slow
namespace: {NAMESPACE}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT4S
  - id: wake
    type: io.kestra.plugin.core.debug.Return
    format: "awake in {{{{ execution.id }}}}"
"""


@pytest.mark.timeout(180)
async def test_job_of_a_killed_worker_is_redelivered_to_the_other(mesh: Mesh) -> None:
    client = mesh.client
    await deploy(client, SLOW_FLOW)
    response = await execute(client, NAMESPACE, "slow", wait=False)
    assert response.status_code == 200, response.text
    execution_id = response.json()["id"]

    async def napping_worker() -> str | None:
        run = runs_by_task(await get_execution(client, execution_id)).get("nap")
        attempts = run["attempts"] if run else []
        return attempts[0]["workerId"] if attempts and attempts[0]["workerId"] else None

    napping = await eventually(napping_worker, within=30, what="a worker reports it runs the nap")
    pid = int(napping.rsplit(":", 1)[1])
    victim = next((p for p in mesh.workers if p.pid == pid), None)
    assert victim is not None, f"{napping} is none of the workers {[p.pid for p in mesh.workers]}"
    assert napping == worker_id(victim)
    (survivor,) = (p for p in mesh.workers if p is not victim)

    victim.popen.send_signal(signal.SIGKILL)
    await asyncio.to_thread(victim.popen.wait, 10)
    mesh.killed.add(victim.name)
    # Killed in the middle of the task: the nap had not ended.
    nap = runs_by_task(await get_execution(client, execution_id))["nap"]
    assert nap["state"]["current"] not in TERMINAL, nap

    execution = await wait_ended(client, execution_id, within=60)

    assert execution["state"]["current"] == "SUCCESS", execution
    runs = execution["taskRunList"]
    assert [run["taskId"] for run in runs] == ["nap", "wake"], runs
    nap, wake = runs
    # The redelivered job is the same attempt, finished by the other worker.
    (attempt,) = nap["attempts"]
    assert attempt["state"]["current"] == "SUCCESS"
    assert attempt["workerId"] == worker_id(survivor)
    assert nap["state"]["current"] == "SUCCESS"
    assert [h["state"] for h in nap["state"]["histories"]] == ["CREATED", "RUNNING", "SUCCESS"]
    (attempt,) = wake["attempts"]
    assert attempt["workerId"] == worker_id(survivor)
    assert wake["outputs"] == {"value": f"awake in {execution_id}"}
    await indexed_execution(client, execution)


def worker_id(process: Process) -> str:
    """Return the id a worker process reports on its attempts: hostname:pid."""
    return f"{socket.gethostname()}:{process.pid}"
