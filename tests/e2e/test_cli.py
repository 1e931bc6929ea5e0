"""The `flowmesh` command against a standalone server, run as a user runs it: a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from flowmesh.embedded import free_port
from tests.e2e.harness import API, YAML, get_execution, standalone
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

FLOWMESH = str(Path(sys.executable).parent / "flowmesh")
NAMESPACE = "e2e.cli"

HELLO = f"""\
id: hello
namespace: {NAMESPACE}
inputs:
  - id: name
    type: STRING
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{{{ inputs.name }}}}"
  - id: shout
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ inputs.name | upper }}}}"
"""

READER = f"""\
id: reader
namespace: {NAMESPACE}
inputs:
  - id: data
    type: FILE
tasks:
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ read(inputs.data) }}}}"
"""

FAILS = f"""\
id: fails
namespace: {NAMESPACE}
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: about to fail
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: on purpose
"""

BAD = f"""\
id: bad
namespace: {NAMESPACE}
tasks:
  - id: nothing
    type: io.kestra.plugin.core.log.NoSuchTask
"""


@dataclass
class Server:
    http: httpx.AsyncClient
    address: str


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    address = f"127.0.0.1:{free_port()}"
    async with standalone(tmp_path_factory.mktemp("cli"), env={"FLOWMESH_API_ADDRESS": address}) as http:
        yield Server(http, address)


async def flowmesh(server: Server, *args: str) -> Ran:
    """Run `flowmesh args...` with FLOWMESH_SERVER naming the server; return its status and output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FLOWMESH_")}
    environment["FLOWMESH_SERVER"] = server.address
    done = await asyncio.to_thread(
        subprocess.run, [FLOWMESH, *args], capture_output=True, text=True, env=environment, timeout=120
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(
        tmp_path / "good",
        {
            "flows/hello.yml": HELLO,
            "flows/more/fails.yaml": FAILS,
            "flows/reader.yml": READER,
            f"files/{NAMESPACE}/scripts/hello.sh": "echo hello\n",
        },
    )


async def test_validate_passes_a_good_folder_and_names_the_file_and_field_of_a_bad_one(
    server: Server, good: Path, tmp_path: Path
) -> None:
    ok = await flowmesh(server, "flow", "validate", str(good))
    assert ok.code == 0, ok
    assert f"{NAMESPACE}.hello is valid" in ok.out
    assert f"{NAMESPACE}.fails is valid" in ok.out

    bad = write(tmp_path / "bad", {"ok.yml": HELLO, "broken.yml": BAD})
    for local in ([], ["--local"]):
        refused = await flowmesh(server, "flow", "validate", str(bad), *local)
        assert refused.code == 1, refused
        broken = next(line for line in refused.out.splitlines() if "broken.yml" in line)
        assert f"{bad / 'broken.yml'}:5:" in broken, refused.out
        assert "tasks[0].type" in broken, refused.out
        assert f"{NAMESPACE}.hello is valid" in refused.out

    as_json = await flowmesh(server, "flow", "validate", str(bad / "broken.yml"), "--output", "json")
    assert as_json.code == 1
    [result] = json.loads(as_json.out)
    assert result["valid"] is False
    assert result["flow"] == "bad"
    assert result["violations"][0]["path"] == "tasks[0].type"


async def test_deploy_syncs_a_folder_and_a_second_deploy_changes_nothing(
    server: Server, good: Path, tmp_path: Path
) -> None:
    first = await flowmesh(server, "flow", "deploy", str(good))
    assert first.code == 0, first
    assert "flows: 3 created, 0 updated, 0 unchanged, 0 deleted" in first.out
    assert "namespace files: 1 created, 0 updated, 0 unchanged, 0 deleted" in first.out
    stored = await server.http.get(f"{API}/flows/{NAMESPACE}/hello")
    assert stored.json()["revision"] == 1
    script = await server.http.get(
        f"{API}/namespaces/{NAMESPACE}/files", params={"path": "/scripts/hello.sh"}
    )
    assert script.status_code == 200, script.text
    assert script.content == b"echo hello\n"

    second = await flowmesh(server, "flow", "deploy", str(good))
    assert second.code == 0, second
    assert "flows: 0 created, 0 updated, 3 unchanged, 0 deleted" in second.out
    assert "namespace files: 0 created, 0 updated, 1 unchanged, 0 deleted" in second.out

    # A dry run says what would change and changes nothing; then --delete prunes.
    (good / "flows/hello.yml").write_text(HELLO.replace("hello {{", "hi {{"))
    (good / "flows/more/fails.yaml").unlink()
    dry = await flowmesh(server, "flow", "deploy", str(good), "--delete", "--dry-run", "--output", "json")
    assert dry.code == 0, dry
    summary = json.loads(dry.out)
    assert summary["dryRun"] is True
    assert summary["flows"]["updated"] == [{"namespace": NAMESPACE, "id": "hello"}]
    assert summary["flows"]["deleted"] == [{"namespace": NAMESPACE, "id": "fails"}]
    assert summary["namespaceFiles"]["unchanged"] == [{"namespace": NAMESPACE, "path": "/scripts/hello.sh"}]
    assert (await server.http.get(f"{API}/flows/{NAMESPACE}/hello")).json()["revision"] == 1

    async def pruned() -> Ran | None:
        # --delete finds the namespace's flows through the search index, which follows the store.
        ran = await flowmesh(server, "flow", "deploy", str(good), "--delete")
        assert ran.code == 0, ran
        return ran if f"flow {NAMESPACE}.fails deleted" in ran.out else None

    applied = await eventually(pruned, within=30, what="deploy --delete removes fails")
    assert "flows: 0 created, 1 updated, 1 unchanged, 1 deleted" in applied.out
    assert (await server.http.get(f"{API}/flows/{NAMESPACE}/fails")).status_code == 404
    assert (await server.http.get(f"{API}/flows/{NAMESPACE}/hello")).json()["revision"] == 2

    refused = await flowmesh(server, "flow", "deploy", str(write(tmp_path / "bad", {"broken.yml": BAD})))
    assert refused.code == 1
    assert "tasks[0].type" in refused.out
    assert "nothing was deployed" in refused.err
    assert (await server.http.get(f"{API}/flows/{NAMESPACE}/bad")).status_code == 404


async def test_list_and_an_export_that_deploys_back_unchanged(
    server: Server, good: Path, tmp_path: Path
) -> None:
    assert (await flowmesh(server, "flow", "deploy", str(good))).code == 0

    async def listed() -> Ran | None:
        ran = await flowmesh(server, "flow", "list", "--namespace", NAMESPACE, "--output", "json")
        assert ran.code == 0, ran
        return ran if {flow["id"] for flow in json.loads(ran.out)} >= {"hello", "reader"} else None

    await eventually(listed, within=30, what="flow list shows the deployed flows")
    table = await flowmesh(server, "flow", "list", "--namespace", NAMESPACE)
    header, *rows = table.out.splitlines()
    assert header.split() == ["NAMESPACE", "ID", "REVISION", "DISABLED", "UPDATED"]
    assert any(row.split()[:2] == [NAMESPACE, "reader"] for row in rows), table.out

    exported = await flowmesh(server, "flow", "export", "--namespace", NAMESPACE, str(tmp_path / "out"))
    assert exported.code == 0, exported
    assert (tmp_path / "out" / NAMESPACE / "reader.yml").read_text() == READER
    again = await flowmesh(server, "flow", "deploy", str(tmp_path / "out"))
    assert again.code == 0, again
    assert " 0 created, 0 updated," in again.out.splitlines()[-2], again.out


async def test_run_with_wait_exits_by_the_executions_end(server: Server, good: Path, tmp_path: Path) -> None:
    assert (await flowmesh(server, "flow", "deploy", str(good))).code == 0

    succeeded = await flowmesh(
        server, "execution", "run", NAMESPACE, "hello", "--input", "name=ann", "--wait", "--output", "json"
    )
    assert succeeded.code == 0, succeeded
    execution = json.loads(succeeded.out)
    assert execution["state"]["current"] == "STATE_TYPE_SUCCESS"
    assert execution["inputs"]["name"] == "ann"

    failed = await flowmesh(server, "execution", "run", NAMESPACE, "fails", "--wait")
    assert failed.code == 1, failed
    assert "FAILED" in failed.out

    absent = await flowmesh(server, "execution", "run", NAMESPACE, "reader", "--file", "data=/no/such/file")
    assert absent.code == 2
    assert "no such file: /no/such/file" in absent.err

    data = tmp_path / "data.txt"
    data.write_text("from a file")
    read = await flowmesh(server, "execution", "run", NAMESPACE, "reader", "--file", f"data={data}", "--wait")
    assert read.code == 0, read
    execution_id = read.out.split()[1]
    runs = (await get_execution(server.http, execution_id))["taskRunList"]
    assert runs[0]["outputs"] == {"value": "from a file"}

    started = await flowmesh(server, "execution", "run", NAMESPACE, "hello", "--input", "name=bo")
    assert started.code == 0, started
    assert started.out.startswith("execution ")

    missing = await flowmesh(server, "execution", "run", NAMESPACE, "hello")
    assert missing.code == 1
    assert "INPUTS_INVALID" in missing.err
    assert "  inputs.name: " in missing.err

    unknown = await flowmesh(server, "execution", "run", NAMESPACE, "nope", "--wait")
    assert unknown.code == 1
    assert "NOT_FOUND" in unknown.err


async def test_follow_shows_task_states_and_log_lines_then_logs_reads_them_back(
    server: Server, good: Path
) -> None:
    assert (await flowmesh(server, "flow", "deploy", str(good))).code == 0

    followed = await flowmesh(server, "execution", "run", NAMESPACE, "fails", "--follow")
    assert followed.code == 1, followed
    lines = followed.out.splitlines()
    assert "task before SUCCESS" in lines
    assert "task boom FAILED" in lines
    assert any(line.endswith("INFO  before: about to fail") for line in lines), followed.out
    execution_line = next(
        line for line in lines if line.startswith("execution ") and line.endswith(" FAILED")
    )
    execution_id = execution_line.split()[1]
    assert lines.index("task before SUCCESS") < lines.index(execution_line)

    following = await flowmesh(server, "logs", execution_id, "--follow", "--level", "info")
    assert following.code == 0, following
    assert any(line.endswith("INFO  before: about to fail") for line in following.out.splitlines())

    async def indexed() -> Ran | None:
        ran = await flowmesh(server, "logs", execution_id, "--output", "json")
        assert ran.code == 0, ran
        entries = [json.loads(line) for line in ran.out.splitlines()]
        return ran if any(entry["message"] == "about to fail" for entry in entries) else None

    await eventually(indexed, within=30, what="flowmesh logs shows the indexed lines")
    errors_only = await flowmesh(server, "logs", execution_id, "--level", "ERROR")
    assert "about to fail" not in errors_only.out


async def test_an_unreachable_server_is_named_without_a_traceback(server: Server) -> None:
    ran = await flowmesh(server, "flow", "list", "--server", f"127.0.0.1:{free_port()}", "--timeout", "5")
    assert ran.code == 1
    assert "cannot reach the flowmesh api at 127.0.0.1:" in ran.err
    assert "Traceback" not in ran.err


SCHEDULED = f"""\
id: scheduled
namespace: {NAMESPACE}
tasks:
  - id: hi
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
"""


async def test_kv_set_get_list_delete_in_a_namespace_and_another_tenant(server: Server) -> None:
    typed = await flowmesh(server, "kv", "set", NAMESPACE, "limits", '{"max": 3}', "--description", "caps")
    assert typed.code == 0, typed
    greeting = await flowmesh(
        server, "kv", "set", NAMESPACE, "greeting", "hello there", "--string", "--ttl", "P1D"
    )
    assert greeting.code == 0, greeting
    got = await flowmesh(server, "kv", "get", NAMESPACE, "greeting")
    assert (got.code, got.out) == (0, "hello there\n"), got
    as_json = await flowmesh(server, "kv", "get", NAMESPACE, "limits", "--output", "json")
    assert json.loads(as_json.out)["type"] == "KV_TYPE_JSON"
    assert json.loads((await flowmesh(server, "kv", "get", NAMESPACE, "limits")).out) == {"max": 3}
    listed = await flowmesh(server, "kv", "list", NAMESPACE)
    assert listed.code == 0, listed
    rows = {line.split()[0]: line for line in listed.out.splitlines()[1:]}
    assert set(rows) == {"greeting", "limits"}
    assert "caps" in rows["limits"]
    assert len(rows["greeting"].split()) == 3  # key, updated, expires: a TTL was given

    # --tenant names another tenant's store (auth is off on this loopback server).
    # Before the command or after it.
    assert (await flowmesh(server, "--tenant", "acme", "kv", "set", NAMESPACE, "only", "acme")).code == 0
    assert (await flowmesh(server, "kv", "get", NAMESPACE, "only", "--tenant", "acme")).out == "acme\n"
    missing = await flowmesh(server, "kv", "get", NAMESPACE, "only")
    assert missing.code == 1
    assert "NOT_FOUND" in missing.err

    deleted = await flowmesh(server, "kv", "delete", NAMESPACE, "greeting", "never-set")
    assert deleted.code == 1, deleted
    assert f"{NAMESPACE} greeting deleted" in deleted.out
    assert "never-set" in deleted.err
    after = await flowmesh(server, "kv", "list", NAMESPACE, "--output", "json")
    assert [entry["key"] for entry in json.loads(after.out)] == ["limits"]


async def test_trigger_list_disable_enable_and_unlock(server: Server) -> None:
    deployed = await server.http.post(f"{API}/flows", content=SCHEDULED, headers=YAML)
    assert deployed.status_code == 200, deployed.text
    listed = await flowmesh(server, "trigger", "list", "--namespace", NAMESPACE, "--flow", "scheduled")
    assert listed.code == 0, listed
    [row] = listed.out.splitlines()[1:]
    assert row.split()[:4] == [NAMESPACE, "scheduled", "yearly", "SCHEDULE"]
    assert "yes" not in row

    disabled = await flowmesh(server, "trigger", "disable", NAMESPACE, "scheduled", "yearly")
    assert disabled.code == 0, disabled
    as_json = await flowmesh(server, "trigger", "list", "--flow", "scheduled", "--output", "json")
    [item] = json.loads(as_json.out)
    assert item["state"]["disabled"] is True
    assert (await flowmesh(server, "trigger", "enable", NAMESPACE, "scheduled", "yearly")).code == 0
    as_json = await flowmesh(server, "trigger", "list", "--flow", "scheduled", "--output", "json")
    assert json.loads(as_json.out)[0]["state"].get("disabled", False) is False

    unlock = await flowmesh(server, "trigger", "unlock", NAMESPACE, "scheduled", "yearly")
    assert unlock.code == 1, unlock
    assert "TRIGGER_NOT_LOCKED" in unlock.err
    unknown = await flowmesh(server, "trigger", "disable", NAMESPACE, "scheduled", "no-such-trigger")
    assert (unknown.code, "NOT_FOUND" in unknown.err) == (1, True), unknown


async def test_nsfile_upload_list_download_and_delete(server: Server, tmp_path: Path) -> None:
    namespace = f"{NAMESPACE}.files"
    folder = write(tmp_path / "scripts", {"main.py": "print('hi')\n", "lib/util.py": "X = 1\n"})
    uploaded = await flowmesh(server, "nsfile", "upload", namespace, str(folder), "/scripts")
    assert uploaded.code == 0, uploaded
    single = write(tmp_path, {"notes.txt": "a note\n"}) / "notes.txt"
    assert (await flowmesh(server, "nsfile", "upload", namespace, str(single), "/docs/")).code == 0
    listed = await flowmesh(server, "nsfile", "list", namespace)
    assert listed.out.splitlines() == ["/docs/notes.txt", "/scripts/lib/util.py", "/scripts/main.py"]
    found = await flowmesh(server, "nsfile", "list", namespace, "--query", "util", "--output", "json")
    assert json.loads(found.out) == ["/scripts/lib/util.py"]

    to_stdout = await flowmesh(server, "nsfile", "download", namespace, "/scripts/main.py", "-")
    assert (to_stdout.code, to_stdout.out) == (0, "print('hi')\n")
    target = tmp_path / "copy.txt"
    assert (await flowmesh(server, "nsfile", "download", namespace, "/docs/notes.txt", str(target))).code == 0
    assert target.read_text() == "a note\n"
    absent = await flowmesh(server, "nsfile", "download", namespace, "/nope.txt", "-")
    assert (absent.code, absent.out) == (1, "")

    assert (await flowmesh(server, "nsfile", "delete", namespace, "/scripts")).code == 0
    assert (await flowmesh(server, "nsfile", "list", namespace)).out.splitlines() == ["/docs/notes.txt"]
    nothing = await flowmesh(server, "nsfile", "upload", namespace, str(tmp_path / "missing"))
    assert nothing.code == 2
