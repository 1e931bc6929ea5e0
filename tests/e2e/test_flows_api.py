"""Kestra's Flows, Namespaces and configuration APIs beyond CRUD, through the standalone server's REST API:
revisions, graphs, bulk updates, import and export, bulk actions, dependencies."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.harness import API, YAML, deploy, execute, standalone
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

FLOWS = f"{API}/flows"


def flow(flow_id: str, namespace: str, message: str = "hello", **extra: str) -> str:
    lines = [f"id: {flow_id}", f"namespace: {namespace}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    lines += ["tasks:", "  - id: say", "    type: io.kestra.plugin.core.log.Log", f"    message: {message}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("flows")) as http:
        yield http


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def update(client: httpx.AsyncClient, namespace: str, flow_id: str, source: str) -> dict[str, Any]:
    return dict(await ok(await client.put(f"{FLOWS}/{namespace}/{flow_id}", content=source, headers=YAML)))


async def latest(client: httpx.AsyncClient, namespace: str, flow_id: str) -> dict[str, Any]:
    return dict(await ok(await client.get(f"{FLOWS}/{namespace}/{flow_id}")))


# ---------------------------------------------------------------------------------- revisions


async def test_revisions_are_listed_oldest_first_and_deleted_ones_are_gone(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("revised", "rev.team", "one"))
    await update(client, "rev.team", "revised", flow("revised", "rev.team", "two"))
    await update(client, "rev.team", "revised", flow("revised", "rev.team", "three"))
    revisions = await ok(await client.get(f"{FLOWS}/rev.team/revised/revisions"))
    assert [(r["revision"], r["tasks"][0]["message"]) for r in revisions] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
    ]

    await ok(await client.delete(f"{FLOWS}/rev.team/revised/revisions", params={"revisions": [1, 2]}), 204)
    revisions = await ok(await client.get(f"{FLOWS}/rev.team/revised/revisions"))
    assert [r["revision"] for r in revisions] == [3]
    gone = await client.get(f"{FLOWS}/rev.team/revised", params={"revision": 1})
    assert gone.status_code == 404, gone.text
    # A later revision keeps them deleted.
    await update(client, "rev.team", "revised", flow("revised", "rev.team", "four"))
    revisions = await ok(await client.get(f"{FLOWS}/rev.team/revised/revisions"))
    assert [r["revision"] for r in revisions] == [3, 4]


async def test_the_latest_revision_cannot_be_deleted_nor_an_unknown_one(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("kept", "rev.team"))
    refused = await client.delete(f"{FLOWS}/rev.team/kept/revisions", params={"revisions": [1]})
    assert refused.status_code == 422, refused.text
    assert "revisions" in refused.text
    unknown = await client.delete(f"{FLOWS}/rev.team/kept/revisions", params={"revisions": [7]})
    assert unknown.status_code == 404, unknown.text


async def test_a_deleted_flow_shows_its_deletion_only_with_allow_delete(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("dropped", "rev.team"))
    await ok(await client.delete(f"{FLOWS}/rev.team/dropped"), 204)
    plain = await ok(await client.get(f"{FLOWS}/rev.team/dropped/revisions"))
    assert [r["deleted"] for r in plain] == [False]
    everything = await ok(
        await client.get(f"{FLOWS}/rev.team/dropped/revisions", params={"allowDelete": "true"})
    )
    assert [(r["revision"], r["deleted"]) for r in everything] == [(1, False), (2, True)]
    missing = await client.get(f"{FLOWS}/rev.team/never/revisions")
    assert missing.status_code == 404, missing.text
    never_written = await client.get(f"{FLOWS}/rev.team/never", params={"revision": 3})
    assert never_written.status_code == 404, never_written.text
    no_graph = await client.get(f"{FLOWS}/rev.team/never/graph", params={"revision": 3})
    assert no_graph.status_code == 404, no_graph.text


# ------------------------------------------------------------------------------------ graphs

BRANCHING = """
id: branching
namespace: graph.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ 1 + 1 }}"
  - id: choose
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.first.value == '2' }}"
    then:
      - id: yes
        type: io.kestra.plugin.core.log.Log
        message: yes
    else:
      - id: no
        type: io.kestra.plugin.core.log.Log
        message: no
