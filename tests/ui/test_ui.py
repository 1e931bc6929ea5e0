"""The web UI in Debian's chromium (headless, driven by Playwright) against a standalone server.

Each scenario is what a user does: write a flow in the editor and save it, run it with its
inputs and watch it succeed live, read its logs, kill a long execution, restart a failed one.
A screenshot of each main page goes to tests/ui/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import API, deploy, get_execution, wait_ended
from tests.ui.support import UI, replace_source, shot

pytestmark = UI

NAMESPACE = "ui.test"
FLOW = f"""id: greet
namespace: {NAMESPACE}
description: Says hello with every kind of input
inputs:
  - id: name
    type: STRING
  - id: count
    type: INT
    defaults: 2
  - id: loud
    type: BOOLEAN
    defaults: false
  - id: color
    type: SELECT
    values: [red, green, blue]
  - id: doc
    type: FILE
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: >-
      Hello {{{{ inputs.name }}}} x{{{{ inputs.count }}}}
      loud={{{{ inputs.loud }}}} in {{{{ inputs.color }}}}
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
  - id: read
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "the file says {{{{ read(inputs.doc) }}}}"
  - id: note
    type: io.kestra.plugin.core.storage.Write
    content: "written for {{{{ inputs.name }}}}"
    extension: .txt
"""
LONG = f"""id: long
namespace: {NAMESPACE}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT10M
"""
GATED = f"""id: gated
namespace: {NAMESPACE}
tasks:
  - id: gate
    type: io.kestra.plugin.core.kv.Get
    key: gate
    errorOnMissing: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "gate is {{{{ outputs.gate.value }}}}"
