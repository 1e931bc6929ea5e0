"""What the end-to-end tests share: flowmesh processes with their logs, REST calls, flows."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from flowmesh.embedded import free_port
from tests.waiting import eventually

FLOWMESH = [sys.executable, "-m", "flowmesh.cli", "server"]
API = "/api/v1/main"
YAML = {"Content-Type": "application/x-yaml"}
# How long a process may take to stop after SIGTERM before the test calls it hung.
STOP_SECONDS = 30.0
TERMINAL = frozenset({"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"})

T = TypeVar("T")

# ------------------------------------------------------------------------------ processes


@dataclass
class Process:
    """One flowmesh process and the file its stdout and stderr go to."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


@dataclass(eq=False)
class Deployment:
    """The processes of one deployment; a failing test's report shows the tails of their logs."""

    name: str
    work: Path
    processes: list[Process] = field(default_factory=list)
    # Logs of servers that are not flowmesh processes (embedded NATS, PostgreSQL).
    other_logs: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        LIVE.append(self)

    def spawn(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> Process:
        """Start `flowmesh server <args>` with its output in <work>/<name>.log."""
        log = self.work / f"{name}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("FLOWMESH_")}
        environment.update(env or {})
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [*FLOWMESH, *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    async def stop(self) -> dict[str, int | None]:
        """SIGTERM every live process, wait for each, and return the exit codes by name.

        A process still running after STOP_SECONDS is killed and reported as None.
        """
        for process in self.processes:
            if process.alive():
                process.popen.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for process in self.processes:
            try:
                codes[process.name] = await asyncio.to_thread(process.popen.wait, STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                await asyncio.to_thread(process.popen.wait)
                codes[process.name] = None
        return codes

    def keep_other_logs(self) -> None:
        """Copy the servers' logs into the work dir, before their data dir is removed."""
        for name, path in list(self.other_logs.items()):
            if path.is_relative_to(self.work):
                continue
            kept = self.work / f"{name}.server.log"
            with contextlib.suppress(OSError):
                shutil.copyfile(path, kept)
                self.other_logs[name] = kept

    def retire(self) -> None:
        """Take the deployment out of failure reports (once it has stopped cleanly)."""
        if self in LIVE:
            LIVE.remove(self)

    def tails(self, lines: int = 40) -> str:
        """Return the last lines of every log of the deployment."""
        parts = []
        logs = [(p.name, p.log, p.popen.returncode) for p in self.processes]
        logs += [(name, path, None) for name, path in self.other_logs.items()]
        for name, path, code in logs:
            try:
                text = path.read_text(errors="replace")
            except OSError as error:
                text = f"<unreadable: {error}>"
            tail = "\n".join(text.splitlines()[-lines:])
            status = "" if code is None else f", exit code {code}"
            parts.append(f"----- {name} ({path}{status})\n{tail}")
        return "\n".join(parts)

    async def wait_for_line(self, process: Process, text: str, *, within: float = 60.0) -> None:
        """Wait until the process has written text to its log; fail if it exits first."""

        async def written() -> bool:
            if not process.alive():
                pytest.fail(f"{process.name} exited with code {process.popen.returncode}")
            return text in process.text()

        await eventually(written, within=within, what=f"{process.name} logs {text!r}")


# Deployments running now: conftest's report hook appends their log tails to failures.
LIVE: list[Deployment] = []


@contextlib.asynccontextmanager
async def standalone(work: Path, *, env: Mapping[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Run `flowmesh server standalone` on a free port with a fresh data dir; stop it with SIGTERM.

    Yield a client of its gateway once it is up. The server's logs go to work; env adds
    variables to its environment. SIGTERM is a graceful shutdown: the exit code must be 0.
    """
    # Not under pytest's 0700 basetemp: the embedded PostgreSQL runs as `nobody` when we are root.
    data = Path(tempfile.mkdtemp(prefix="flowmesh-e2e-"))
    data.chmod(0o711)
    port = free_port()
    deployment = Deployment("standalone", work)
    deployment.other_logs["postgres"] = data / "data" / "postgres" / "log" / "postgres.log"
    deployment.other_logs["nats"] = data / "data" / "nats" / "nats-server.log"
    # A free gRPC port unless env names one: several servers may run on this machine at once.
    env = {"FLOWMESH_API_ADDRESS": f"127.0.0.1:{free_port()}", **(env or {})}
    server = deployment.spawn(
        "standalone", "standalone", "--port", str(port), "--data-dir", str(data / "data"), env=env
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            await wait_healthy(http, deployment)
            await deployment.wait_for_line(server, f"flowmesh is up: http://127.0.0.1:{port}")
            yield http
    finally:
        codes = await deployment.stop()
        deployment.keep_other_logs()
        shutil.rmtree(data, ignore_errors=True)
    assert codes == {"standalone": 0}
    deployment.retire()


# ----------------------------------------------------------------------------------- waiting


async def wait_healthy(client: httpx.AsyncClient, deployment: Deployment, *, within: float = 90.0) -> None:
    """Wait until the gateway answers GET /health with 200; fail as soon as a process exits."""

    async def healthy() -> bool:
        for process in deployment.processes:
            if not process.alive():
                pytest.fail(f"{process.name} exited with code {process.popen.returncode} during start")
        try:
            return (await client.get("/health")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(healthy, within=within, what="GET /health answers 200")


# -------------------------------------------------------------------------------------- REST


async def deploy(client: httpx.AsyncClient, source: str, *, api: str = API) -> dict[str, Any]:
    """Create a flow from its YAML source and return the stored flow (api: the tenant's root path)."""
    response = await client.post(f"{api}/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def execute(
    client: httpx.AsyncClient,
    namespace: str,
    flow_id: str,
    inputs: Mapping[str, str] | None = None,
    *,
    wait: bool = True,
    within: float = 60.0,
) -> httpx.Response:
    """Start an execution with inputs as multipart form fields, as Kestra's UI sends them.

    With wait, the answer comes when the execution has ended: a test fails after `within`
    seconds, showing the executions of the flow that have not ended.
    """
    files = {name: (None, value) for name, value in (inputs or {}).items()}
    try:
        return await client.post(
            f"{API}/executions/{namespace}/{flow_id}",
            params={"wait": "true"} if wait else None,
            files=files or None,
            timeout=within,
        )
    except httpx.ReadTimeout:
        pytest.fail(
            f"an execution of {namespace}.{flow_id} did not end within {within:.0f} s; "
            f"unfinished: {await unfinished(client, namespace, flow_id)}"
        )


async def unfinished(client: httpx.AsyncClient, namespace: str, flow_id: str) -> list[str]:
    """Describe the flow's executions that have not ended (as far as the indexer has seen)."""
    page = await search_executions(client, namespace, flow_id)
    described = []
    for item in page["results"]:
        if item["state"]["current"] in TERMINAL:
            continue
        described.append(describe(await get_execution(client, item["id"])))
    return described


async def get_execution(client: httpx.AsyncClient, execution_id: str, *, api: str = API) -> dict[str, Any]:
    response = await client.get(f"{api}/executions/{execution_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def wait_ended(client: httpx.AsyncClient, execution_id: str, *, within: float = 60.0) -> dict[str, Any]:
    """Poll the execution until it is in a terminal state; return it, or fail showing where it is."""
    last: dict[str, Any] = {}

    async def ended() -> dict[str, Any] | None:
        nonlocal last
        last = await get_execution(client, execution_id)
        return last if last["state"]["current"] in TERMINAL else None

    try:
        return await eventually(ended, within=within, what=f"execution {execution_id} ends")
    except pytest.fail.Exception:
        pytest.fail(f"execution {execution_id} did not end within {within:.0f} s: {describe(last)}")


def describe(execution: Mapping[str, Any]) -> str:
    """Return an execution's state and its task runs' states and workers, on one line."""
    runs = ", ".join(
        f"{run['taskId']}={run['state']['current']}{[attempt['workerId'] for attempt in run['attempts']]}"
        for run in execution.get("taskRunList", [])
    )
    return f"{execution.get('id')} {execution.get('state', {}).get('current')}: {runs}"


async def logs_of(
    client: httpx.AsyncClient, execution_id: str, expected: list[str], *, within: float = 30.0
) -> list[dict[str, Any]]:
    """Poll GET /logs/{id} until every expected message is there (logs are indexed late)."""

    async def indexed() -> list[dict[str, Any]] | None:
        response = await client.get(f"{API}/logs/{execution_id}")
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()
        messages = {entry["message"] for entry in entries}
        return entries if all(message in messages for message in expected) else None

    return await eventually(indexed, within=within, what=f"logs {expected} of {execution_id} indexed")


async def search_executions(
    client: httpx.AsyncClient, namespace: str, flow_id: str, *, api: str = API
) -> dict[str, Any]:
    response = await client.get(
        f"{api}/executions/search", params={"namespace": namespace, "flowId": flow_id, "size": 1000}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def indexed_execution(
    client: httpx.AsyncClient, execution: dict[str, Any], *, within: float = 30.0
) -> dict[str, Any]:
    """Poll executions/search until it lists the execution in its final state; return the page."""

    async def found() -> dict[str, Any] | None:
        page = await search_executions(client, execution["namespace"], execution["flowId"])
        states = {item["id"]: item["state"]["current"] for item in page["results"]}
        return page if states.get(execution["id"]) == execution["state"]["current"] else None

    return await eventually(found, within=within, what=f"execution {execution['id']} indexed")


async def sse(client: httpx.AsyncClient, path: str, *, within: float = 30.0) -> list[tuple[str, Any]]:
    """Read a Server-Sent Events stream to its end; return (event name, parsed data) pairs."""
    events: list[tuple[str, Any]] = []
    async with asyncio.timeout(within), client.stream("GET", path) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", list[str]()
        async for line in response.aiter_lines():
            if not line:
                if data:
                    events.append((name, json.loads("\n".join(data))))
                name, data = "message", []
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").removeprefix(" "))
            elif line.startswith("event:"):
                name = line.removeprefix("event:").strip()
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def runs_by_task(execution: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["taskId"]: run for run in execution["taskRunList"]}


# ------------------------------------------------------------------------------------- flows

NAMESPACE = "e2e.flows"

# STRING, INT and BOOLEAN inputs; Log, Parallel and Return, outputs rendered from inputs.
HELLO_FLOW = f"""\
id: hello
namespace: {NAMESPACE}
description: greets, then fans out
inputs:
  - id: name
    type: STRING
  - id: count
    type: INT
  - id: loud
    type: BOOLEAN
    defaults: false
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{{{ inputs.name }}}} x{{{{ inputs.count }}}}"
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: shout
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ inputs.name | upper }}}}"
      - id: next
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ inputs.count + 1 }}}}"
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.shout.value }}}}-{{{{ outputs.next.value }}}}-{{{{ inputs.loud }}}}"
"""
HELLO_INPUTS = {"name": "bob", "count": "41", "loud": "true"}
HELLO_ORDER = ["greet", "fan", "shout", "next", "done"]


def file_flow(flow_id: str, namespace: str, **values: str) -> str:
    """Return a flow with a FILE input `data` whose one task, `read`, outputs values (templates).

    The flow the file tests upload to: what a worker makes of the file shows in its outputs.
    """
    outputs = "".join(f'\n      {name}: "{template}"' for name, template in values.items())
    return f"""\
id: {flow_id}
namespace: {namespace}
inputs:
  - id: data
    type: FILE
tasks:
  - id: read
    type: io.kestra.plugin.core.output.OutputValues
    values:{outputs}
"""


async def check_hello_run(client: httpx.AsyncClient) -> dict[str, Any]:
    """Run HELLO_FLOW (deployed already) with HELLO_INPUTS and check all it must show."""
    response = await execute(client, NAMESPACE, "hello", HELLO_INPUTS)
    assert response.status_code == 200, response.text
    execution = response.json()
    assert execution["state"]["current"] == "SUCCESS", execution
    # Form fields are strings: each is converted to its declared type.
    assert execution["inputs"] == {"name": "bob", "count": 41, "loud": True}
    runs = execution["taskRunList"]
    assert [run["taskId"] for run in runs] == HELLO_ORDER
    assert all(run["state"]["current"] == "SUCCESS" for run in runs), runs
    by_task = runs_by_task(execution)
    fan_id = by_task["fan"]["id"]
    assert by_task["shout"]["parentTaskRunId"] == fan_id
    assert by_task["next"]["parentTaskRunId"] == fan_id
    assert by_task["greet"]["parentTaskRunId"] is None
    assert by_task["shout"]["outputs"] == {"value": "BOB"}
    assert by_task["next"]["outputs"] == {"value": "42"}
    assert by_task["done"]["outputs"] == {"value": "BOB-42-true"}
    # Runnable tasks ran once on a worker; the flowable Parallel ran in the executor.
    for task_id in ("greet", "shout", "next", "done"):
        attempts = by_task[task_id]["attempts"]
        assert len(attempts) == 1, attempts
        assert attempts[0]["state"]["current"] == "SUCCESS"
        assert attempts[0]["workerId"], attempts
    assert by_task["fan"]["attempts"] == []
    # Histories run forward: CREATED, RUNNING, SUCCESS.
    histories = [h["state"] for h in execution["state"]["histories"]]
    assert histories == ["CREATED", "RUNNING", "SUCCESS"]

    fetched = await get_execution(client, execution["id"])
    assert fetched["state"]["current"] == "SUCCESS"
    assert [run["taskId"] for run in fetched["taskRunList"]] == HELLO_ORDER
    assert runs_by_task(fetched)["done"]["outputs"] == {"value": "BOB-42-true"}

    entries = await logs_of(client, execution["id"], ["hello bob x41"])
    greeting = next(entry for entry in entries if entry["message"] == "hello bob x41")
    assert greeting["level"] == "INFO"
    assert greeting["taskId"] == "greet"
    assert greeting["taskRunId"] == by_task["greet"]["id"]
    assert greeting["executionId"] == execution["id"]
    return dict(execution)
