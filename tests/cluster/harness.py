"""flowmesh as a cluster on one machine, and a workload to run through it while things break.

- NatsCluster: three nats-servers on loopback, routes between them, JetStream with
  `sync_interval: always`, each node its own store.
- Cluster: that NATS cluster, one PostgreSQL, and two processes of each component
  (`flowmesh server executor|worker|scheduler|indexer|api`), every NATS client given all
  three node URLs and streams and buckets kept on all three nodes (`nats_replicas` 3).
- Recorder: the task body of the workload is an HTTP call to it; it notes each call
  (execution, task run id, attempt, and the pid of the worker that made it), so that
  bodies run twice and bodies never run can be counted.
- run_workload: starts executions of a flow whose body calls the recorder, brings a fault
  when some have ended, waits for all to end, and counts what was lost and run too often.

Used by tests/cluster (`make test-faults`) and tools/bench_faults.py (`make bench-faults`).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import asyncpg
import grpc
import httpx
import psutil
from nats.errors import Error as NatsError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from flowmesh.engine import is_terminal
from flowmesh.execution.v1.execution_messages_pb2 import CreateExecutionRequest
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from flowmesh.flow.v1.flow_messages_pb2 import CreateFlowRequest
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceStub
from flowmesh.messaging import EXECUTOR_STREAM, Broker
from flowmesh.state import ExecutionStore
from tests.e2e.harness import Deployment, Process
from tests.waiting import eventually

REPLICAS = 3
NAMESPACE = "faults.cluster"
EXECUTIONS = 200
# Generous: 2 cores shared with other work; a run that loses work still fails, by its count.
WORKLOAD_SECONDS = 420.0
# Submissions under way at once.
_SUBMITTING = 16
# A dead worker's job comes back after this long without an ack or progress signal (a live
# worker signals every third of it: much shorter and a loaded machine makes it miss one).
WORKER_ACK_WAIT = "10"
SUCCESS = StateType.STATE_TYPE_SUCCESS
# How long a NATS node stays dead, and PostgreSQL stopped, at the least.
NATS_DOWN_SECONDS = 10.0
POSTGRES_DOWN_SECONDS = 20.0


# ------------------------------------------------------------------------------------ NATS


class NatsCluster:
    """Three nats-servers on loopback joined by routes, JetStream on each, every write synced."""

    def __init__(self, work: Path, size: int = 3) -> None:
        cluster_ports = [free_port() for _ in range(size)]
        self.nodes = [
            EmbeddedNats(
                work / f"nats-{n}",
                name=f"nats-{n}",
                cluster_port=port,
                routes=[other for other in cluster_ports if other != port],
            )
            for n, port in enumerate(cluster_ports, 1)
        ]

    @property
    def url(self) -> str:
        """Return every node's client URL, comma-separated, as flowmesh's nats_url takes them."""
        return ",".join(node.url for node in self.nodes)

    @property
    def monitor_url(self) -> str:
        return ",".join(node.monitor_url for node in self.nodes)

    async def start(self) -> None:
        await asyncio.gather(*(node.start() for node in self.nodes))
        await asyncio.gather(*(self.healthy(node) for node in self.nodes))

    async def healthy(self, node: EmbeddedNats, within: float = 60.0) -> None:
        """Wait until the node's /healthz answers 200: JetStream up and its meta group current."""
        async with httpx.AsyncClient(timeout=2) as http:

            async def ok() -> bool:
                return (await http.get(f"{node.monitor_url}/healthz")).status_code == 200

            await eventually(ok, within=within, what=f"{node.name} healthy", ignore=(httpx.HTTPError,))

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes), return_exceptions=True)

    async def leader_of(self, broker: Broker, stream: str) -> EmbeddedNats:
        """Return the node leading a stream's replicas (the one whose loss matters most)."""
        info = await broker.js.stream_info(stream)
        leader = info.cluster.leader if info.cluster else None
        return next((node for node in self.nodes if node.name == leader), self.nodes[0])


# -------------------------------------------------------------------------------- recorder


@dataclass(frozen=True)
class Call:
    """One run of the task body."""

    execution_id: str
    task_run_id: str
    attempt: int
    pid: int | None


