"""Files through Kestra's REST API on the standalone server, once with each storage backend.

FILE inputs uploaded as multipart parts, an execution's files downloaded, measured and
previewed, namespace files created, listed, moved and deleted; with internal storage on
the local disk, then in an S3 bucket of a moto server process.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.harness import API, deploy, eventually, file_flow, standalone
from tests.s3server import S3Server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

NAMESPACE = "io.flowmesh.files"
FLOW = f"""
id: upload
namespace: {NAMESPACE}
inputs:
  - id: data
    type: FILE
  - id: note
    type: STRING
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.output.OutputValues
    values:
      uri: "{{{{ inputs.data }}}}"
"""
READER = file_flow(
    "reader",
    NAMESPACE,
    input="{{ read(inputs.data) }}",
    config="{{ read('conf/app.txt') }}",
    uri="{{ fileURI('conf/app.txt') }}",
)
# Reads a file of another execution: refused.
INTRUDER = file_flow(
    "intruder",
    NAMESPACE,
    other="{{ read('kestra:///io/flowmesh/files/upload/executions/x/inputs/data/a.txt') }}",
)
FETCH = f"""
id: fetch
namespace: {NAMESPACE}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message:
      - first words
      - second words
  - id: fetch
    type: io.kestra.plugin.core.log.Fetch
"""
FILES = f"{API}/namespaces/{NAMESPACE}/files"


@pytest.fixture(scope="module", params=["local", "s3"])
async def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the standalone server with internal storage on disk, or in a fresh bucket of moto."""
    env: dict[str, str] = {}
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        env = server.environment(f"e2e-{uuid.uuid4().hex[:12]}")
    async with standalone(tmp_path_factory.mktemp(f"files-{request.param}"), env=env) as http:
        await deploy(http, FLOW)
        await deploy(http, READER)
        await deploy(http, INTRUDER)
        await deploy(http, FETCH)
        yield http


async def _run_with_file(client: httpx.AsyncClient, name: str, content: bytes) -> dict[str, object]:
    response = await client.post(
        f"{API}/executions/{NAMESPACE}/upload",
        params={"wait": "true"},
        files={"data": (name, content, "text/plain"), "note": (None, "hi")},
    )
    assert response.status_code == 200, response.text
    execution = dict(response.json())
    assert execution["state"]["current"] == "SUCCESS", execution  # type: ignore[index]
    return execution