"""


def edges(graph: dict[str, Any]) -> set[tuple[str, str, str | None, str | None]]:
    return {
        (e["source"], e["target"], e["relation"]["relationType"], e["relation"]["value"])
        for e in graph["edges"]
    }


async def test_a_flow_graph_has_a_cluster_per_flowable_and_choice_edges(client: httpx.AsyncClient) -> None:
    await deploy(client, BRANCHING)
    graph = await ok(await client.get(f"{FLOWS}/graph.team/branching/graph"))
    from_source = await ok(await client.post(f"{FLOWS}/graph", content=BRANCHING, headers=YAML))
    assert graph == from_source
    assert graph["flowables"] == ["root.choose"]
    assert {
        ("root.root", "root.first", "SEQUENTIAL", None),
        ("root.first", "root.choose.root", "SEQUENTIAL", None),
        ("root.choose.root", "root.choose.yes", "CHOICE", "then"),
        ("root.choose.root", "root.choose.no", "CHOICE", "else"),
        ("root.choose.end", "root.end", "SEQUENTIAL", None),
    } <= edges(graph)
    (cluster,) = graph["clusters"]
    assert cluster["cluster"]["task"]["type"] == "io.kestra.plugin.core.flow.If"
    assert (cluster["start"], cluster["end"]) == ("root.choose.root", "root.choose.end")
    assert set(cluster["nodes"]) == {
        "root.choose.root",
        "root.choose.end",
        "root.choose.yes",
        "root.choose.no",
    }


async def test_an_execution_graph_carries_the_task_runs_states(client: httpx.AsyncClient) -> None:
    await deploy(client, BRANCHING.replace("id: branching", "id: run-branching"))
    execution = await ok(await execute(client, "graph.team", "run-branching"))
    assert execution["state"]["current"] == "SUCCESS", execution
    graph = await ok(await client.get(f"{API}/executions/{execution['id']}/graph"))
    nodes = {node["uid"]: node for node in graph["nodes"]}
    assert nodes["root.choose.yes"]["taskRun"]["state"]["current"] == "SUCCESS"
    assert nodes["root.choose.no"]["taskRun"] is None
    (cluster,) = graph["clusters"]
    assert cluster["cluster"]["taskRun"]["state"]["current"] == "SUCCESS"


async def test_a_bad_source_gets_no_graph(client: httpx.AsyncClient) -> None:
    refused = await client.post(f"{FLOWS}/graph", content="id: x\nnamespace: y\n", headers=YAML)
    assert refused.status_code == 422, refused.text
    assert "tasks" in refused.text


# ----------------------------------------------------------------------------- bulk and import


async def test_a_half_bad_bulk_changes_nothing_and_names_the_bad_document(client: httpx.AsyncClient) -> None:
    bad = flow("second", "bulk.team").replace("io.kestra.plugin.core.log.Log", "io.nowhere.Task")
    source = flow("first", "bulk.team") + "---\n" + bad
    refused = await client.post(f"{FLOWS}/bulk", content=source, headers=YAML)
    assert refused.status_code == 422, refused.text
    assert "documents[1].tasks[0].type" in refused.text
    missing = await client.get(f"{FLOWS}/bulk.team/first")
    assert missing.status_code == 404, missing.text


async def test_a_bulk_stores_every_flow_and_deletes_the_namespaces_others(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("stale", "bulk.ns"))
    await deploy(client, flow("same", "bulk.ns"))
    source = flow("same", "bulk.ns") + "---\n" + flow("fresh", "bulk.ns")
    stored = await ok(
        await client.post(f"{FLOWS}/bulk", content=source, params={"namespace": "bulk.ns"}, headers=YAML)
    )
    assert [(f["id"], f["revision"], f["deleted"]) for f in stored] == [
        ("same", 1, False),
        ("fresh", 1, False),
        ("stale", 2, True),
    ]
    listed = await ok(await client.get(f"{FLOWS}/bulk.ns"))
    assert [f["id"] for f in listed] == ["fresh", "same"]

    outside = await client.post(
        f"{FLOWS}/bulk", content=flow("other", "elsewhere"), params={"namespace": "bulk.ns"}, headers=YAML
    )
    assert outside.status_code == 422, outside.text
    assert "documents[0].namespace" in outside.text


async def test_a_namespace_update_overrides_namespaces_and_keeps_others_without_delete(
    client: httpx.AsyncClient,
) -> None:
    await deploy(client, flow("kept", "update.ns"))
    written = flow("moved", "somewhere.else")
    stored = await ok(
        await client.post(
            f"{FLOWS}/update.ns",
            content=written,
            params={"override": "true", "delete": "false"},
            headers=YAML,
        )
    )
    assert [(f["namespace"], f["id"]) for f in stored] == [("update.ns", "moved")]
    listed = await ok(await client.get(f"{FLOWS}/update.ns"))
    assert [f["id"] for f in listed] == ["kept", "moved"]
    refused = await client.post(f"{FLOWS}/update.ns", content=flow("x", "somewhere.else"), headers=YAML)
    assert refused.status_code == 422, refused.text
    # Without `delete`, Kestra's default deletes the namespace's flows the documents leave out.
    stored = await ok(
        await client.post(f"{FLOWS}/update.ns", content=flow("kept", "update.ns"), headers=YAML)
    )
    assert [(f["id"], f["deleted"]) for f in stored] == [("kept", False), ("moved", True)]
    assert [f["id"] for f in await ok(await client.get(f"{FLOWS}/update.ns"))] == ["kept"]


async def test_export_then_import_round_trips_the_sources(client: httpx.AsyncClient) -> None:
    first, second = flow("one", "export.team"), flow("two", "export.team.sub", "bye")
    await deploy(client, first)
    await deploy(client, second)
    by_query = await client.get(f"{FLOWS}/export/by-query", params={"namespace": "export.team"})
    assert by_query.status_code == 200, by_query.text
    with zipfile.ZipFile(io.BytesIO(by_query.content)) as archive:
        assert sorted(archive.namelist()) == ["export.team.one.yml", "export.team.sub.two.yml"]
        assert archive.read("export.team.sub.two.yml").decode() == second
    by_ids = await client.post(f"{FLOWS}/export/by-ids", json=[{"namespace": "export.team", "id": "one"}])
    assert by_ids.status_code == 200, by_ids.text
    with zipfile.ZipFile(io.BytesIO(by_ids.content)) as archive:
        assert archive.namelist() == ["export.team.one.yml"]

    # Import the archive into another namespace, with one bad file beside.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("good.yml", flow("imported", "import.team"))
        archive.writestr("bad.yml", "id: broken\nnamespace: import.team\n")
    files = {"fileUpload": ("flows.zip", buffer.getvalue(), "application/zip")}
    failed = await ok(await client.post(f"{FLOWS}/import", files=files))
    assert failed == ["bad.yml"]
    assert (await latest(client, "import.team", "imported"))["revision"] == 1
    strict = await client.post(f"{FLOWS}/import", files=files, params={"failOnError": "true"})
    assert strict.status_code == 422, strict.text
    assert "documents[bad.yml]" in strict.text

    documents = flow("yaml-one", "import.team") + "---\nid: nope\n"
    failed = await ok(
        await client.post(f"{FLOWS}/import", files={"fileUpload": ("f.yml", documents.encode())})
    )
    assert failed == ["1"]
    assert (await latest(client, "import.team", "yaml-one"))["revision"] == 1


async def test_bulk_actions_by_ids_and_by_query(client: httpx.AsyncClient) -> None:
    for name in ("a", "b", "c"):
        await deploy(client, flow(name, "actions.team"))
    disabled = await ok(await client.post(f"{FLOWS}/disable/by-query", params={"namespace": "actions.team"}))
    assert disabled == {"count": 3}
    a = await latest(client, "actions.team", "a")
    assert (a["disabled"], a["revision"]) == (True, 2)
    assert "disabled: true" in a["source"]
    enabled = await ok(
        await client.post(f"{FLOWS}/enable/by-ids", json=[{"namespace": "actions.team", "id": "a"}])
    )
    assert enabled == {"count": 1}
    assert (await latest(client, "actions.team", "a"))["disabled"] is False

    unknown = await client.request(
        "DELETE",
        f"{FLOWS}/delete/by-ids",
        json=[{"namespace": "actions.team", "id": "a"}, {"namespace": "actions.team", "id": "zzz"}],
    )
    assert unknown.status_code == 404, unknown.text
    assert (await client.get(f"{FLOWS}/actions.team/a")).status_code == 200
    deleted = await ok(
        await client.request("DELETE", f"{FLOWS}/delete/by-query", params={"q": "actions.team"})
    )
    assert deleted == {"count": 3}
    assert await ok(await client.get(f"{FLOWS}/actions.team")) == []


async def test_by_query_actions_take_the_labels_of_the_flows_search(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("a", "labeled.team", labels="{team: data, env: prod}"))
    await deploy(client, flow("b", "labeled.team", labels="{team: data, env: dev}"))
    await deploy(client, flow("c", "labeled.team", labels="{team: web}"))
    await deploy(client, flow("d", "labeled.team.sub", labels="{team: data}"))
    await deploy(client, flow("e", "labeled.other", labels="{team: data}"))
    # Only the latest revision's labels count: f had team: data once.
    await deploy(client, flow("f", "labeled.team", labels="{team: data}"))
    await update(client, "labeled.team", "f", flow("f", "labeled.team", labels="{team: web}"))
    data = {"namespace": "labeled.team", "labels": "team:data"}

    async def searched() -> list[str] | None:
        found = await ok(await client.get(f"{FLOWS}/search", params={**data, "size": 50}))
        ids = [item["id"] for item in found["results"]]
        return ids if ids == ["a", "b", "d"] else None

    # The search (the repository, indexed behind) lists what the by-query routes act on.
    assert await eventually(searched, what="the search by labels lists a, b and d") == ["a", "b", "d"]
    by_query = await client.get(f"{FLOWS}/export/by-query", params=data)
    assert by_query.status_code == 200, by_query.text
    with zipfile.ZipFile(io.BytesIO(by_query.content)) as archive:
        assert sorted(archive.namelist()) == [
            "labeled.team.a.yml",
            "labeled.team.b.yml",
            "labeled.team.sub.d.yml",
        ]
    prod = {"filters[namespace][PREFIX]": "labeled.team", "filters[labels][EQUALS][env]": "prod"}
    listed = await client.get(f"{FLOWS}/export/by-query/csv", params=prod)
    assert listed.status_code == 200, listed.text
    assert [row["id"] for row in csv.DictReader(io.StringIO(listed.text))] == ["a"]

    assert await ok(await client.post(f"{FLOWS}/disable/by-query", params=data)) == {"count": 3}
    disabled = {f["id"]: f["disabled"] for f in await ok(await client.get(f"{FLOWS}/labeled.team"))}
    assert disabled == {"a": True, "b": True, "c": False, "f": False}
    assert (await latest(client, "labeled.team.sub", "d"))["disabled"] is True
    assert (await latest(client, "labeled.other", "e"))["disabled"] is False
    both = {"namespace": "labeled.team", "labels": ["team:data", "env:dev"]}
    assert await ok(await client.post(f"{FLOWS}/enable/by-query", params=both)) == {"count": 1}
    assert (await latest(client, "labeled.team", "b"))["disabled"] is False
    assert (await latest(client, "labeled.team", "a"))["disabled"] is True

    web = {"filters[namespace][EQUALS]": "labeled.team", "filters[labels][EQUALS][team]": "web"}
    assert await ok(await client.request("DELETE", f"{FLOWS}/delete/by-query", params=web)) == {"count": 2}
    assert [f["id"] for f in await ok(await client.get(f"{FLOWS}/labeled.team"))] == ["a", "b"]
    bad = await client.request("DELETE", f"{FLOWS}/delete/by-query", params={"labels": "no-colon"})
    assert bad.status_code == 400, bad.text
    assert [violation["path"] for violation in bad.json()["violations"]] == ["labels"]
    assert [f["id"] for f in await ok(await client.get(f"{FLOWS}/labeled.team"))] == ["a", "b"]


async def test_distinct_namespaces_and_namespaces_search(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("n", "deep.a.b"))
    distinct = await ok(await client.get(f"{FLOWS}/distinct-namespaces", params={"q": "deep"}))
    assert distinct == ["deep.a.b"]
    found = await ok(await client.get(f"{API}/namespaces/search", params={"q": "deep"}))
    assert found == {
        "results": [{"id": n, "deleted": False} for n in ("deep", "deep.a", "deep.a.b")],
        "total": 3,
    }
    existing = await ok(
        await client.get(f"{API}/namespaces/search", params={"q": "deep", "existing": "true"})
    )
    assert [n["id"] for n in existing["results"]] == ["deep.a.b"]
    assert await ok(await client.get(f"{API}/namespaces/deep.a")) == {"id": "deep.a", "deleted": False}
    assert (await client.get(f"{API}/namespaces/nothing.here")).status_code == 404
    upload = {"fileContent": ("a.txt", b"x")}
    await ok(
        await client.post(f"{API}/namespaces/files.only/files", params={"path": "/a.txt"}, files=upload), 204
    )
    assert await ok(await client.get(f"{API}/namespaces/files.only")) == {
        "id": "files.only",
        "deleted": False,
    }
    completed = await ok(
        await client.post(f"{API}/namespaces/autocomplete", json={"q": "deep.a", "ids": ["x"]})
    )
    assert completed == ["x", "deep.a", "deep.a.b"]


# ------------------------------------------------------------------------ tasks, dependencies

PARENT = """
id: parent
namespace: deps.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: deps.team
    flowId: child
