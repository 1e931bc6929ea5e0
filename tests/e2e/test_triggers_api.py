"""The Triggers API on Kestra's 2.0 paths and shapes, through the standalone server's REST API."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.harness import API, deploy, search_executions, standalone
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

TRIGGERS = f"{API}/triggers"
NAMESPACE = "company.team"

SCHEDULED = """
id: scheduled
namespace: company.team
inputs:
  - id: batch
    type: INT
    defaults: 0
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "batch {{ inputs.batch }}"
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
    timezone: UTC
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: a-key-of-its-own
"""


def ref(trigger_id: str = "yearly", flow_id: str = "scheduled") -> dict[str, str]:
    return {"namespace": NAMESPACE, "flowId": flow_id, "triggerId": trigger_id}


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("triggers")) as http:
        await deploy(http, SCHEDULED)
        yield http


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    """Return the search's results by trigger id."""
    response = await client.get(f"{TRIGGERS}/search", params={"namespace": NAMESPACE, **params})
    assert response.status_code == 200, response.text
    return {item["state"]["triggerId"]: item for item in response.json()["results"]}


async def test_search_lists_the_triggers_of_a_deployed_flow_with_their_next_date(
    client: httpx.AsyncClient,
) -> None:
    found = await search(client, q="scheduled")
    assert set(found) == {"yearly", "hook"}
    yearly = found["yearly"]
    assert yearly["trigger"]["cron"] == "0 0 1 1 *"
    state = yearly["state"]
    assert (state["namespace"], state["flowId"], state["kind"]) == (NAMESPACE, "scheduled", "SCHEDULE")
    assert state["disabled"] is False
    assert state["locked"] is False
    assert state["nextEvaluationDate"] == f"{datetime.now(UTC).year + 1}-01-01T00:00:00Z"
    assert state["updatedAt"] is not None
    assert found["hook"]["state"]["kind"] is None
    assert found["hook"]["state"]["nextEvaluationDate"] is None


async def test_the_triggers_of_one_flow_in_kestras_paged_shape(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{TRIGGERS}/{NAMESPACE}/scheduled", params={"sort": "triggerId:desc"})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2
    assert [item["triggerId"] for item in page["results"]] == ["yearly", "hook"]
    bad = await client.get(f"{TRIGGERS}/{NAMESPACE}/scheduled", params={"sort": "color:asc"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["violations"][0]["path"] == "sort"


async def test_a_disabled_trigger_shows_disabled_until_enabled(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{TRIGGERS}/set-disabled", json={**ref(), "disabled": True})
    assert response.status_code == 200, response.text
    assert response.json()["disabled"] is True
    assert (await search(client))["yearly"]["state"]["disabled"] is True

    both = {"triggers": [ref(), ref("hook")], "disabled": False}
    response = await client.post(f"{TRIGGERS}/set-disabled/by-triggers", json=both)
    assert response.status_code == 200, response.text
    assert response.json()["totalItems"] == 2
    assert (await search(client))["yearly"]["state"]["disabled"] is False


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**ref(flow_id="nowhere"), "disabled": True}, "company.team.nowhere"),
        ({**ref("nothing"), "disabled": True}, "nothing"),
    ],
)
async def test_an_unknown_flow_or_trigger_is_404_naming_it(
    client: httpx.AsyncClient, body: dict[str, Any], named: str
) -> None:
    response = await client.put(f"{TRIGGERS}/set-disabled", json=body)
    assert response.status_code == 404, response.text
    assert named in response.json()["message"]
    bulk = await client.post(f"{TRIGGERS}/set-disabled/by-triggers", json={"triggers": [ref(), body]})
    assert bulk.status_code == 404, bulk.text


async def test_unlocking_a_trigger_that_is_not_locked_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{TRIGGERS}/{NAMESPACE}/scheduled/yearly/unlock")
    assert response.status_code == 409, response.text
    assert "not locked" in response.json()["message"]
    bulk = await client.post(f"{TRIGGERS}/unlock/by-triggers", json=[ref()])
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["totalItems"] == 0