"""

MARKED = f"""id: marked
namespace: {NAMESPACE}
tasks:
  - id: stop
    type: io.kestra.plugin.core.execution.Fail
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: went on
"""

PAUSED = f"""id: paused
namespace: {NAMESPACE}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: false
      - id: reason
        type: STRING
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "approved={{{{ outputs.wait.onResume.approved }}}}: {{{{ outputs.wait.onResume.reason }}}}"
"""


@pytest.mark.timeout(240)
async def test_a_flow_written_in_the_editor_is_validated_and_saved(
    page: Page, server: httpx.AsyncClient
) -> None:
    await page.goto("/flows/new")
    await expect(page.locator(".cm-content")).to_contain_text("id: hello")

    await replace_source(page, FLOW.replace("type: INT", "type: NOT_A_TYPE"))
    await expect(page.get_by_test_id("validation")).to_contain_text("problem")
    await expect(page.get_by_test_id("problems")).to_contain_text("inputs")
    await shot(page, "flow-editor-invalid")

    await replace_source(page, FLOW)
    await expect(page.get_by_test_id("validation")).to_have_text("Valid")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(f"/flows/{NAMESPACE}/greet$"))
    await expect(page.get_by_test_id("revision")).to_have_text("Revision 1")

    # A second save of an edited source is revision 2.
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+End")
    await page.keyboard.insert_text(
        "  - id: bye\n    type: io.kestra.plugin.core.log.Log\n    message: bye\n"
    )
    await expect(page.get_by_test_id("validation")).to_have_text("Valid")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_test_id("status")).to_have_text("Saved revision 2")
    stored = (await server.get(f"{API}/flows/{NAMESPACE}/greet")).json()
    assert stored["revision"] == 2
    assert [t["id"] for t in stored["tasks"]][-1] == "bye"
    await shot(page, "flow")

    # The revisions, 1 against 2: the task added is the difference.
    await page.get_by_role("button", name="Revisions").click()
    await expect(page.get_by_label("From revision")).to_have_value("1")
    await expect(page.get_by_label("To revision")).to_have_value("2")
    await expect(page.get_by_test_id("diff").locator(".cm-changedLine")).to_contain_text(["id: bye"])
    await shot(page, "flow-revisions")

    await page.get_by_role("button", name="Topology").click()
    topology = page.get_by_test_id("topology")
    for task in ("hello", "nap", "read", "bye"):
        await expect(topology.locator(f'g.node[data-task="{task}"]')).to_be_visible()
    await shot(page, "flow-topology")

    await page.goto("/flows")
    await page.get_by_label("Search flows").fill("greet")
    await expect(page.get_by_role("link", name="greet", exact=True)).to_be_visible()
    await page.get_by_label("Namespace").select_option(NAMESPACE)
    await expect(page.locator("tbody tr")).to_have_count(1)
    await shot(page, "flows")


@pytest.mark.timeout(240)
async def test_the_editor_completes_task_types_and_their_properties(page: Page) -> None:
    await page.goto("/flows/new")
    await replace_source(
        page, f"id: typed\nnamespace: {NAMESPACE}\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.lo"
    )
    completions = page.locator(".cm-tooltip-autocomplete")
    # A click picks an option (Enter is ignored in the tooltip's first 75 ms, against slips).
    await page.keyboard.type("g.L")
    await completions.get_by_role("option", name="io.kestra.plugin.core.log.Log", exact=True).click()
    await page.keyboard.insert_text("\n    ")
    await page.keyboard.type("mess")
    await completions.get_by_role("option", name="message", exact=True).click()
    await page.keyboard.insert_text("hi")
    await expect(page.locator(".cm-content")).to_contain_text("type: io.kestra.plugin.core.log.Log")
    await expect(page.locator(".cm-content")).to_contain_text("message: hi")
    await expect(page.get_by_test_id("validation")).to_have_text("Valid")
    await shot(page, "flow-editor-completion")


@pytest.mark.timeout(240)
async def test_a_flow_runs_with_its_inputs_and_succeeds_live(
    page: Page, server: httpx.AsyncClient, tmp_path: Path
) -> None:
    await deploy(server, FLOW.replace("id: greet", "id: run"))
    document = tmp_path / "note.txt"
    document.write_text("paper")
    await page.goto(f"/flows/{NAMESPACE}/run")
    await page.get_by_role("button", name="Execute").click()
    form = page.get_by_role("form", name="Execute")
    await form.get_by_label("name").fill("Ada")
    await form.get_by_label("count").fill("3")
    await form.get_by_label("loud").check()
    await form.get_by_label("color").select_option("green")
    await form.get_by_label("doc").set_input_files(document)
    await shot(page, "execute-form")
    await form.get_by_role("button", name="Run").click()

    await expect(page).to_have_url(re.compile("/executions/[A-Za-z0-9]+$"))
    execution_id = page.url.rsplit("/", 1)[1]
    # The Sleep task keeps it running for a second: the page shows RUNNING, then SUCCESS, live.
    badge = page.locator("h1 + .toolbar .state")
    await expect(badge).to_have_text("RUNNING")
    await expect(badge).to_have_text("SUCCESS")
    await expect(page.locator(".gantt-row")).to_have_count(4)
    await expect(page.locator('.gantt-row[data-task="note"]')).to_have_attribute("data-state", "SUCCESS")

    # The topology, colored by the states of the task runs.
    node = page.get_by_test_id("topology").locator('g.node[data-task="note"]')
    await expect(node).to_have_attribute("data-state", "SUCCESS")
    logs = page.get_by_test_id("logs")
    await expect(logs).to_contain_text("Hello Ada x3 loud=true in green")
    await expect(logs).to_contain_text("the file says paper")
    await shot(page, "execution")
    await page.get_by_label("Search logs").fill("hello ADA")
    await expect(logs.locator("div")).to_have_count(1)
    await page.get_by_label("Search logs").fill("")
    # The level filter: at WARN only the WARN line is left.
    await page.get_by_label("Log level").select_option("WARN")
    await expect(logs.locator("div")).to_have_count(1)
    await expect(logs).to_contain_text("the file says paper")

    # The outputs browser: the file the task wrote, previewed and downloadable.
    await page.locator('.gantt-row[data-task="note"]').click()
    outputs = page.get_by_test_id("outputs")
    await outputs.get_by_role("button", name="Preview").click()
    await expect(page.get_by_test_id("preview")).to_have_text("written for Ada")
    download = await outputs.get_by_role("link", name="Download").get_attribute("href")
    assert download is not None
    assert (await server.get(download)).text == "written for Ada"
    await shot(page, "execution-outputs")

    stored = await get_execution(server, execution_id)
    assert stored["state"]["current"] == "SUCCESS"
    assert stored["inputs"]["count"] == 3
    assert stored["inputs"]["color"] == "green"

    await page.goto(f"/flows/{NAMESPACE}/run")
    await expect(page.get_by_role("link", name=execution_id)).to_be_visible()

    # The logs of every execution, searched by words.
    await page.goto("/logs")
    await page.get_by_label("Search logs").fill("paper")
    results = page.get_by_test_id("log-results")
    await expect(results.locator("tbody tr")).to_have_count(1)
    await expect(results.locator("tbody tr")).to_contain_text("the file says paper")
    await expect(results.get_by_role("link", name=execution_id)).to_be_visible()
    await shot(page, "logs")

    await page.goto("/executions")
    await page.get_by_label("Flow").fill("run")
    await expect(page.get_by_role("link", name=execution_id)).to_be_visible()
    await page.get_by_label("State").select_option("FAILED")
    await expect(page.get_by_role("link", name=execution_id)).to_have_count(0)
    await page.get_by_label("State").select_option("SUCCESS")
    await expect(page.get_by_role("link", name=execution_id)).to_be_visible()
    await shot(page, "executions")


@pytest.mark.timeout(240)
async def test_the_executions_list_shows_a_new_execution_without_a_reload(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, LONG)
    await page.goto("/executions")
    await page.get_by_label("Flow").fill("long")
    await expect(page.locator("tbody tr")).to_have_count(0)
    created = await server.post(f"{API}/executions/{NAMESPACE}/long")
    assert created.status_code == 200, created.text
    execution_id = created.json()["id"]
    await expect(page.get_by_role("link", name=execution_id)).to_be_visible()
    await server.delete(f"{API}/executions/{execution_id}/kill")
    await wait_ended(server, execution_id)


@pytest.mark.timeout(240)
async def test_a_long_execution_is_killed(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, LONG.replace("id: long", "id: killed"))
    created = await server.post(f"{API}/executions/{NAMESPACE}/killed")
    execution_id = created.json()["id"]
    await page.goto(f"/executions/{execution_id}")
    await expect(page.locator('.gantt-row[data-task="wait"]')).to_have_attribute("data-state", "RUNNING")
    await page.get_by_role("button", name="Kill").click()
    await expect(page.locator("h1 + .toolbar .state")).to_have_text("KILLED")
    await expect(page.get_by_role("button", name="Kill")).to_be_disabled()
    await shot(page, "execution-killed")
    assert (await get_execution(server, execution_id))["state"]["current"] == "KILLED"


@pytest.mark.timeout(240)
async def test_a_failed_execution_is_restarted_and_succeeds(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, GATED)
    created = await server.post(f"{API}/executions/{NAMESPACE}/gated")
    execution_id = created.json()["id"]
    await page.goto(f"/executions/{execution_id}")
    badge = page.locator("h1 + .toolbar .state")
    await expect(badge).to_have_text("FAILED")
    await expect(page.locator('.gantt-row[data-task="gate"]')).to_have_attribute("data-state", "FAILED")
    await expect(page.get_by_test_id("logs")).to_contain_text("gate")
    await shot(page, "execution-failed")

    # What it lacked is there now: the restart runs the failed task again, and it goes on.
    put = await server.put(
        f"{API}/namespaces/{NAMESPACE}/kv/gate",
        content='"open"',
        headers={"Content-Type": "application/json"},
    )
    assert put.status_code in (200, 204), put.text
    await page.get_by_role("button", name="Restart").click()
    await expect(badge).to_have_text("SUCCESS")
    await expect(page.locator('.gantt-row[data-task="after"]')).to_have_attribute("data-state", "SUCCESS")
    await expect(page.get_by_test_id("logs")).to_contain_text("gate is open")
    histories = [h["state"] for h in (await get_execution(server, execution_id))["state"]["histories"]]
    assert "RESTARTED" in histories
    assert histories[-1] == "SUCCESS"


@pytest.mark.timeout(240)
async def test_an_ended_execution_is_labelled_marked_and_replayed(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, MARKED)
    created = await server.post(f"{API}/executions/{NAMESPACE}/marked")
    execution_id = created.json()["id"]
    await page.goto(f"/executions/{execution_id}")
    badge = page.locator("h1 + .toolbar .state")
    await expect(badge).to_have_text("FAILED")

    await page.get_by_label("New label").fill("team:ui")
    await page.get_by_role("button", name="Set label").click()
    await expect(page.get_by_test_id("labels")).to_have_text("team:ui")

    # The failed task run marked SUCCESS: the execution goes on after it.
    await page.locator('.gantt-row[data-task="stop"]').click()
    await page.get_by_label("New state").select_option("SUCCESS")
    await page.get_by_role("button", name="Change state of stop").click()
    await expect(page.locator('.gantt-row[data-task="after"]')).to_have_attribute("data-state", "SUCCESS")
    await expect(badge).to_have_text("SUCCESS")

    # A replay from the last task is a new execution, followed on its own page.
    await page.locator('.gantt-row[data-task="after"]').click()
    await page.get_by_role("button", name="Replay from after").click()
    await expect(page).not_to_have_url(re.compile(f"/executions/{execution_id}$"))
    await expect(badge).to_have_text("SUCCESS")
    replayed = page.url.rsplit("/", 1)[1]
    assert (await get_execution(server, replayed))["originalId"] == execution_id

    await page.goto("/executions")
    await page.get_by_label("Label").fill("team:ui")
    await expect(page.get_by_role("link", name=execution_id)).to_be_visible()
    await page.get_by_label("Label").fill("team:nobody")
    await expect(page.get_by_role("link", name=execution_id)).to_have_count(0)


@pytest.mark.timeout(240)
async def test_a_paused_execution_is_resumed_with_its_inputs(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, PAUSED)
    created = await server.post(f"{API}/executions/{NAMESPACE}/paused")
    execution_id = created.json()["id"]
    await page.goto(f"/executions/{execution_id}")
    await expect(page.locator("h1 + .toolbar .state")).to_have_text("PAUSED")
    form = page.get_by_role("form", name="Resume")
    await form.get_by_label("approved").check()
    await form.get_by_label("reason").fill("looks right")
    await shot(page, "execution-paused")
    await form.get_by_role("button", name="Resume").click()
    await expect(page.locator("h1 + .toolbar .state")).to_have_text("SUCCESS")
    await expect(page.get_by_test_id("logs")).to_contain_text("approved=true: looks right")


@pytest.mark.timeout(240)
async def test_the_topology_draws_a_flowable_around_its_tasks(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(
        server,
        f"""id: fan