class Recorder:
    """An HTTP server noting each call to /record/<execution>/<task run>/<attempt>."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        # The processes whose connections tell which one made a call.
        self.pids: Callable[[], list[int]] = list
        self._server: asyncio.Server | None = None

    def uri(self) -> str:
        """Return the template of the body's URI (the flow renders it per task run)."""
        return (
            f"http://127.0.0.1:{self.port}/record/{{{{ execution.id }}}}/{{{{ taskrun.id }}}}"
            "/{{ taskrun.attemptsCount }}"
        )

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _caller(self, port: int) -> int | None:
        for pid in self.pids():
            with contextlib.suppress(psutil.Error):
                if any(c.laddr and c.laddr.port == port for c in psutil.Process(pid).net_connections("tcp")):
                    return pid
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_port = writer.get_extra_info("peername")[1]
        try:
            while request := await reader.readline():
                headers = await reader.readuntil(b"\r\n\r\n") if request.strip() else b""
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in headers.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                if length:
                    await reader.readexactly(length)
                path = request.split(b" ")[1].decode()
                parts = path.strip("/").split("/")
                if len(parts) == 4 and parts[0] == "record":
                    pid = await asyncio.to_thread(self._caller, peer_port)
                    self.calls.append(Call(parts[1], parts[2], int(parts[3]), pid))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
            pass
        finally:
            writer.close()


# --------------------------------------------------------------------------------- cluster


@dataclass(eq=False)
class Cluster:
    """The NATS cluster, PostgreSQL, two processes per component, and a NATS client of the test."""

    work: Path
    nats: NatsCluster
    postgres: EmbeddedPostgres
    deployment: Deployment
    broker: Broker
    recorder: Recorder
    api_addresses: list[str]
    dsn: str
    # Processes killed on purpose (their exit code is -SIGKILL).
    killed: set[str] = field(default_factory=set)
    _serial: Counter[str] = field(default_factory=Counter)

    def common(self) -> list[str]:
        return [
            *("--nats-url", self.nats.url),
            *("--nats-replicas", str(REPLICAS)),
            *("--nats-monitor-url", self.nats.monitor_url),
            *("--postgres-dsn", self.dsn),
            *("--data-dir", str(self.work / "data")),
        ]

    def spawn(self, component: str, api_address: str | None = None) -> Process:
        """Start one more `flowmesh server <component>` process of the cluster."""
        self._serial[component] += 1
        name = f"{component}-{self._serial[component]}"
        env = {"FLOWMESH_HEALTH_PORT": "0"}
        if component == "worker":
            env["FLOWMESH_WORKER_ACK_WAIT_SECONDS"] = WORKER_ACK_WAIT
        if component == "api":
            # Auth is on by default for an api of its own; these tests are about faults.
            env["FLOWMESH_AUTH_ENABLED"] = "false"
        address = ["--api-address", api_address] if api_address else []
        return self.deployment.spawn(name, component, *self.common(), *address, env=env)

    def running(self, component: str) -> list[Process]:
        return [p for p in self.deployment.processes if p.name.startswith(f"{component}-") and p.alive()]

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.running("worker")]

    async def kill(self, process: Process) -> None:
        """SIGKILL a process, as a crash would."""
        process.popen.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.popen.wait, 30)
        self.killed.add(process.name)

    async def ready(self, process: Process) -> None:
        line = {"executor": "executor_started", "worker": "worker_started", "indexer": "indexer_started"}
        kind = process.name.split("-")[0]
        await self.deployment.wait_for_line(process, line.get(kind, "components_started"), within=120)

    def channel(self) -> grpc.aio.Channel:
        """Return a channel spreading calls over both apis."""
        target = "ipv4:" + ",".join(self.api_addresses)
        return grpc.aio.insecure_channel(target, options=[("grpc.lb_policy_name", "round_robin")])