async def test_a_backfill_is_created_paused_resumed_and_deleted(client: httpx.AsyncClient) -> None:
    # Dates to come: nothing fires before the test ends.
    backfill = {"start": "2100-01-01T00:00:00Z", "end": "2102-01-01T00:00:00Z", "inputs": {"batch": 3}}
    created = await client.put(f"{TRIGGERS}/backfill/create", json={**ref(), "backfill": backfill})
    assert created.status_code == 200, created.text
    assert created.json()["backfill"] == {
        "start": "2100-01-01T00:00:00Z",
        "end": "2102-01-01T00:00:00Z",
        "currentDate": "2100-01-01T00:00:00Z",
        "paused": False,
        "inputs": {"batch": 3},
        "labels": [],
    }
    again = await client.put(f"{TRIGGERS}/backfill/create", json={**ref(), "backfill": backfill})
    assert again.status_code == 409, again.text

    paused = await client.put(f"{TRIGGERS}/backfill/pause", json=ref())
    assert paused.status_code == 200, paused.text
    assert paused.json()["backfill"]["paused"] is True
    assert (await search(client))["yearly"]["state"]["backfill"]["paused"] is True
    resumed = await client.put(f"{TRIGGERS}/backfill/unpause", json=ref())
    assert resumed.json()["backfill"]["paused"] is False

    deleted = await client.post(f"{TRIGGERS}/backfill/delete", json=ref())
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["backfill"] is None
    for action, verb in (("delete", "POST"), ("pause", "PUT"), ("unpause", "PUT")):
        response = await client.request(verb, f"{TRIGGERS}/backfill/{action}", json=ref())
        assert response.status_code == 409, (action, response.text)
    bulk = await client.post(f"{TRIGGERS}/backfill/pause/by-triggers", json=[ref()])
    assert bulk.json()["totalItems"] == 0


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**ref("hook"), "backfill": {"start": "2020-01-01T00:00:00Z"}}, "triggerId"),
        (
            {**ref(), "backfill": {"start": "2021-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}},
            "backfill.end",
        ),
        ({**ref(), "backfill": {"end": "2020-01-01T00:00:00Z"}}, "backfill.start"),
        (
            {**ref(), "backfill": {"start": "2020-01-01T00:00:00Z", "inputs": {"batch": "many"}}},
            "backfill.inputs.batch",
        ),
    ],
)
async def test_a_bad_backfill_is_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], path: str
) -> None:
    response = await client.put(f"{TRIGGERS}/backfill/create", json=body)
    assert response.status_code == 400, response.text
    assert [violation["path"] for violation in response.json()["violations"]] == [path]


async def test_a_backfill_starts_an_execution_for_each_past_date(client: httpx.AsyncClient) -> None:
    backfill = {
        "start": "2020-01-01T00:00:00Z",
        "end": "2021-01-01T00:00:00Z",
        "inputs": {"batch": 9},
        "labels": [{"key": "run", "value": "e2e"}],
    }
    created = await client.put(f"{TRIGGERS}/backfill/create", json={**ref(), "backfill": backfill})
    assert created.status_code == 200, created.text

    async def backfilled() -> list[dict[str, Any]] | None:
        page = await search_executions(client, NAMESPACE, "scheduled")
        found = [e for e in page["results"] if {"key": "run", "value": "e2e"} in e["labels"]]
        return found if len(found) >= 2 else None

    executions = await eventually(backfilled, within=60, what="two backfilled executions")
    assert sorted(e["trigger"]["variables"]["date"] for e in executions) == [
        "2020-01-01T00:00:00+00:00",
        "2021-01-01T00:00:00+00:00",
    ]
    assert {e["inputs"]["batch"] for e in executions} == {9}

    async def over() -> bool:
        return (await search(client))["yearly"]["state"]["backfill"] is None

    await eventually(over, what="the backfill over")


async def test_a_forgotten_trigger_state_is_gone(client: httpx.AsyncClient) -> None:
    # Disabling stores a state for the webhook; deleting forgets it.
    await client.put(f"{TRIGGERS}/set-disabled", json={**ref("hook"), "disabled": True})
    response = await client.delete(f"{TRIGGERS}/{NAMESPACE}/scheduled/hook")
    assert response.status_code == 204, response.text
    assert (await search(client))["hook"]["state"]["disabled"] is False
    again = await client.delete(f"{TRIGGERS}/{NAMESPACE}/scheduled/hook")
    assert again.status_code == 404, again.text


