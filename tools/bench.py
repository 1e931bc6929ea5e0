"""make bench: flowmesh's throughput and latency, standalone and distributed.

Workloads (DESIGN figures of the foundation):
  sequential   one execution of a flow with 100 sequential Log tasks
  executions   1000 executions of a one-task flow, submitted by one client
  foreach      one execution of a ForEach over 1000 values, concurrencyLimit 0
               (Kestra's benchmark03 at 1000 values: an OutputValues task each)
  benchmark02  Kestra's benchmark02: five If tasks, each with one Log task run
               (ten task runs per execution), alone and 100 in flight
  fibo         Windmill's workload: one execution of 40 sequential Python script
               tasks, each computing fibo(10) recursively and printing it

Each runs against `flowmesh server standalone` (one process) and against a
distributed deployment (embedded NATS and PostgreSQL, then executor, worker,
indexer, api and gateway each in its own process).

schedules: 10,000 flows, each with a per-minute Schedule trigger and one Log task, on the
standalone server: how long its scheduler takes to plan them at start, its loop's duration,
the fire lag (execution created minus scheduled date), duplicates and misses over three
minutes, and how far the executions themselves got.

search: the repository's searches over 100,000 executions and 1,000,000 log lines loaded
with COPY into an embedded PostgreSQL, p50/p95 per filter kind (tools/bench_search.py).

ui: each page of the web UI in Debian's chromium with 10,000 executions stored, from
navigation to its data on screen (tools/ui_load.py; skipped without /usr/bin/chromium).

Then the cost of one event as an execution grows (DESIGN §4: it must not grow
with the execution), for a ForEach over N values, N = 10 ... 10,000: in the
decision core alone (no I/O), and through the executor service against an
embedded NATS (decision, compare-and-set of the execution in KV, publish).

Numbers are printed, not asserted: speed is measured here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bench_search import bench_search  # tools/bench_search.py, beside this file
from google.protobuf.message import Message

from flowmesh.common.v1.state_pb2 import State, StateType
from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from flowmesh.engine import apply_update, begin, new_execution
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.executor import Executor
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.messaging import EXECUTIONS_BUCKET, Broker
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, TaskRunUpdate
from flowmesh.state import ExecutionStore, FlowStore

SEQUENTIAL_TASKS = 100
SEQUENTIAL_RUNS = 3  # one run alone swings with the disk's fsync times
EXECUTIONS = 1000
CLIENT_CONCURRENCY = 100
FOREACH_VALUES = 1000
FIBO_TASKS = 40
FIBO_RUNS = 3
BENCHMARK02_ALONE = 20
BENCHMARK02_EXECUTIONS = 500
EVENT_SIZES = (10, 100, 1000, 10_000)
EVENT_SAMPLES = 5  # worker results timed at each size: the best is printed, the least disturbed
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCHEDULED_FLOWS = 10_000
SCHEDULED_MINUTES = 3
DEPLOY_CONCURRENCY = 32
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


def foreach_flow(count: int) -> str:
    """Return Kestra's benchmark03 with count values: every iteration at once, each with outputs."""
    return (
        "id: bench-foreach\nnamespace: bench\ntasks:\n"
        "  - id: foreach\n    type: io.kestra.plugin.core.flow.ForEach\n"
        f'    values: "{{{{ range(1, {count}) }}}}"\n    concurrencyLimit: 0\n    tasks:\n'
        "      - id: output\n        type: io.kestra.plugin.core.output.OutputValues\n"
        "        values:\n          some: value\n"
    )


def benchmark02_flow() -> str:
    """Return Kestra's benchmark02 (without its Webhook trigger): five If, ten task runs."""
    branches = "".join(
        f"  - id: if{i}\n    type: io.kestra.plugin.core.flow.If\n"
        '    condition: "{{inputs.condition}}"\n'
        f"    then:\n      - id: hello-true-{i}\n        type: io.kestra.plugin.core.log.Log\n"
        f"        message: Hello True {i}\n"
        f"    else:\n      - id: hello-false-{i}\n        type: io.kestra.plugin.core.log.Log\n"
        f"        message: Hello False {i}\n"
        for i in range(1, 6)
    )
    return (
        "id: benchmark02\nnamespace: bench\n"
        "inputs:\n  - id: condition\n    type: BOOL\n    defaults: true\n"
        f"tasks:\n{branches}"
    )


