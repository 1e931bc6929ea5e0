"""make bench: flowmesh's throughput and latency, standalone and distributed.

Workloads (DESIGN figures of the foundation):
  sequential  one execution of a flow with 100 sequential Log tasks
  executions  1000 executions of a one-task flow, submitted by one client

Each runs against `flowmesh server standalone` (one process) and against a
distributed deployment (embedded NATS and PostgreSQL, then executor, worker,
indexer, api and gateway each in its own process). Numbers are printed, not
asserted: speed is measured here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx

from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres, free_port

SEQUENTIAL_TASKS = 100
EXECUTIONS = 1000
CLIENT_CONCURRENCY = 100
FLOWMESH = [sys.executable, "-m", "flowmesh.cli"]


def sequential_flow(count: int) -> str:
    tasks = "".join(
        f"  - id: t{i}\n    type: io.kestra.plugin.core.log.Log\n    message: step {i}\n"
        for i in range(count)
    )
    return f"id: bench-sequential\nnamespace: bench\ntasks:\n{tasks}"


ONE_TASK_FLOW = (
    "id: bench-one\nnamespace: bench\ntasks:\n"
    "  - id: only\n    type: io.kestra.plugin.core.debug.Return\n    format: done\n"
)


def _dates(run: dict) -> dict[str, datetime]:
    return {h["state"]: datetime.fromisoformat(h["date"]) for h in run["state"]["histories"]}


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


async def bench_sequential(client: httpx.AsyncClient) -> list[str]:
    await deploy(client, sequential_flow(SEQUENTIAL_TASKS))
    started = time.perf_counter()
    response = await client.post("/api/v1/main/executions/bench/bench-sequential", params={"wait": "true"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    execution = response.json()
    runs = sorted(execution["taskRunList"], key=lambda run: _dates(run)["CREATED"])
    dispatch, run_and_report, next_decision = [], [], []
    for previous, run in zip([None, *runs], runs, strict=False):
        dates = _dates(run)
        dispatch.append((dates["RUNNING"] - dates["CREATED"]).total_seconds())
        run_and_report.append((dates["SUCCESS"] - dates["RUNNING"]).total_seconds())
        if previous is not None:
            next_decision.append((dates["CREATED"] - _dates(previous)["SUCCESS"]).total_seconds())
    every = dispatch + run_and_report + next_decision
    return [
        f"100 sequential Log tasks: {execution['state']['current']} in {elapsed:.3f} s "
        f"({len(runs)} task runs)",
        f"  created -> running (job to a worker)   {_percentiles(dispatch)}",
        f"  running -> success (run and report)    {_percentiles(run_and_report)}",
        f"  success -> next created (executor)     {_percentiles(next_decision)}",
        f"  every transition                       {_percentiles(every)}",
    ]


async def bench_executions(client: httpx.AsyncClient) -> list[str]:
    await deploy(client, ONE_TASK_FLOW)
    slots = asyncio.Semaphore(CLIENT_CONCURRENCY)
    latencies: list[float] = []
    states: dict[str, int] = {}

    async def one() -> None:
        async with slots:
            begin = time.perf_counter()
            response = await client.post("/api/v1/main/executions/bench/bench-one", params={"wait": "true"})
            latencies.append(time.perf_counter() - begin)
            state = response.json()["state"]["current"] if response.is_success else str(response.status_code)
            states[state] = states.get(state, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(EXECUTIONS)))
    elapsed = time.perf_counter() - started
    return [
        f"{EXECUTIONS} one-task executions, {CLIENT_CONCURRENCY} in flight: {elapsed:.2f} s, "
        f"{EXECUTIONS / elapsed:.0f} executions/s, states {states}",
        f"  submit -> ended, per execution          {_percentiles(latencies)}",
    ]


async def deploy(client: httpx.AsyncClient, source: str) -> None:
    response = await client.post(
        "/api/v1/main/flows", content=source, headers={"Content-Type": "application/x-yaml"}
    )
    if response.status_code == 409:
        flow_id = source.split("\n", 1)[0].removeprefix("id: ")
        response = await client.put(
            f"/api/v1/main/flows/bench/{flow_id}",
            content=source,
            headers={"Content-Type": "application/x-yaml"},
        )
    response.raise_for_status()


async def wait_healthy(client: httpx.AsyncClient, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a flowmesh process exited during start; see its log")
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/health")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError("flowmesh did not become healthy within 60 s")


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen([*FLOWMESH, *args], stdout=out, stderr=subprocess.STDOUT)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.asynccontextmanager
async def standalone(work: Path) -> AsyncIterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    port = free_port()
    process = spawn(
        ["server", "standalone", "--port", str(port), "--data-dir", str(work / "data")], work / "log"
    )
    try:
        yield f"http://127.0.0.1:{port}", [process]
    finally:
        stop([process])


@contextlib.asynccontextmanager
async def distributed(work: Path) -> AsyncIterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o711)
    async with EmbeddedNats(work / "nats") as nats, EmbeddedPostgres(work / "postgres") as postgres:
        port, api = free_port(), f"127.0.0.1:{free_port()}"
        common = ["--nats-url", nats.url, "--postgres-dsn", postgres.dsn.rsplit("/", 1)[0] + "/flowmesh"]
        common += ["--api-address", api]
        processes = [spawn(["server", "api", *common], work / "api.log")]
        processes += [
            spawn(["server", name, *common, "--port", str(port)], work / f"{name}.log")
            for name in ("executor", "worker", "indexer", "gateway")
        ]
        try:
            yield f"http://127.0.0.1:{port}", processes
        finally:
            stop(processes)


async def run_mode(name: str, mode: contextlib.AbstractAsyncContextManager) -> list[str]:  # type: ignore[type-arg]
    async with mode as (url, processes), httpx.AsyncClient(base_url=url, timeout=600) as client:
        await wait_healthy(client, processes)
        lines = await bench_sequential(client)
        lines += await bench_executions(client)
    return [f"== {name}", *lines]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["standalone", "distributed", "both"], default="both")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flowmesh-bench-"))
    work.chmod(0o711)  # the embedded PostgreSQL runs as nobody when we are root
    try:
        report = []
        if args.mode in ("standalone", "both"):
            report += await run_mode("standalone (one process)", standalone(work / "standalone"))
        if args.mode in ("distributed", "both"):
            report += await run_mode(
                "distributed (a process per component)", distributed(work / "distributed")
            )
        print(f"\nflowmesh bench on {os.cpu_count()} cores\n" + "\n".join(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
