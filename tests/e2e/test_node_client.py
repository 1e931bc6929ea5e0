"""A Node.js program drives a flow over gRPC with @grpc/grpc-js and the generated TypeScript client.

sdk/typescript/examples/run_flow.ts deploys a flow, runs it with an input, follows it to its
end and reads its logs against the standalone server's api; it prints one JSON line per step.
sdk/go/examples/run_flow does the same with the generated Go client, and is checked alike.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowmesh.embedded import free_port
from tests.e2e.harness import get_execution, standalone
from tests.sdk import golang, typescript

pytestmark = pytest.mark.e2e

# The flow each client deploys, as {client}-hello.
FLOW = """\
id: {client}-hello
namespace: e2e.clients
inputs:
  - id: name
    type: STRING
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{{{ inputs.name }}}} from {client}"
  - id: shout
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ inputs.name | upper }}}}"
"""


@dataclass
class Program:
    client: str
    command: list[str]


@dataclass
class Server:
    http: httpx.AsyncClient
    api_address: str


@pytest.fixture(scope="module", params=["node", "go"])
def program(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Program:
    """Return the example program of one client, built."""
    if request.param == "node":
        node = shutil.which("node")
        dist = typescript.built()
        assert node is not None
        return Program("node", [node, str(dist / "examples" / "run_flow.js")])
    gopath = tmp_path_factory.mktemp("go")
    done = golang.go(gopath, "build", "-o", str(gopath / "run_flow"), "./examples/run_flow")
    assert done.returncode == 0, done.stderr
    return Program("go", [str(gopath / "run_flow")])


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    address = f"127.0.0.1:{free_port()}"
    async with standalone(tmp_path_factory.mktemp("node"), env={"FLOWMESH_API_ADDRESS": address}) as http:
        yield Server(http, address)


async def run_flow(
    program: Program, address: str, flow: Path, *inputs: str
) -> tuple[int, list[dict[str, Any]]]:
    """Run the example program; return its exit code and the events it printed."""
    process = await asyncio.create_subprocess_exec(
        *program.command,
        address,
        str(flow),
        *inputs,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(120):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"{program.command} did not end within 120 s")
    lines = out.decode().splitlines()
    assert lines, f"{program.command} printed nothing (exit {process.returncode}): {err.decode()}"
    return process.returncode or 0, [json.loads(line) for line in lines]


def of(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == name]


async def test_a_client_deploys_runs_follows_and_reads_the_logs_of_a_flow(
    program: Program, server: Server, tmp_path: Path
) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW.format(client=program.client))

    code, events = await run_flow(program, server.api_address, flow, "name=grpc")

    assert code == 0, events
    assert [e["event"] for e in events[:2]] == ["deployed", "created"], events
    assert of(events, "deployed") == [
        {"event": "deployed", "namespace": "e2e.clients", "id": f"{program.client}-hello", "revision": 1}
    ]
    created = of(events, "created")[0]
    execution_id = created["id"]
    assert created["state"] == "CREATED"
    states = [e["state"] for e in of(events, "state")]
    assert states[-1] == "SUCCESS", states
    assert "RUNNING" in states, states
    [ended] = of(events, "ended")
    assert ended["id"] == execution_id
    assert ended["state"] == "SUCCESS"
    assert ended["outputs"]["shout"] == {"value": "GRPC"}
    greeting = {
        "event": "log",
        "level": "INFO",
        "taskId": "greet",
        "message": f"hello grpc from {program.client}",
    }
    assert greeting in of(events, "log"), events
    assert all(e["event"] == "log" for e in events[events.index(ended) + 1 :]), events

    # The server agrees, through REST.
    execution = await get_execution(server.http, execution_id)
    assert execution["state"]["current"] == "SUCCESS"
    assert execution["inputs"] == {"name": "grpc"}


async def test_a_client_sees_a_bad_flow_refused_with_its_grpc_status(
    program: Program, server: Server, tmp_path: Path
) -> None:
    flow = tmp_path / "bad.yaml"
    flow.write_text("id: broken\nnamespace: e2e.clients\ntasks: []\n")

    code, events = await run_flow(program, server.api_address, flow)

    assert code == 1
    [error] = events
    assert error["event"] == "error"
    assert error["code"] == "INVALID_ARGUMENT", error
    assert error["details"], error