@contextlib.asynccontextmanager
async def cluster(work: Path) -> AsyncIterator[Cluster]:
    """Run the whole cluster; at the end SIGTERM every process, which must exit 0 unless killed."""
    # Not under pytest's 0700 basetemp: the embedded PostgreSQL runs as `nobody` when we are root.
    pg_dir = Path(tempfile.mkdtemp(prefix="flowmesh-cluster-pg-"))
    pg_dir.chmod(0o711)
    nats = NatsCluster(work)
    postgres = EmbeddedPostgres(pg_dir)
    deployment = Deployment("cluster", work)
    for node in nats.nodes:
        deployment.other_logs[node.name] = node.log_file
    deployment.other_logs["postgres"] = postgres.log_file
    recorder = Recorder()
    codes: dict[str, int | None] = {}
    running: Cluster | None = None
    try:
        await asyncio.gather(nats.start(), postgres.start(), recorder.start())
        broker = await Broker.connect(nats.url, name="flowmesh-test")
        try:
            apis = [f"127.0.0.1:{free_port()}" for _ in range(2)]
            dsn = postgres.dsn.rsplit("/", 1)[0] + "/flowmesh"
            running = Cluster(work, nats, postgres, deployment, broker, recorder, apis, dsn)
            recorder.pids = running.worker_pids
            # One api first: it makes the database, which two at once could both try.
            first = running.spawn("api", apis[0])
            await running.ready(first)
            running.spawn("api", apis[1])
            for component in ("executor", "worker", "scheduler", "indexer"):
                for _ in range(2):
                    running.spawn(component)
            await asyncio.gather(*(running.ready(p) for p in deployment.processes))
            yield running
        finally:
            codes = await deployment.stop()
            await broker.close()
    finally:
        await recorder.stop()
        await nats.stop()
        await postgres.stop()
        deployment.keep_other_logs()
        shutil.rmtree(pg_dir, ignore_errors=True)
    killed = running.killed if running is not None else set()
    survivors = {name: code for name, code in codes.items() if name not in killed}
    assert survivors == dict.fromkeys(survivors, 0), f"exit codes after SIGTERM: {survivors}"
    deployment.retire()


# -------------------------------------------------------------------------------- workload


def load_flow(flow_id: str, recorder: Recorder) -> str:
    """A flow of two tasks: the body (a call to the recorder), then a Return of the input."""
    return f"""\
id: {flow_id}
namespace: {NAMESPACE}
inputs:
  - id: n
    type: INT
tasks:
  - id: body
    type: io.kestra.plugin.core.http.Request
    uri: "{recorder.uri()}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "n={{{{ inputs.n }}}}"
"""


@dataclass
class Result:
    """What a workload came to."""

    name: str
    flow_id: str
    ids: list[str] = field(repr=False)
    seconds: float
    ended: int
    succeeded: int
    # Executions submitted that did not end SUCCESS, or ended without their body having run.
    lost: int
    # Task runs whose body ran more than twice; and more than once.
    over_twice: int
    duplicated: int
    # Executions that ended while the fault lasted.
    during_fault: int
    # The runs of each body run more than once.
    repeated: dict[str, list[Call]] = field(default_factory=dict)


# A fault: given the cluster, bring it on, and return what takes it away again.
Fault = Callable[[Cluster], Awaitable[Callable[[], Awaitable[None]]]]


async def run_workload(
    running: Cluster,
    name: str,
    fault: Fault | None = None,
    *,
    count: int = EXECUTIONS,
    fault_after: int = 40,
    fault_until: Callable[[int, float], bool] | None = None,
) -> Result:
    """Run `count` executions; once `fault_after` have ended bring the fault on, and take it
    away once `fault_until(executions ended since, seconds since)` holds (by default: once
    20 have ended). Return the counts.
    """
    flow_id = f"load-{name}-{uuid.uuid4().hex[:6]}"
    channel = running.channel()
    store = ExecutionStore(running.broker)
    started = time.monotonic()
    ids: list[str] = []
    ended: dict[str, int] = {}
    during = 0
    try:
        await _retrying(
            lambda: FlowServiceStub(channel).CreateFlow(
                CreateFlowRequest(
                    tenant="main", source=load_flow(flow_id, running.recorder), request_id=flow_id
                ),
                timeout=10,
            )
        )
        submitter = asyncio.create_task(_submit(channel, flow_id, count, ids))

        async def ended_now() -> int:
            pending = [i for i in ids if i not in ended]
            for execution_id, stored in zip(
                pending, await asyncio.gather(*(store.get(i) for i in pending)), strict=True
            ):
                if stored is not None and is_terminal(stored.execution.state.current):
                    ended[execution_id] = stored.execution.state.current
            return len(ended)

        async def reached(target: int) -> bool:
            return await ended_now() >= target

        if fault is not None:
            await eventually(
                lambda: reached(fault_after),
                within=WORKLOAD_SECONDS,
                what=f"{fault_after} ended",
                ignore=_NATS_AWAY,
            )
            recover = await fault(running)
            before, since = len(ended), time.monotonic()
            until = fault_until or (lambda n, _: n >= 20)

            async def fault_over() -> bool:
                return until(await ended_now() - before, time.monotonic() - since)

            await eventually(
                fault_over, within=WORKLOAD_SECONDS, what="executions end during the fault", ignore=_NATS_AWAY
            )
            during = len(ended) - before
            await recover()
        await asyncio.wait_for(submitter, WORKLOAD_SECONDS)
        await eventually(
            lambda: reached(count),
            within=WORKLOAD_SECONDS - (time.monotonic() - started),
            what=f"all {count} executions of {flow_id} end",
            ignore=_NATS_AWAY,
        )
    finally:
        await channel.close()
    seconds = time.monotonic() - started
    calls = [call for call in running.recorder.calls if call.execution_id in ended]
    runs = Counter(call.task_run_id for call in calls)
    ran = {call.execution_id for call in running.recorder.calls}
    succeeded = sum(1 for state in ended.values() if state == SUCCESS)
    lost = count - sum(1 for i, state in ended.items() if state == SUCCESS and i in ran)
    return Result(
        name=name,
        flow_id=flow_id,
        ids=ids,
        seconds=round(seconds, 1),
        ended=len(ended),
        succeeded=succeeded,
        lost=lost,
        over_twice=sum(1 for n in runs.values() if n > 2),
        duplicated=sum(1 for n in runs.values() if n > 1),
        during_fault=during,
        repeated={run: [c for c in calls if c.task_run_id == run] for run, n in runs.items() if n > 1},
    )