"""
LISTENER = """
id: listener
namespace: deps.other
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: heard
triggers:
  - id: after-child
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: deps.team
        flowId: child
"""


async def test_a_flows_task_and_dependencies(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("child", "deps.team"))
    await deploy(client, PARENT)
    await deploy(client, LISTENER)
    task = await ok(await client.get(f"{FLOWS}/deps.team/parent/tasks/call"))
    assert task == {
        "id": "call",
        "type": "io.kestra.plugin.core.flow.Subflow",
        "namespace": "deps.team",
        "flowId": "child",
    }
    assert (await client.get(f"{FLOWS}/deps.team/parent/tasks/nope")).status_code == 404

    graph = await ok(await client.get(f"{FLOWS}/deps.team/child/dependencies"))
    assert {n["uid"] for n in graph["nodes"]} == {
        "main_deps.team_child",
        "main_deps.team_parent",
        "main_deps.other_listener",
    }
    assert {(e["source"], e["target"], e["relation"]) for e in graph["edges"]} == {
        ("main_deps.team_parent", "main_deps.team_child", "FLOW_TASK"),
        ("main_deps.team_child", "main_deps.other_listener", "FLOW_TRIGGER"),
    }
    expanded = await ok(await client.get(f"{FLOWS}/deps.team/parent/graph", params={"subflows": "call"}))
    (cluster,) = expanded["clusters"]
    assert cluster["cluster"]["uid"] == "root.call"
    assert "root.call.say" in cluster["nodes"]
    downstream = await ok(
        await client.get(f"{FLOWS}/deps.team/child/dependencies", params={"destinationOnly": "true"})
    )
    assert [e["target"] for e in downstream["edges"]] == ["main_deps.other_listener"]
    namespace = await ok(await client.get(f"{API}/namespaces/deps.other/dependencies"))
    assert len(namespace["edges"]) == 1


# ------------------------------------------------------------------------- create, configuration


async def test_a_create_repeated_with_its_request_id_answers_the_first_flow(
    client: httpx.AsyncClient,
) -> None:
    source = flow("once", "idem.team")
    first = await ok(await client.post(f"{FLOWS}", content=source, params={"requestId": "r-1"}, headers=YAML))
    again = await ok(await client.post(f"{FLOWS}", content=source, params={"requestId": "r-1"}, headers=YAML))
    assert again == first
    other = await client.post(f"{FLOWS}", content=source, params={"requestId": "r-2"}, headers=YAML)
    assert other.status_code == 409, other.text


async def test_the_configuration_names_the_version(client: httpx.AsyncClient) -> None:
    configuration = await ok(await client.get("/api/v1/configs"))
    assert configuration["version"]
    assert configuration["edition"] == "OSS"
    assert configuration["isBasicAuthInitialized"] is False
    assert configuration["preview"] == {"initial": 100, "max": 5000}
    # Auth is off: nothing to sign in to.
    login = await ok(await client.get("/api/v1/configs/login"))
    assert login == {"isBasicAuthInitialized": False}
    refused = await client.post("/api/v1/login", json={"username": "admin", "password": "any-password"})
    assert (refused.status_code, refused.json()["reason"]) == (400, "AUTH_DISABLED")


async def test_a_task_and_a_trigger_are_validated_on_their_own(client: httpx.AsyncClient) -> None:
    task = "id: t\ntype: io.kestra.plugin.core.log.Log\n"
    checked = await ok(
        await client.post(f"{FLOWS}/validate/task", content=task, params={"section": "TASKS"}, headers=YAML)
    )
    assert "message" in checked["constraints"]
    fine = await ok(
        await client.post(
            f"{FLOWS}/validate/task",
            json={"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": "x"},
        )
    )
    assert "constraints" not in fine
    trigger = "id: d\ntype: io.kestra.plugin.core.trigger.Schedule\ncron: '0 0 * * *'\n"
    assert "constraints" not in await ok(
        await client.post(f"{FLOWS}/validate/trigger", content=trigger, headers=YAML)
    )
    bad_section = await client.post(
        f"{FLOWS}/validate/task", content=task, params={"section": "NOPE"}, headers=YAML
    )
    assert bad_section.status_code in (400, 422), bad_section.text


async def test_the_csv_export_lists_the_flows_a_query_finds(client: httpx.AsyncClient) -> None:
    await deploy(client, flow("first", "csv.team"))
    await deploy(client, flow("second", "csv.team.sub", disabled="true"))
    await deploy(client, flow("elsewhere", "csv.other"))
    response = await client.get(
        f"{FLOWS}/export/by-query/csv", params={"filters[namespace][PREFIX]": "csv.team"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["namespace"], row["id"], row["revision"], row["disabled"]) for row in rows] == [
        ("csv.team", "first", "1", "false"),
        ("csv.team.sub", "second", "1", "true"),
    ]
    assert all(row["updated"] for row in rows)
    bad = await client.get(f"{FLOWS}/export/by-query/csv", params={"filters[state][EQUALS]": "SUCCESS"})
    assert bad.status_code == 400, bad.text
    assert [violation["path"] for violation in bad.json()["violations"]] == ["filters[state][EQUALS]"]