async def test_a_file_input_is_stored_where_kestra_keeps_it_and_downloads_whole(
    client: httpx.AsyncClient,
) -> None:
    # 3 MiB: many chunks up to the api and back.
    content = b"".join(f"line {n:07d}\n".encode() for n in range(3 * 1024 * 1024 // 13))

    execution = await _run_with_file(client, "big data.txt", content)

    uri = execution["inputs"]["data"]  # type: ignore[index]
    expected = f"kestra:///io/flowmesh/files/upload/executions/{execution['id']}/inputs/data/big%20data.txt"
    assert uri == expected
    assert execution["inputs"]["note"] == "hi"  # type: ignore[index]
    assert execution["taskRunList"][0]["outputs"]["values"]["uri"] == uri  # type: ignore[index]
    download = await client.get(f"{API}/executions/{execution['id']}/file", params={"path": uri})
    assert download.status_code == 200, download.text
    assert download.content == content
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''big%20data.txt"
    metas = await client.get(f"{API}/executions/{execution['id']}/file/metas", params={"path": uri})
    assert metas.json() == {"size": len(content)}


async def test_a_preview_shows_the_first_rows_and_says_when_it_cut(client: httpx.AsyncClient) -> None:
    execution = await _run_with_file(client, "rows.csv", b"a,b\n1,2\n3,4\n5,6\n")
    uri = execution["inputs"]["data"]  # type: ignore[index]
    url = f"{API}/executions/{execution['id']}/file/preview"

    cut = await client.get(url, params={"path": uri, "maxRows": 2})
    whole = await client.get(url, params={"path": uri, "maxRows": 10, "encoding": "ISO-8859-1"})
    bad = await client.get(url, params={"path": uri, "maxRows": 2, "encoding": "no-such-charset"})

    assert cut.json() == {"extension": "csv", "type": "TEXT", "content": "a,b\n1,2", "truncated": True}
    assert whole.json()["content"] == "a,b\n1,2\n3,4\n5,6"
    assert whole.json()["truncated"] is False
    assert bad.status_code == 422
    assert "unknown encoding" in bad.json()["message"]


async def test_paths_outside_the_execution_or_not_files_are_refused_clearly(
    client: httpx.AsyncClient,
) -> None:
    execution = await _run_with_file(client, "a.txt", b"a")
    earlier = await _run_with_file(client, "b.txt", b"b")
    url = f"{API}/executions/{execution['id']}/file"

    other_flow = await client.get(url, params={"path": "kestra:///io/flowmesh/other/executions/x/a.txt"})
    other_execution = await client.get(url, params={"path": earlier["inputs"]["data"]})  # type: ignore[index]
    escaping = await client.get(url, params={"path": "kestra:///io/flowmesh/files/upload/../../x"})
    not_storage = await client.get(url, params={"path": "file:///etc/passwd"})
    missing = await client.get(
        url, params={"path": f"kestra:///io/flowmesh/files/upload/executions/{execution['id']}/none"}
    )
    no_execution = await client.get(f"{API}/executions/nope/file", params={"path": "kestra:///a/b"})

    assert other_flow.status_code == 422
    assert f"is not a file of the execution {execution['id']}" in other_flow.json()["message"]
    assert other_execution.status_code == 422
    assert escaping.status_code == 422
    assert not_storage.status_code == 422
    assert "Not an internal storage URI" in not_storage.json()["message"]
    assert missing.status_code == 404
    assert no_execution.status_code == 404


async def test_a_required_file_input_that_is_missing_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/executions/{NAMESPACE}/upload", files={"note": (None, "hi")})

    assert response.status_code == 422, response.text
    assert "Invalid input for `data`, missing required input" in response.json()["message"]


async def test_namespace_files_are_created_read_listed_moved_and_deleted(client: httpx.AsyncClient) -> None:
    created = await client.post(
        FILES, params={"path": "/scripts/main.py"}, files={"fileContent": ("main.py", b"print(1)\n")}
    )
    await client.post(FILES, params={"path": "/readme.md"}, files={"fileContent": ("readme.md", b"# hi")})
    assert created.status_code == 204, created.text

    read = await client.get(FILES, params={"path": "/scripts/main.py"})
    assert read.status_code == 200
    assert read.content == b"print(1)\n"
    root = await client.get(f"{FILES}/directory")
    assert [(f["fileName"], f["type"]) for f in root.json()] == [
        ("readme.md", "File"),
        ("scripts", "Directory"),
    ]
    stats = (await client.get(f"{FILES}/stats", params={"path": "/scripts/main.py"})).json()
    assert (stats["fileName"], stats["type"], stats["size"]) == ("main.py", "File", 9)
    assert isinstance(stats["lastModifiedTime"], int)

    found = await client.get(f"{FILES}/search", params={"q": ".py"})
    assert found.json() == ["/scripts/main.py"]

    moved = await client.put(FILES, params={"from": "/scripts", "to": "/lib"})
    assert moved.status_code == 204, moved.text
    listed = await client.get(f"{FILES}/directory", params={"path": "/lib"})
    assert [f["fileName"] for f in listed.json()] == ["main.py"]
    assert (await client.get(FILES, params={"path": "/scripts/main.py"})).status_code == 404
    onto_itself = await client.put(FILES, params={"from": "/lib", "to": "lib/"})
    into_itself = await client.put(FILES, params={"from": "/lib", "to": "/lib/inner"})
    assert onto_itself.status_code == 204, onto_itself.text
    assert into_itself.status_code == 422, into_itself.text
    assert "into itself" in into_itself.json()["message"]
    assert (await client.get(FILES, params={"path": "/lib/main.py"})).content == b"print(1)\n"

    made = await client.post(f"{FILES}/directory", params={"path": "/empty/inner"})
    assert made.status_code == 204, made.text
    empty = (await client.get(f"{FILES}/stats", params={"path": "/empty"})).json()
    assert (empty["fileName"], empty["type"]) == ("empty", "Directory")
    inner = await client.get(f"{FILES}/directory", params={"path": "/empty"})
    assert [(f["fileName"], f["type"]) for f in inner.json()] == [("inner", "Directory")]
    missing = await client.get(f"{FILES}/stats", params={"path": "/none"})
    assert missing.status_code == 404

    deleted = await client.delete(FILES, params={"path": "/lib"})
    assert deleted.status_code == 204
    assert (await client.get(FILES, params={"path": "/lib/main.py"})).status_code == 404
    escaping = await client.get(FILES, params={"path": "/../secrets"})
    assert escaping.status_code == 422
    no_part = await client.post(FILES, params={"path": "/x"}, files={"other": ("x", b"x")})
    assert no_part.status_code == 400
    assert "fileContent" in no_part.json()["message"]


async def test_read_on_the_worker_reads_input_and_namespace_files_and_no_others(
    client: httpx.AsyncClient,
) -> None:
    uploaded = await client.post(
        FILES, params={"path": "/conf/app.txt"}, files={"fileContent": ("app.txt", b"debug=true")}
    )
    assert uploaded.status_code == 204, uploaded.text

    reader, intruder = [
        (
            await client.post(
                f"{API}/executions/{NAMESPACE}/{flow_id}",
                params={"wait": "true"},
                files={"data": ("in.txt", "héllo".encode(), "text/plain")},
            )
        ).json()
        for flow_id in ("reader", "intruder")
    ]

    assert reader["taskRunList"][0]["outputs"]["values"] == {
        "input": "héllo",
        "config": "debug=true",
        "uri": "kestra:///io/flowmesh/files/_files/conf/app.txt",
    }
    assert intruder["state"]["current"] == "FAILED"

    async def refusal_logged() -> bool:
        logs = await client.get(f"{API}/logs/{intruder['id']}")
        return "didn't belong to the current execution" in logs.text

    await eventually(refusal_logged, what="the refused read() is logged")


async def test_an_ion_output_is_previewed_as_rows_and_downloaded_as_json_lines(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{API}/executions/{NAMESPACE}/fetch", params={"wait": "true"})
    execution = response.json()
    fetched = next(run for run in execution["taskRunList"] if run["taskId"] == "fetch")
    uri = fetched["outputs"]["uri"]

    preview = await client.get(
        f"{API}/executions/{execution['id']}/file/preview", params={"path": uri, "maxRows": 1}
    )
    jsonl = await client.get(
        f"{API}/executions/{execution['id']}/file", params={"path": uri, "format": "JSONL"}
    )
    raw = await client.get(f"{API}/executions/{execution['id']}/file", params={"path": uri, "format": "RAW"})

    assert preview.json()["type"] == "LIST"
    assert preview.json()["truncated"] is True
    assert preview.json()["content"][0]["message"] == "first words"
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert jsonl.headers["content-disposition"].endswith(".jsonl")
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [row["message"] for row in rows] == ["first words", "second words"]
    assert raw.text.count("\n") == 2
    assert raw.headers["content-type"] == "application/octet-stream"