@pytest.mark.parametrize(
    ("verb", "path", "body", "field"),
    [
        ("PUT", "set-disabled", {}, "namespace"),
        ("PUT", "set-disabled", {**ref(flow_id="a flow"), "disabled": True}, "flowId"),
        (
            "POST",
            "set-disabled/by-triggers",
            {"triggers": [ref(), ref("a>b")], "disabled": True},
            "triggers[1].triggerId",
        ),
        ("POST", "company.team/scheduled/x*y/unlock", None, "triggerId"),
        ("DELETE", "company team/scheduled/yearly", None, "namespace"),
    ],
)
async def test_a_malformed_trigger_reference_is_refused_naming_it(
    client: httpx.AsyncClient, verb: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    response = await client.request(verb, f"{TRIGGERS}/{path}", json=body)
    assert response.status_code == 422, response.text
    assert [violation["path"] for violation in response.json()["violations"]] == [field]


async def test_kestra_filters_select_the_triggers_a_search_lists(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{TRIGGERS}/search",
        params={"filters[namespace][PREFIX]": "company", "filters[triggerId][EQUALS]": "hook"},
    )
    assert response.status_code == 200, response.text
    assert [item["state"]["triggerId"] for item in response.json()["results"]] == ["hook"]
    nothing = await client.get(f"{TRIGGERS}/search", params={"filters[flowId][EQUALS]": "other"})
    assert nothing.json() == {"results": [], "total": 0}


async def test_by_query_disabling_acts_on_the_triggers_the_filters_select(client: httpx.AsyncClient) -> None:
    selected = {"filters[flowId][EQUALS]": "scheduled", "filters[triggerId][EQUALS]": "hook"}
    response = await client.post(f"{TRIGGERS}/set-disabled/by-query", params=selected)
    assert response.status_code == 200, response.text
    assert response.json()["totalItems"] == 1
    found = await search(client)
    assert (found["hook"]["state"]["disabled"], found["yearly"]["state"]["disabled"]) == (True, False)

    enabled = await client.post(f"{TRIGGERS}/set-disabled/by-query", params={**selected, "disabled": "false"})
    assert enabled.json()["totalItems"] == 1
    assert (await search(client))["hook"]["state"]["disabled"] is False

    # The state the disabling stored is forgotten by query, then there is none left to forget.
    forgotten = await client.delete(f"{TRIGGERS}/delete/by-query", params=selected)
    assert forgotten.status_code == 200, forgotten.text
    assert forgotten.json()["totalItems"] == 1
    again = await client.request("DELETE", f"{TRIGGERS}/delete/by-triggers", json=[ref("hook")])
    assert again.json()["totalItems"] == 0


async def test_by_query_backfill_and_unlock_actions_skip_what_they_cannot_apply_to(
    client: httpx.AsyncClient,
) -> None:
    backfill = {"start": "2100-01-01T00:00:00Z"}
    created = await client.put(f"{TRIGGERS}/backfill/create", json={**ref(), "backfill": backfill})
    assert created.status_code == 200, created.text
    everything = {"filters[namespace][EQUALS]": NAMESPACE}
    paused = await client.post(f"{TRIGGERS}/backfill/pause/by-query", params=everything)
    assert paused.status_code == 200, paused.text
    assert paused.json()["totalItems"] == 1  # the webhook has no backfill
    assert (await search(client))["yearly"]["state"]["backfill"]["paused"] is True
    resumed = await client.post(f"{TRIGGERS}/backfill/unpause/by-query", params=everything)
    assert resumed.json()["totalItems"] == 1
    deleted = await client.post(f"{TRIGGERS}/backfill/delete/by-query", params=everything)
    assert deleted.json()["totalItems"] == 1
    assert (await search(client))["yearly"]["state"]["backfill"] is None
    unlocked = await client.post(f"{TRIGGERS}/unlock/by-query", params=everything)
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["totalItems"] == 0  # none is locked


async def test_a_restarted_trigger_is_planned_again_from_now(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{TRIGGERS}/{NAMESPACE}/scheduled/yearly/restart")
    assert response.status_code == 200, response.text
    state = response.json()
    assert (state["triggerId"], state["lastTriggeredDate"], state["workerId"]) == ("yearly", None, None)
    assert state["nextEvaluationDate"] == f"{datetime.now(UTC).year + 1}-01-01T00:00:00Z"
    unknown = await client.post(f"{TRIGGERS}/{NAMESPACE}/scheduled/nothing/restart")
    assert unknown.status_code == 404, unknown.text


@pytest.mark.parametrize(
    ("verb", "path", "parameter"),
    [
        ("GET", "search", "filters[state][EQUALS]"),
        ("POST", "unlock/by-query", "filters[labels][EQUALS][env]"),
        ("POST", "set-disabled/by-query", "filters[flowId][REGEX]"),
        ("DELETE", "delete/by-query", "filters[color][EQUALS]"),
        ("POST", "backfill/pause/by-query", "filters[startDate][GREATER_THAN]"),
    ],
)
async def test_a_filter_triggers_do_not_have_is_refused_naming_it(
    client: httpx.AsyncClient, verb: str, path: str, parameter: str
) -> None:
    response = await client.request(verb, f"{TRIGGERS}/{path}", params={parameter: "x"})
    assert response.status_code == 400, response.text
    assert [violation["path"] for violation in response.json()["violations"]] == [parameter]
    assert (await search(client))["yearly"]["state"]["disabled"] is False


async def test_the_csv_export_lists_the_triggers_the_filters_select(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{TRIGGERS}/export/by-query/csv",
        params={"filters[namespace][EQUALS]": NAMESPACE, "sort": "triggerId:desc"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["flowId"], row["triggerId"], row["disabled"]) for row in rows] == [
        ("scheduled", "yearly", "false"),
        ("scheduled", "hook", "false"),
    ]
    assert rows[0]["type"] == "io.kestra.plugin.core.trigger.Schedule"
    assert rows[0]["nextEvaluationDate"] == f"{datetime.now(UTC).year + 1}-01-01T00:00:00Z"
    bad = await client.get(f"{TRIGGERS}/export/by-query/csv", params={"sort": "color:asc"})
    assert bad.status_code == 422, bad.text
    assert [violation["path"] for violation in bad.json()["violations"]] == ["sort"]