def fibo_flow(count: int) -> str:
    """Return Windmill's benchmark flow: count Python scripts in a row, each printing fibo(10)."""
    script = (
        "      def fibo(n):\n          return n if n < 2 else fibo(n - 1) + fibo(n - 2)\n"
        "      print(fibo(10))\n"
    )
    tasks = "".join(
        f"  - id: fibo{i}\n    type: io.kestra.plugin.scripts.python.Script\n    script: |\n{script}"
        for i in range(count)
    )
    return f"id: bench-fibo\nnamespace: bench\ntasks:\n{tasks}"


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
    elapsed, states = [], set()
    dispatch, run_and_report, next_decision = [], [], []
    for _ in range(SEQUENTIAL_RUNS):
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/main/executions/bench/bench-sequential", params={"wait": "true"}
        )
        elapsed.append(time.perf_counter() - started)
        response.raise_for_status()
        execution = response.json()
        states.add(f"{execution['state']['current']} ({len(execution['taskRunList'])} task runs)")
        runs = sorted(execution["taskRunList"], key=lambda run: _dates(run)["CREATED"])
        for previous, run in zip([None, *runs], runs, strict=False):
            dates = _dates(run)
            dispatch.append((dates["RUNNING"] - dates["CREATED"]).total_seconds())
            run_and_report.append((dates["SUCCESS"] - dates["RUNNING"]).total_seconds())
            if previous is not None:
                next_decision.append((dates["CREATED"] - _dates(previous)["SUCCESS"]).total_seconds())
    every = dispatch + run_and_report + next_decision
    return [
        f"100 sequential Log tasks: {', '.join(sorted(states))} in {statistics.median(elapsed):.3f} s, "
        f"the median of {SEQUENTIAL_RUNS} runs ({', '.join(f'{run:.3f}' for run in elapsed)})",
        f"  created -> running (job to a worker)   {_percentiles(dispatch)}",
        f"  running -> success (run and report)    {_percentiles(run_and_report)}",
        f"  success -> next created (executor)     {_percentiles(next_decision)}",
        f"  every transition                       {_percentiles(every)}",
    ]


