"""Searches, log downloads and deletions, and stats on Kestra's paths and shapes, through REST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.harness import API, deploy, indexed_execution, logs_of, standalone

pytestmark = pytest.mark.e2e

NAMESPACE = "search.team"
FLOW = """
id: greet
namespace: search.team
inputs:
  - id: name
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Greeting the {{ inputs.name }} warehouse"
  - id: done
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "finished {{ inputs.name }}"
"""


async def run(client: httpx.AsyncClient, name: str, *labels: str) -> dict[str, Any]:
    """Run greet with a name and labels (key:value) to its end; return it once indexed."""
    response = await client.post(
        f"{API}/executions/{NAMESPACE}/greet",
        params={"wait": "true", "labels": list(labels)},
        files={"name": (None, name)},
    )
    assert response.status_code == 200, response.text
    execution = dict(response.json())
    await indexed_execution(client, execution)
    await logs_of(client, execution["id"], [f"finished {name}"])
    return execution


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("search")) as http:
        await deploy(http, FLOW)
        yield http


@pytest.fixture(scope="module")
async def runs(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {
        "north": await run(client, "north", "region:north", "tier:gold"),
        "south": await run(client, "south", "region:south"),
    }


async def search(client: httpx.AsyncClient, path: str = "executions/search", **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/{path}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_executions_search_filters_on_kestra_parameters(
    client: httpx.AsyncClient, runs: dict[str, dict[str, Any]]
) -> None:
    north, south = runs["north"]["id"], runs["south"]["id"]

    async def found(**params: Any) -> list[str]:
        return [item["id"] for item in (await search(client, namespace="search", **params))["results"]]

    assert await found(labels="region:north") == [north]
    assert await found(labels=["region:north", "tier:silver"]) == []
    assert await found(state="SUCCESS", sort="state.startDate:asc") == [north, south]
    assert await found(q=south[:12]) == [south]
    assert await found(q="GREET") == [south, north]
    assert await found(startDate=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []
    assert await found(timeRange="PT1H", childFilter="MAIN", size=1, page=2) == [north]
    page = await search(client, "executions", namespace=NAMESPACE, flowId="greet", size=1)
    assert page["total"] == 2
    assert page["results"][0]["id"] == south


async def test_kestra_2_filters_form(client: httpx.AsyncClient, runs: dict[str, dict[str, Any]]) -> None:
    north, south = runs["north"]["id"], runs["south"]["id"]

    async def found(**params: Any) -> list[str]:
        return [item["id"] for item in (await search(client, **params))["results"]]

    assert await found(**{"filters[labels][EQUALS][region]": "north"}) == [north]
    assert await found(
        **{"filters[namespace][PREFIX]": "search", "filters[state][IN]": "FAILED,SUCCESS"}
    ) == [
        south,
        north,
    ]
    assert await found(**{"filters[q][EQUALS]": south[:12], "filters[timeRange][EQUALS]": "P1D"}) == [south]
    warned = await search(
        client, "logs/search", **{"filters[level][EQUALS]": "WARN", "filters[flowId][EQUALS]": "greet"}
    )
    assert warned["total"] == 2
    for bad in ("filters[bogus][EQUALS]", "filters[state][REGEX]", "filters[labels][EQUALS]"):
        response = await client.get(f"{API}/executions/search", params={bad: "x"})
        assert response.status_code == 400, response.text
        assert bad in response.text


# The gateway refuses what it cannot parse (400); the api what it cannot use (422, as Kestra).
@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"sort": "nonsense:asc"}, 422, "sort"),
        ({"timeRange": "a week"}, 422, "time_range"),
        ({"state": "DONE"}, 400, "state"),
        ({"labels": "no-colon"}, 400, "labels"),
        ({"startDate": "yesterday"}, 400, "startDate"),
    ],
)
async def test_a_bad_filter_is_refused_naming_it(
    client: httpx.AsyncClient, params: dict[str, str], status: int, field: str
) -> None:
    response = await client.get(f"{API}/executions/search", params=params)
    assert response.status_code == status, response.text
    assert field in response.text


async def test_logs_search_download_and_delete(
    client: httpx.AsyncClient, runs: dict[str, dict[str, Any]]
) -> None:
    north = runs["north"]["id"]
    page = await search(client, "logs/search", q="warehouse", namespace=NAMESPACE, sort="timestamp:asc")
    assert page["type"] == "OFFSET"
    assert [entry["message"] for entry in page["results"]] == [
        "Greeting the north warehouse",
        "Greeting the south warehouse",
    ]
    warned = await search(client, "logs/search", minLevel="WARN", flowId="greet", size=1)
    assert warned["total"] == 2
    assert warned["results"][0]["message"] == "finished south"  # newest first

    download = await client.get(f"{API}/logs/{north}/download")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/plain")
    lines = download.text.splitlines()
    assert [line.split(" ", 2)[1:] for line in lines] == [
        ["INFO", "Greeting the north warehouse"],
        ["WARN", "finished north"],
    ]
    missing = await client.get(f"{API}/logs/no-such-execution/download")
    assert missing.status_code == 404

    deleted = await client.delete(f"{API}/logs/{north}", params={"minLevel": "WARN"})
    assert deleted.status_code in (200, 204), deleted.text
    remaining = await client.get(f"{API}/logs/{north}")
    assert [entry["message"] for entry in remaining.json()] == ["Greeting the north warehouse"]
    flow_deleted = await client.delete(f"{API}/logs/{NAMESPACE}/greet")
    assert flow_deleted.status_code in (200, 204), flow_deleted.text
    assert (await search(client, "logs/search", namespace=NAMESPACE))["total"] == 0


async def test_daily_stats_and_latest_executions(
    client: httpx.AsyncClient, runs: dict[str, dict[str, Any]]
) -> None:
    today = datetime.now(UTC).date().isoformat()
    body = {"namespace": NAMESPACE, "startDate": f"{today}T00:00:00Z", "endDate": f"{today}T23:00:00Z"}
    response = await client.post(f"{API}/stats/executions/daily", json=body)
    assert response.status_code == 200, response.text
    (day,) = response.json()
    assert day["startDate"].startswith(today)
    assert day["executionCounts"]["SUCCESS"] == 2
    assert day["executionCounts"]["FAILED"] == 0
    assert day["duration"]["count"] == 2
    assert day["duration"]["max"].startswith("PT")

    grouped = await client.post(f"{API}/stats/executions/daily/group-by-flow", json=body)
    assert grouped.status_code == 200, grouped.text
    assert list(grouped.json()[NAMESPACE]) == ["greet"]

    runs_daily = await client.post(f"{API}/stats/taskruns/daily", json=body)
    assert runs_daily.json()[0]["executionCounts"]["SUCCESS"] == 4

    backwards = await client.post(
        f"{API}/stats/executions/daily", json={**body, "endDate": "2000-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 422
    assert "end_date" in backwards.text

    flows = [{"namespace": NAMESPACE, "id": "greet"}, {"namespace": NAMESPACE, "id": "absent"}]
    answer = await client.post(f"{API}/executions/latest", json=flows)
    assert answer.status_code == 200, answer.text
    (last,) = answer.json()
    assert last["id"] == runs["south"]["id"]
    assert last["status"] == "SUCCESS"