async def _submit(channel: grpc.aio.Channel, flow_id: str, count: int, ids: list[str]) -> None:
    """Start count executions, a few at a time; each call retried (idempotently) until it answers."""
    stub = ExecutionServiceStub(channel)
    slots = asyncio.Semaphore(_SUBMITTING)

    async def one(n: int) -> None:
        request = CreateExecutionRequest(
            tenant="main", namespace=NAMESPACE, flow_id=flow_id, request_id=f"{flow_id}-{n}"
        )
        request.inputs.update({"n": n})
        async with slots:
            execution = await _retrying(lambda: stub.CreateExecution(request, timeout=15))
        ids.append(execution.id)

    await asyncio.gather(*(one(n) for n in range(count)))


T = TypeVar("T")
# What reading the executions bucket may raise while a NATS node is away.
_NATS_AWAY = (NatsError, TimeoutError)
_RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL}


async def _retrying(call: Callable[[], Awaitable[T]], within: float = 120.0) -> T:
    """Return call()'s answer, calling again while it fails for a reason that can pass."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() not in _RETRIED or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------------------------- faults


async def nats_node_killed(running: Cluster) -> Callable[[], Awaitable[None]]:
    """SIGKILL the NATS node leading the executor stream; recovering restarts it on its store."""
    node = await running.nats.leader_of(running.broker, EXECUTOR_STREAM)
    node.kill()

    async def restart() -> None:
        await node.start()
        await running.nats.healthy(node)

    return restart


async def executor_and_worker_killed(running: Cluster) -> Callable[[], Awaitable[None]]:
    """SIGKILL one executor and one worker; recovering starts a new one of each."""
    await asyncio.gather(
        running.kill(running.running("executor")[0]), running.kill(running.running("worker")[0])
    )

    async def replace() -> None:
        for component in ("executor", "worker"):
            await running.ready(running.spawn(component))

    return replace


async def postgres_stopped(running: Cluster) -> Callable[[], Awaitable[None]]:
    """Stop PostgreSQL; recovering starts it again (the workload decides how long it stays down)."""
    await running.postgres.stop()

    async def start() -> None:
        await running.postgres.start()

    return start


def lasted(seconds: float, ended: int = 20) -> Callable[[int, float], bool]:
    """A fault's end: once it has lasted `seconds` and `ended` executions ended meanwhile."""
    return lambda ended_since, seconds_since: ended_since >= ended and seconds_since >= seconds


async def wait_indexed(running: Cluster, result: Result, within: float = 180.0) -> None:
    """Wait until the repository holds every execution of the workload as SUCCESS."""

    async def all_there() -> bool:
        return not await missing_from_repository(running, result)

    await eventually(
        all_there, within=within, what=f"the {len(result.ids)} executions of {result.flow_id} indexed"
    )


async def missing_from_repository(running: Cluster, result: Result) -> set[str]:
    """Return the workload's executions that the repository does not hold as SUCCESS."""
    connection = await asyncpg.connect(running.dsn)
    try:
        rows = await connection.fetch(
            "SELECT id FROM executions"
            " WHERE tenant_id = 'main' AND namespace = $1 AND flow_id = $2 AND state = $3",
            NAMESPACE,
            result.flow_id,
            SUCCESS,
        )
    finally:
        await connection.close()
    return set(result.ids) - {row["id"] for row in rows}