async def bench_fibo(client: httpx.AsyncClient) -> list[str]:
    await deploy(client, fibo_flow(FIBO_TASKS))
    url = "/api/v1/main/executions/bench/bench-fibo"
    # The first run makes the scripts' venv (once per worker's data directory): not timed.
    warm_up = (await client.post(url, params={"wait": "true"})).json()
    elapsed, states, running = [], set(), []
    for _ in range(FIBO_RUNS):
        started = time.perf_counter()
        response = await client.post(url, params={"wait": "true"})
        elapsed.append(time.perf_counter() - started)
        response.raise_for_status()
        execution = response.json()
        states.add(f"{execution['state']['current']} ({len(execution['taskRunList'])} task runs)")
        for run in execution["taskRunList"]:
            dates = _dates(run)
            running.append((dates["SUCCESS"] - dates["RUNNING"]).total_seconds())
    return [
        f"{FIBO_TASKS} sequential Python scripts, fibo(10) each: {', '.join(sorted(states))} in "
        f"{statistics.median(elapsed):.3f} s, the median of {FIBO_RUNS} runs "
        f"({', '.join(f'{run:.3f}' for run in elapsed)}; warm-up run {warm_up['state']['current']})",
        f"  running -> success (script and report)  {_percentiles(running)}",
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


async def bench_foreach(client: httpx.AsyncClient) -> list[str]:
    await deploy(client, foreach_flow(FOREACH_VALUES))
    started = time.perf_counter()
    response = await client.post("/api/v1/main/executions/bench/bench-foreach", params={"wait": "true"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    execution = response.json()
    return [
        f"ForEach over {FOREACH_VALUES} values, concurrencyLimit 0: {execution['state']['current']} "
        f"in {elapsed:.2f} s ({len(execution['taskRunList'])} task runs)"
    ]


async def bench_benchmark02(client: httpx.AsyncClient) -> list[str]:
    await deploy(client, benchmark02_flow())
    url = "/api/v1/main/executions/bench/benchmark02"
    states: dict[str, int] = {}

    async def one() -> float:
        begin = time.perf_counter()
        response = await client.post(url, params={"wait": "true"})
        elapsed = time.perf_counter() - begin
        execution = response.json() if response.is_success else {}
        state = execution["state"]["current"] if execution else str(response.status_code)
        if execution and len(execution["taskRunList"]) != 10:
            state += f" with {len(execution['taskRunList'])} task runs"
        states[state] = states.get(state, 0) + 1
        return elapsed

    alone = [await one() for _ in range(BENCHMARK02_ALONE)]
    slots = asyncio.Semaphore(CLIENT_CONCURRENCY)

    async def limited() -> float:
        async with slots:
            return await one()

    started = time.perf_counter()
    loaded = await asyncio.gather(*(limited() for _ in range(BENCHMARK02_EXECUTIONS)))
    elapsed = time.perf_counter() - started
    return [
        f"benchmark02 (5 If, 10 task runs each), states {states}",
        f"  one at a time, {BENCHMARK02_ALONE} executions          {_percentiles(alone)}",
        f"  {BENCHMARK02_EXECUTIONS}, {CLIENT_CONCURRENCY} in flight: {elapsed:.2f} s, "
        f"{BENCHMARK02_EXECUTIONS / elapsed:.0f} executions/s",
        f"  submit -> ended, per execution          {_percentiles(list(loaded))}",
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
        [
            "server",
            "standalone",
            "--port",
            str(port),
            "--data-dir",
            str(work / "data"),
            "--api-address",
            f"127.0.0.1:{free_port()}",
        ],
        work / "log",
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


# The cost of one event as the execution grows.


@dataclass
class EventCosts:
    """What one size of execution costs, in seconds (None: could not be measured, see note)."""

    task_runs: int
    size: int  # bytes of the stored execution
    start: float  # the decision that creates every iteration and its job
    decide: float  # one worker result, in the decision core
    handle: float | None = None  # one worker result, through the executor service
    kv_get: float | None = None
    kv_write: float | None = None
    note: str = ""


def _ended(state: State, when: datetime) -> None:
    for kind in (StateType.STATE_TYPE_RUNNING, StateType.STATE_TYPE_SUCCESS):
        state.current = kind
        state.histories.add(state=kind).date.FromDatetime(when)


def prepared_foreach(count: int, flow: FlowDefinition) -> tuple[Execution, float, list[TaskRunUpdate]]:
    """Return a ForEach execution whose iterations have all run but the last few.

    Also the time the start decision took, and the worker results still to come.
    The iterations that ran are marked by hand as apply_update would mark them:
    applying them one by one would take minutes at 10,000.
    """
    created = new_execution(
        execution_id=f"bench-events-{count}",
        tenant_id="main",
        flow=flow,
        flow_revision=1,
        inputs={},
        labels={},
        now=T0,
    )
    started = time.perf_counter()
    decision = begin(created, flow, T0)
    start = time.perf_counter() - started
    execution = decision.execution
    keep = {job.task_run_id for job in decision.jobs[-(EVENT_SAMPLES + 1) :]}
    for run in execution.task_runs:
        if run.parent_task_run_id and run.id not in keep:
            _ended(run.attempts.add(worker_id="bench").state, T0)
            _ended(run.state, T0)
            run.outputs.update({"values": {"some": "value"}})
    updates = []
    for job in decision.jobs[-(EVENT_SAMPLES + 1) :]:
        update = TaskRunUpdate(
            execution_id=execution.id,
            task_run_id=job.task_run_id,
            attempt=job.attempt,
            state=StateType.STATE_TYPE_SUCCESS,
            worker_id="bench",
        )
        update.outputs.update({"values": {"some": "value"}})
        updates.append(update)
    return execution, start, updates


def core_event_costs(count: int) -> EventCosts:
    """Time the decision core alone: the start, then one worker result (the best of a few)."""
    flow = parse_flow(foreach_flow(count))
    execution, start, updates = prepared_foreach(count, flow)
    costs = []
    for update in updates[:EVENT_SAMPLES]:  # each applied to the same state: none is the last
        begun = time.perf_counter()
        apply_update(execution, update, flow, T0)
        costs.append(time.perf_counter() - begun)
    size = execution.ByteSize()
    return EventCosts(len(execution.task_runs), size, start, min(costs))


class _Delivery:
    """Stands for a message from the executor's consumer: what Executor.handle asks of one."""

    subject = "flowmesh.executor.bench"
    deliveries = 1
    redelivered = False

    def __init__(self, message: ExecutorMessage) -> None:
        self._message = message

    def parse(self, message_type: type[Message]) -> Message:
        assert message_type is ExecutorMessage
        return self._message

    async def ack(self) -> None:
        pass


async def service_event_costs(nats_url: str, count: int, costs: EventCosts) -> None:
    """Time the same worker results through Executor.handle: decide, compare-and-set, publish."""
    broker = await Broker.connect(nats_url)
    try:
        await broker.ensure_topology()
        flows, executions = FlowStore(broker), ExecutionStore(broker)
        source = foreach_flow(count).replace("id: bench-foreach", f"id: bench-foreach-{count}", 1)
        flow = parse_flow(source)
        await flows.put(
            Flow(tenant_id="main", namespace="bench", id=flow.id, revision=1, source=source), None
        )
        execution, _, updates = prepared_foreach(count, flow)
        try:
            await executions.create(execution)
        except Exception as error:  # MaxPayloadError above the server's max_payload
            costs.note = f"cannot store the execution: {error!r}"
            return
        executor = Executor(broker)
        timings = []
        for index, update in enumerate(updates):  # the first reads the execution into the cache
            begun = time.perf_counter()
            await executor.handle(_Delivery(ExecutorMessage(task_run_update=update)))  # type: ignore[arg-type]
            if index:
                timings.append(time.perf_counter() - begun)
        costs.handle = min(timings)
        reads, writes = [], []
        for _ in range(EVENT_SAMPLES):
            begun = time.perf_counter()
            stored = await executions.get(execution.id)
            reads.append(time.perf_counter() - begun)
            assert stored is not None
            begun = time.perf_counter()
            await executions.update(stored.execution, stored.revision)
            writes.append(time.perf_counter() - begun)
        costs.kv_get, costs.kv_write = min(reads), min(writes)
    finally:
        await broker.close()


def _ms(seconds: float | None) -> str:
    return "     -    " if seconds is None else f"{seconds * 1000:7.2f} ms"


def _growth(name: str, costs: Sequence[float | None]) -> str:
    """Say how costs grow from one size to the next (each ten times the last)."""
    if any(cost is None for cost in costs):
        return f"  {name:30s} not measured at every size"
    ratios = [later / earlier for earlier, later in itertools.pairwise(costs) if earlier and later]
    # The last step says most: at the small sizes, fixed costs hide how a cost grows.
    exponent = math.log10(ratios[-1])
    kind = (
        "flat"
        if exponent < 0.3
        else "sublinear"
        if exponent < 0.8
        else "linear"
        if exponent < 1.4
        else "quadratic"
    )
    steps = "  ".join(f"x{ratio:5.1f}" for ratio in ratios)
    return f"  {name:30s} {steps}   ({kind}: N^{exponent:.2f} from {EVENT_SIZES[-2]} to {EVENT_SIZES[-1]})"


async def bench_event_costs(work: Path) -> list[str]:
    lines = [
        f"== cost of one event, ForEach over N values (an OutputValues task each; best of {EVENT_SAMPLES})",
        "       N  task runs  stored KiB   start decision (per run)   one result: decide"
        "   executor handle    KV get     KV write",
    ]
    core_event_costs(EVENT_SIZES[0])  # warm up: first renders, first imports
    table = []
    async with EmbeddedNats(work / "event-nats") as nats:
        for count in EVENT_SIZES:
            costs = core_event_costs(count)
            await service_event_costs(nats.url, count, costs)
            table.append(costs)
            per_run = costs.start / costs.task_runs * 1e6
            lines.append(
                f"  {count:6d}  {costs.task_runs:9d}  {costs.size / 1024:10.0f}   {_ms(costs.start)}"
                f" ({per_run:5.0f} us)      {_ms(costs.decide)}        {_ms(costs.handle)}"
                f"   {_ms(costs.kv_get)}   {_ms(costs.kv_write)}"
            )
            if costs.note:
                lines.append(f"          {costs.note}")
    lines += [
        "growth from each N to the next:",
        _growth("start decision (N jobs)", [cost.start for cost in table]),
        _growth("one result, decision core", [cost.decide for cost in table]),
        _growth("one result, executor service", [cost.handle for cost in table]),
        _growth("KV write", [cost.kv_write for cost in table]),
    ]
    return lines


WORKLOADS = {
    "sequential": bench_sequential,
    "executions": bench_executions,
    "foreach": bench_foreach,
    "benchmark02": bench_benchmark02,
    "fibo": bench_fibo,
}


def scheduled_flow(index: int) -> str:
    return (
        f"id: s{index}\nnamespace: bench.schedule\ntasks:\n"
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: tick\n"
        "triggers:\n  - id: minutely\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        '    cron: "* * * * *"\n'
    )


def log_events(log: Path, event: str) -> list[dict]:  # type: ignore[type-arg]
    """Return the JSON log lines of the server's log that are event."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and f'"{event}"' in line:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("event") == event:
                    found.append(record)
    return found


async def logged(log: Path, event: str, process: subprocess.Popen[bytes], within: float) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        if found := log_events(log, event):
            return found[-1]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no {event} in {log} within {within} s")


def schedule_server(work: Path, port: int) -> subprocess.Popen[bytes]:
    args = [
        "server",
        "standalone",
        "--port",
        str(port),
        "--data-dir",
        str(work / "data"),
        "--api-address",
        f"127.0.0.1:{free_port()}",
        "--log-format",
        "json",
    ]
    return spawn(args, work / "log")


async def deploy_scheduled_flows(url: str, flows: int) -> float:
    """Deploy the scheduled flows through REST, DEPLOY_CONCURRENCY at once; return the seconds it took."""
    slots = asyncio.Semaphore(DEPLOY_CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(index: int) -> None:
            async with slots:
                await deploy(client, scheduled_flow(index))

        started = time.perf_counter()
        await asyncio.gather(*(one(index) for index in range(flows)))
        return time.perf_counter() - started


async def read_scheduled(nats_url: str) -> list[Execution]:
    """Return the executions of the scheduled flows, read from the executions bucket in one watch.

    By id: a watch started while executions change may see one twice before its first pass ends.
    """
    broker = await Broker.connect(nats_url)
    try:
        kv = await broker.kv(EXECUTIONS_BUCKET)
        watcher = await kv.watchall(ignore_deletes=True)
        found: dict[str, Execution] = {}
        try:
            while (entry := await watcher.updates(timeout=30)) is not None:
                execution = Execution.FromString(entry.value or b"")
                if execution.namespace == "bench.schedule":
                    found[execution.id] = execution
        finally:
            await watcher.stop()
        return list(found.values())
    finally:
        await broker.close()


def _in_window(executions: list[Execution], minutes: list[datetime]) -> int:
    return sum(1 for e in executions if _scheduled_date(e) in minutes)


def _scheduled_date(execution: Execution) -> datetime:
    return datetime.fromisoformat(execution.trigger.variables.fields["date"].string_value)


async def read_when_fired(nats_url: str, minutes: list[datetime], expected: int) -> list[Execution]:
    """Read the executions until every fire of the window was created, or none more came for a minute."""
    executions = await read_scheduled(nats_url)
    quiet_since = time.monotonic()
    while _in_window(executions, minutes) < expected and time.monotonic() - quiet_since < 60:
        await asyncio.sleep(10)
        more = await read_scheduled(nats_url)
        if _in_window(more, minutes) > _in_window(executions, minutes):
            quiet_since = time.monotonic()
        executions = more
    return executions


async def bench_schedules(work: Path, flows: int, count: int) -> list[str]:
    """Deploy flows scheduled flows, restart the server to time its planning, then watch count minutes."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = schedule_server(work, port)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            await wait_healthy(client, [process])
        deploying = await deploy_scheduled_flows(url, flows)
    finally:
        stop([process])
    (work / "log").rename(work / "log.deploy")
    spawned = time.perf_counter()
    process = schedule_server(work, port)
    try:
        planned = await logged(work / "log", "scheduler_planned", process, within=300)
        started = time.perf_counter() - spawned
        nats_url = (await logged(work / "log", "nats_started", process, within=5))["url"]
        now = datetime.now(UTC)
        first = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        minutes = [first + timedelta(minutes=m) for m in range(count)]
        await asyncio.sleep((minutes[-1] - now).total_seconds() + 5)
        executions = await read_when_fired(nats_url, minutes, flows * len(minutes))
        figures = [
            record
            for record in log_events(work / "log", "scheduler_figures")
            if datetime.fromisoformat(record["timestamp"]) > minutes[0]
        ]
    finally:
        stop([process])
    return _schedule_report(flows, deploying, started, planned, minutes, executions, figures)


def _schedule_report(
    flows: int,
    deploying: float,
    started: float,
    planned: dict,  # type: ignore[type-arg]
    minutes: list[datetime],
    executions: list[Execution],
    figures: list[dict],  # type: ignore[type-arg]
) -> list[str]:
    window = set(minutes)
    counts: dict[tuple[str, datetime], int] = {}
    lags, ran = [], []
    ended = 0
    for execution in executions:
        date = _scheduled_date(execution)
        if date not in window:
            continue
        counts[execution.flow_id, date] = counts.get((execution.flow_id, date), 0) + 1
        histories = execution.state.histories
        created = histories[0].date.ToDatetime(tzinfo=UTC)
        lags.append((created - date).total_seconds())
        if execution.state.current == StateType.STATE_TYPE_SUCCESS:
            ended += 1
            ran.append((histories[-1].date.ToDatetime(tzinfo=UTC) - date).total_seconds())
    duplicates = sum(count - 1 for count in counts.values())
    misses = flows * len(minutes) - len(counts)
    loops = [f"{r['loop'].get('p50_ms', 0):.1f}/{r['loop'].get('p99_ms', 0):.1f}" for r in figures]
    return [
        f"{flows} flows with a per-minute Schedule, {len(minutes)} minutes from "
        f"{minutes[0]:%H:%M} UTC (standalone; the machine is shared)",
        f"  deployed through REST, {DEPLOY_CONCURRENCY} at once: {deploying:.1f} s "
        f"({flows / deploying:.0f} flows/s)",
        f"  scheduler start, process spawned -> {planned.get('triggers')} triggers planned: {started:.2f} s "
        f"(of which the scheduler itself {planned.get('seconds')} s)",
        f"  loop duration p50/p99 per minute (ms): {', '.join(loops) or 'n/a'}",
        f"  fire lag, created - scheduled date   {_percentiles(lags)}   "
        f"max {max(lags, default=0) * 1000:.0f} ms",
        f"  duplicates {duplicates}, misses {misses} (of {flows * len(minutes)} fires)",
        f"  executions ended SUCCESS when read: {ended} of {len(counts)}; "
        f"ended - scheduled date {_percentiles(ran)}   max {max(ran, default=0):.1f} s",
    ]


async def run_mode(
    name: str,
    mode: contextlib.AbstractAsyncContextManager,  # type: ignore[type-arg]
    workloads: list[str],
) -> list[str]:
    lines = [f"== {name}"]
    async with mode as (url, processes), httpx.AsyncClient(base_url=url, timeout=600) as client:
        await wait_healthy(client, processes)
        for workload in workloads:
            lines += await WORKLOADS[workload](client)
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["standalone", "distributed", "both", "none"], default="both")
    parser.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help=f"which to run against the servers, comma-separated (default: {','.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--no-events", dest="events", action="store_false", help="skip the cost-of-one-event table"
    )
    parser.add_argument(
        "--no-schedules", dest="schedules", action="store_false", help="skip the 10,000 schedules scenario"
    )
    parser.add_argument(
        "--no-search", dest="search", action="store_false", help="skip the search scenario (bench_search.py)"
    )
    parser.add_argument(
        "--no-ui", dest="ui", action="store_false", help="skip the web UI scenario (ui_load.py)"
    )
    parser.add_argument(
        "--scheduled-flows", type=int, default=SCHEDULED_FLOWS, help="flows of the schedules scenario"
    )
    parser.add_argument("--scheduled-minutes", type=int, default=SCHEDULED_MINUTES, help="minutes it watches")
    args = parser.parse_args()
    workloads = [name for name in args.workloads.split(",") if name]
    unknown = sorted(set(workloads) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workloads: {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="flowmesh-bench-"))
    work.chmod(0o711)  # the embedded PostgreSQL runs as nobody when we are root
    try:
        report = []
        if args.mode in ("standalone", "both"):
            report += await run_mode("standalone (one process)", standalone(work / "standalone"), workloads)
        if args.mode in ("distributed", "both"):
            report += await run_mode(
                "distributed (a process per component)", distributed(work / "distributed"), workloads
            )
        if args.schedules:
            report += await bench_schedules(work / "schedules", args.scheduled_flows, args.scheduled_minutes)
        if args.search:
            report += await bench_search(work / "search")
        if args.ui:
            from ui_load import bench_ui  # tools/ui_load.py, which imports this module

            report += await bench_ui(work / "ui")
        if args.events:
            report += await bench_event_costs(work)
        print(f"\nflowmesh bench on {os.cpu_count()} cores\n" + "\n".join(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