namespace: {NAMESPACE}
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: left
      - id: right
        type: io.kestra.plugin.core.log.Log
        message: right
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: last
""",
    )
    await page.goto(f"/flows/{NAMESPACE}/fan")
    await page.get_by_role("button", name="Topology").click()
    topology = page.get_by_test_id("topology")
    cluster = await topology.locator('g.cluster[data-task="both"] rect').bounding_box()
    assert cluster is not None
    for task in ("left", "right"):
        box = await topology.locator(f'g.node[data-task="{task}"] rect').bounding_box()
        assert box is not None
        assert cluster["x"] < box["x"] < box["x"] + box["width"] < cluster["x"] + cluster["width"], task
        assert cluster["y"] < box["y"] < box["y"] + box["height"] < cluster["y"] + cluster["height"], task
    await expect(topology.locator('g.node[data-task="last"]')).to_be_visible()
    await shot(page, "flow-topology-flowable")


@pytest.mark.timeout(240)
async def test_a_trigger_is_disabled_enabled_and_backfilled(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(
        server,
        f"""id: yearly
namespace: {NAMESPACE}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: new year
triggers:
  - id: newyear
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
""",
    )
    await page.goto("/triggers")
    row = page.locator('tr[data-trigger="newyear"]')
    state = row.get_by_test_id("trigger-state")
    await expect(state).to_have_text("enabled")
    await expect(row.locator("td").nth(2)).not_to_be_empty()  # the next fire
    await row.get_by_role("button", name="Disable").click()
    await expect(state).to_have_text("disabled")
    await row.get_by_role("button", name="Enable").click()
    await expect(state).to_have_text("enabled")

    # Up to a date far ahead: the backfill is still there when the test reads it.
    await row.get_by_label("Backfill start").fill("2020-01-01T00:00")
    await row.get_by_label("Backfill end").fill("2099-01-01T00:00")
    await row.get_by_role("button", name="Backfill").click()
    await expect(state).to_contain_text("backfill")
    await shot(page, "triggers")
    found = await server.get(f"{API}/triggers/search", params={"namespace": NAMESPACE, "q": "yearly"})
    states = [item["state"] for item in found.json()["results"]]
    assert [(s["triggerId"], s["disabled"], s["backfill"] is not None) for s in states] == [
        ("newyear", False, True)
    ]


@pytest.mark.timeout(240)
async def test_the_dashboard_counts_executions_by_day_and_names_failing_flows(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, MARKED.replace("id: marked", "id: broken"))
    for _ in range(2):
        created = await server.post(f"{API}/executions/{NAMESPACE}/broken")
        await wait_ended(server, created.json()["id"])
    await page.goto("/dashboard")
    failing = page.get_by_test_id("failing").locator("tbody tr", has_text=f"{NAMESPACE}.broken")
    await expect(failing.locator("td").nth(1)).to_have_text("2")
    today = page.get_by_test_id("daily").locator("g[data-total]").last
    await expect(today).not_to_have_attribute("data-total", "0")
    await expect(page.get_by_test_id("durations").locator("tbody tr")).not_to_have_count(0)
    await shot(page, "dashboard")


@pytest.mark.timeout(240)
async def test_a_namespace_shows_its_flows_kv_store_and_secret_names(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, LONG.replace("id: long", "id: in-namespace"))
    await page.goto("/namespaces")
    await page.get_by_role("link", name=NAMESPACE, exact=True).click()
    await expect(page.get_by_role("link", name="in-namespace")).to_be_visible()

    await page.get_by_label("KV key").fill("answer")
    await page.get_by_label("KV value").fill("42")
    await page.get_by_role("button", name="Save").click()
    row = page.get_by_test_id("kv").locator('tr[data-key="answer"]')
    await row.get_by_role("button", name="Show").click()
    await expect(row).to_contain_text("42 (NUMBER)")
    got = await server.get(f"{API}/namespaces/{NAMESPACE}/kv/answer")
    assert got.json() == {"type": "NUMBER", "value": 42}

    await expect(page.get_by_test_id("secrets")).to_contain_text("UI_PASSWORD")
    assert "hunter2" not in await page.content()
    await shot(page, "namespace")

    await row.get_by_role("button", name="Delete").click()
    await expect(row).to_have_count(0)
    assert (await server.get(f"{API}/namespaces/{NAMESPACE}/kv/answer")).status_code == 404
