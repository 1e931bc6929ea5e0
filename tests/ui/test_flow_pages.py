"""The flows list filtered by labels, and a flow's own triggers on its page.

A screenshot of each goes to tests/ui/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import API, deploy
from tests.ui.support import UI, shot

pytestmark = UI

NAMESPACE = "ui.flows"
TASKS = """tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
"""
# Every new year: the next date is known in advance.
SCHEDULE = """triggers:
  - id: newyear
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
"""
FLOWS = {
    # Labels as a map and as a list of {key, value}: the list shows both alike.
    "nightly": "labels:\n  team: data\n  env: prod\n" + TASKS + SCHEDULE,
    "adhoc": "labels:\n  - key: team\n    value: data\n" + TASKS,
    # The same trigger id in another flow: the flow page lists its own flow's only.
    "audit": "labels:\n  team: ops\n" + TASKS + SCHEDULE,
}


@pytest.fixture(scope="module")
async def flows(server: httpx.AsyncClient) -> None:
    for flow_id, rest in FLOWS.items():
        await deploy(server, f"id: {flow_id}\nnamespace: {NAMESPACE}\n{rest}")


@pytest.mark.timeout(240)
@pytest.mark.usefixtures("flows")
async def test_the_flows_list_shows_labels_and_keeps_the_flows_with_every_label_typed(page: Page) -> None:
    await page.goto("/flows")
    rows = page.locator("tbody tr")
    nightly = page.locator(f'tr[data-flow="{NAMESPACE}.nightly"]')
    await expect(nightly.get_by_test_id("labels")).to_have_text("team:data env:prod")
    adhoc = page.locator(f'tr[data-flow="{NAMESPACE}.adhoc"]')
    await expect(adhoc.get_by_test_id("labels")).to_have_text("team:data")

    await page.get_by_label("Labels").fill("team:data")
    await expect(rows.locator("td:first-child")).to_have_text(["adhoc", "nightly"])
    await expect(page.get_by_test_id("total")).to_have_text("2 flows")
    await page.get_by_label("Labels").fill("team:data env:prod")
    await expect(rows.locator("td:first-child")).to_have_text(["nightly"])
    await shot(page, "flows-by-labels")
    await page.get_by_label("Labels").fill("team:nobody")
    await expect(rows).to_have_count(0)
    await expect(page.get_by_test_id("total")).to_have_text("0 flows")


@pytest.mark.timeout(240)
@pytest.mark.usefixtures("flows")
async def test_the_flow_page_lists_its_triggers_next_date_and_disables_one(
    page: Page, server: httpx.AsyncClient
) -> None:
    await page.goto(f"/flows/{NAMESPACE}/nightly")
    await page.get_by_role("button", name="Triggers").click()
    rows = page.locator("tbody tr[data-trigger]")
    await expect(rows).to_have_count(1)
    row = page.locator('tr[data-trigger="newyear"]')
    state = row.get_by_test_id("trigger-state")
    await expect(state).to_have_text("enabled")
    next_fire = row.get_by_test_id("next-fire")
    await expect(next_fire).not_to_be_empty()

    # The page shows the date the api computed: the next first of January, at midnight UTC.
    listed = (await server.get(f"{API}/triggers/{NAMESPACE}/nightly")).json()["results"]
    next_date = dt.datetime.fromisoformat(listed[0]["nextEvaluationDate"])
    assert next_date == dt.datetime(dt.datetime.now(dt.UTC).year + 1, 1, 1, tzinfo=dt.UTC)
    shown = await page.evaluate("iso => new Date(iso).toLocaleString()", listed[0]["nextEvaluationDate"])
    await expect(next_fire).to_have_text(shown)
    await shot(page, "flow-triggers")

    await row.get_by_role("button", name="Disable").click()
    await expect(state).to_have_text("disabled")
    await expect(row.get_by_role("button", name="Enable")).to_be_visible()
    await shot(page, "flow-trigger-disabled")
    listed = (await server.get(f"{API}/triggers/{NAMESPACE}/nightly")).json()["results"]
    assert [(t["triggerId"], t["disabled"]) for t in listed] == [("newyear", True)]
    others = (await server.get(f"{API}/triggers/{NAMESPACE}/audit")).json()["results"]
    assert [(t["triggerId"], t["disabled"]) for t in others] == [("newyear", False)]
