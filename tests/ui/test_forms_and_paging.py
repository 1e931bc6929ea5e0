"""The Execute form's widget for every input type, the executions list a page at a time, the dashboard.

The form is filled as a person would and the execution the server stored is read back
through the API: each input must arrive with its type (numbers, lists, UTC date-times...).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.harness import API, deploy, get_execution, logs_of, wait_ended
from tests.ui.support import UI, shot

pytestmark = UI

NAMESPACE = "ui.forms"
EVERY_INPUT = f"""id: every-input
namespace: {NAMESPACE}
inputs:
  - id: text
    type: STRING
    description: Who to greet
  - id: password
    type: SECRET
  - id: whole
    type: INT
    min: 1
    max: 10
  - id: ratio
    type: FLOAT
    defaults: 0.5
  - id: flag
    type: BOOLEAN
  - id: enabled
    type: BOOL
    defaults: true
  - id: color
    type: SELECT
    values: [red, green, blue]
  - id: size
    type: ENUM
    values: [S, M, L]
    defaults: M
  - id: tags
    type: MULTISELECT
    values: [a, b, c]
  - id: moment
    type: DATETIME
  - id: day
    type: DATE
  - id: hour
    type: TIME
  - id: wait
    type: DURATION
  - id: doc
    type: JSON
  - id: config
    type: YAML
  - id: site
    type: URI
  - id: mail
    type: EMAIL
  - id: numbers
    type: ARRAY
    itemType: INT
  - id: upload
    type: FILE
tasks:
  - id: check
    type: io.kestra.plugin.core.log.Log
    message: "the secret is right: {{{{ inputs.password == 's3cret' }}}}"
"""
CHOICES = f"""id: choices
namespace: {NAMESPACE}
inputs:
  - id: pick
    type: SELECT
    values: [one, two]
    isRadio: true
  - id: free
    type: SELECT
    values: [x, y]
    allowCustomValue: true
  - id: many
    type: MULTISELECT
    values: [a, b]
    defaults: [b]
    allowCustomValue: true
  - id: when
    type: DATETIME
    defaults: "2024-01-31T10:00:00Z"
  - id: items
    type: ARRAY
    itemType: JSON
    defaults: [{{"k": 1}}, [2]]
  - id: doc
    type: JSON
    defaults: {{"a": 1}}
tasks:
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
"""
CHECKED = f"""id: checked
namespace: {NAMESPACE}
inputs:
  - id: code
    type: STRING
    validator: "[A-Z]+"
  - id: doc
    type: JSON
    required: false
tasks:
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ inputs.code }}}}"
"""
APPROVAL = f"""id: approval
namespace: {NAMESPACE}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: code
        type: STRING
        validator: "[A-Z]+"
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ outputs.wait.onResume.code }}}}"
"""
QUICK = f"""id: quick
namespace: {NAMESPACE}.paging
tasks:
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
"""
BROKEN = f"""id: broken
namespace: {NAMESPACE}
tasks:
  - id: stop
    type: io.kestra.plugin.core.execution.Fail
"""


@pytest.mark.timeout(240)
async def test_every_input_type_has_its_widget_and_arrives_typed(
    page: Page, server: httpx.AsyncClient, tmp_path: Path
) -> None:
    await deploy(server, EVERY_INPUT)
    upload = tmp_path / "note.txt"
    upload.write_text("paper")
    await page.goto(f"/flows/{NAMESPACE}/every-input")
    await page.get_by_role("button", name="Execute").click()
    form = page.get_by_role("form", name="Execute")

    def field(name: str) -> Locator:
        return form.get_by_label(name, exact=True)

    await expect(field("text")).to_have_accessible_description("Who to greet")
    await expect(field("password")).to_have_attribute("type", "password")
    await expect(field("ratio")).to_have_value("0.5")
    await expect(field("enabled")).to_be_checked()
    await expect(field("size")).to_have_value("M")
    await expect(field("numbers")).to_have_accessible_description("One INT per line.")

    await field("text").fill("Ada")
    await field("password").fill("s3cret")
    await field("whole").fill("7")
    await field("flag").check()
    await field("enabled").uncheck()
    await field("color").select_option("green")
    tags = form.get_by_role("group", name="tags")
    await tags.get_by_label("a", exact=True).check()
    await tags.get_by_label("c", exact=True).check()
    await field("moment").fill("2024-01-31T10:15:30")
    await field("day").fill("2024-02-29")
    await field("hour").fill("10:15:30")
    await field("wait").fill("90 minutes")
    assert await field("wait").evaluate("field => field.validity.patternMismatch")
    await field("wait").fill("PT1H30M")
    assert await field("wait").evaluate("field => field.validity.valid")
    await field("doc").fill('{"a": [1, 2], "b": null}')
    await field("config").fill("name: x\nitems:\n  - 1\n  - 2\n")
    await field("site").fill("https://example.com/path?q=1")
    await field("mail").fill("ada@example.com")
    await field("numbers").fill("1\n2\n3")
    await field("upload").set_input_files(upload)
    await page.set_viewport_size({"width": 1280, "height": 1200})  # the whole form in the picture
    await shot(page, "execute-form-every-type")
    # The browser's own reading of the local date-time, in UTC as the server stores it.
    moment = await page.evaluate("new Date('2024-01-31T10:15:30').toISOString().replace('.000Z', 'Z')")
    await form.get_by_role("button", name="Run").click()

    await expect(page).to_have_url(re.compile("/executions/[A-Za-z0-9]+$"))
    execution_id = page.url.rsplit("/", 1)[1]
    ended = await wait_ended(server, execution_id)
    assert ended["state"]["current"] == "SUCCESS"
    inputs = (await get_execution(server, execution_id))["inputs"]
    file_uri = inputs.pop("upload")
    assert file_uri.startswith("kestra:///")
    assert file_uri.endswith("note.txt")
    assert inputs == {
        "text": "Ada",
        "password": "********",  # the API never shows a SECRET
        "whole": 7,
        "ratio": 0.5,
        "flag": True,
        "enabled": False,
        "color": "green",
        "size": "M",
        "tags": ["a", "c"],
        "moment": moment,
        "day": "2024-02-29",
        "hour": "10:15:30",
        "wait": "PT1H30M",
        "doc": {"a": [1, 2], "b": None},
        "config": {"name": "x", "items": [1, 2]},
        "site": "https://example.com/path?q=1",
        "mail": "ada@example.com",
        "numbers": [1, 2, 3],
    }
    await logs_of(server, execution_id, ["the secret is right: true"])


@pytest.mark.timeout(240)
async def test_choices_and_defaults_fill_the_form(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, CHOICES)
    await page.goto(f"/flows/{NAMESPACE}/choices")
    await page.get_by_role("button", name="Execute").click()
    form = page.get_by_role("form", name="Execute")
    # The defaults, written as each widget wants them: local time, a JSON item per line.
    when = form.get_by_label("when", exact=True)
    await expect(when).not_to_have_value("")
    assert await when.evaluate("field => new Date(field.value).toISOString()") == "2024-01-31T10:00:00.000Z"
    await expect(form.get_by_label("items", exact=True)).to_have_value('{"k":1}\n[2]')
    await expect(form.get_by_label("doc", exact=True)).to_have_value('{\n  "a": 1\n}')
    many = form.get_by_role("group", name="many")
    await expect(many.get_by_label("b", exact=True)).to_be_checked()

    await form.get_by_role("group", name="pick").get_by_label("two").check()
    await form.get_by_label("free", exact=True).fill("zed")
    await many.get_by_label("a", exact=True).check()
    await many.get_by_label("many: other values").fill("c, d")
    await form.get_by_role("button", name="Run").click()

    await expect(page).to_have_url(re.compile("/executions/[A-Za-z0-9]+$"))
    stored = await get_execution(server, page.url.rsplit("/", 1)[1])
    assert stored["inputs"] == {
        "pick": "two",
        "free": "zed",
        "many": ["a", "b", "c", "d"],
        "when": "2024-01-31T10:00:00Z",
        "items": [{"k": 1}, [2]],
        "doc": {"a": 1},
    }


@pytest.mark.timeout(240)
async def test_a_bad_value_is_shown_next_to_its_field(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, CHECKED)
    await page.goto(f"/flows/{NAMESPACE}/checked")
    await page.get_by_role("button", name="Execute").click()
    form = page.get_by_role("form", name="Execute")
    doc = form.get_by_label("doc", exact=True)
    code = form.get_by_label("code", exact=True)
    await code.fill("lower")

    # Not JSON: the form says where, and is not sent.
    await doc.fill('{"a": ')
    await expect(doc).to_have_attribute("aria-invalid", "true")
    problem = form.locator('[data-input="doc"] .field-error')
    await expect(problem).to_contain_text("Not valid JSON")
    await form.get_by_role("button", name="Run").click()
    await expect(form).to_be_visible()
    await shot(page, "execute-form-bad-json")
    await doc.fill('{"a": 1}')
    await expect(problem).to_have_count(0)

    # The server refuses what only it checks (the validator): its words, next to the field.
    await form.get_by_role("button", name="Run").click()
    await expect(form.get_by_role("alert")).to_contain_text("it must match the pattern")
    refused = form.locator('[data-input="code"] .field-error')
    await expect(refused).to_contain_text("it must match the pattern")
    await expect(page).to_have_url(re.compile(f"/flows/{NAMESPACE}/checked$"))
    await shot(page, "execute-form-refused")

    await code.fill("UPPER")
    await form.get_by_role("button", name="Run").click()
    await expect(page).to_have_url(re.compile("/executions/[A-Za-z0-9]+$"))
    stored = await get_execution(server, page.url.rsplit("/", 1)[1])
    assert stored["inputs"] == {"code": "UPPER", "doc": {"a": 1}}


@pytest.mark.timeout(240)
async def test_a_refused_resume_value_is_shown_next_to_its_field(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, APPROVAL)
    created = await server.post(f"{API}/executions/{NAMESPACE}/approval")
    execution_id = created.json()["id"]
    await page.goto(f"/executions/{execution_id}")
    form = page.get_by_role("form", name="Resume")
    code = form.get_by_label("code", exact=True)

    await code.fill("lower")
    await form.get_by_role("button", name="Resume").click()
    refused = form.locator('[data-input="code"] .field-error')
    await expect(refused).to_contain_text("it must match the pattern")
    await shot(page, "resume-form-refused")
    assert (await get_execution(server, execution_id))["state"]["current"] == "PAUSED"

    await code.fill("UPPER")
    await form.get_by_role("button", name="Resume").click()
    await expect(page.locator("h1 + .toolbar .state")).to_have_text("SUCCESS")
    stored = await get_execution(server, execution_id)
    assert stored["taskRunList"][0]["outputs"] == {"onResume": {"code": "UPPER"}}


def rows_of(first: int, last: int, total: int) -> str:
    """Return what the list says it shows: `51-60 of 60`, with an en dash."""
    return f"{first}\N{EN DASH}{last} of {total}"


async def ids_on(page: Page) -> list[str]:
    """Return the ids of the executions the list shows."""
    return await page.locator("tbody tr td:first-child a").all_inner_texts()


@pytest.mark.timeout(240)
async def test_the_executions_list_pages_and_keeps_its_page_on_reload(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, QUICK)
    created = []
    for _ in range(60):
        response = await server.post(f"{API}/executions/{NAMESPACE}.paging/quick")
        assert response.status_code == 200, response.text
        created.append(response.json()["id"])

    await page.goto("/executions")
    await page.get_by_label("Namespace").fill(f"{NAMESPACE}.paging")
    range_shown = page.get_by_test_id("range")
    rows = page.locator("tbody tr")
    await expect(range_shown).to_have_text(rows_of(1, 50, 60))
    await expect(rows).to_have_count(50)
    await expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    first = await ids_on(page)

    await page.get_by_role("button", name="Next").click()
    await expect(range_shown).to_have_text(rows_of(51, 60, 60))
    await expect(rows).to_have_count(10)
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()
    await expect(page).to_have_url(re.compile(r"page=2"))
    second = await ids_on(page)
    # Each execution on one page, none left out.
    assert sorted(first + second) == sorted(created)
    await shot(page, "executions-paged")

    await page.reload()
    await expect(page.get_by_label("Namespace")).to_have_value(f"{NAMESPACE}.paging")
    await expect(range_shown).to_have_text(rows_of(51, 60, 60))
    await expect(rows).to_have_count(10)

    # A smaller page keeps the first row shown on the page shown: 25 a page, the third.
    await page.get_by_label("Page size").select_option("25")
    await expect(range_shown).to_have_text(rows_of(51, 60, 60))
    await page.get_by_role("button", name="Previous").click()
    await expect(range_shown).to_have_text(rows_of(26, 50, 60))
    await expect(rows).to_have_count(25)

    # The list stays live on its page: a new execution shows without a reload.
    response = await server.post(f"{API}/executions/{NAMESPACE}.paging/quick")
    assert response.status_code == 200, response.text
    await expect(range_shown).to_have_text(rows_of(26, 50, 61))
    await expect(page).to_have_url(re.compile(r"page=2.*size=25|size=25.*page=2"))

    # A new filter starts again at the first page.
    await page.get_by_label("Flow").fill("quick")
    await expect(range_shown).to_have_text(rows_of(1, 25, 61))


@pytest.mark.timeout(240)
async def test_the_dashboard_chart_fills_its_width(page: Page, server: httpx.AsyncClient) -> None:
    await deploy(server, BROKEN)
    for _ in range(2):
        created = await server.post(f"{API}/executions/{NAMESPACE}/broken")
        await wait_ended(server, created.json()["id"])
    await page.goto("/dashboard")
    chart = page.get_by_test_id("daily")
    today = chart.locator("g[data-total]").last
    await expect(today).not_to_have_attribute("data-total", "0")
    await expect(chart.locator(".legend")).to_contain_text("FAILED")
    await expect(chart.locator("svg text.axis").first).to_have_text("0")

    box = await chart.bounding_box()
    svg = await chart.locator("svg").bounding_box()
    bar = await today.locator("rect[fill]:not([fill=transparent])").first.bounding_box()
    assert box is not None
    assert svg is not None
    assert bar is not None
    assert svg["width"] > 0.95 * (box["width"] - 20), (svg, box)
    # Today is the last day: its bar ends the chart, at its right edge.
    assert bar["x"] + bar["width"] > box["x"] + 0.9 * box["width"], (bar, box)

    failing = page.get_by_test_id("failing").locator("tbody tr", has_text=f"{NAMESPACE}.broken")
    await expect(failing.locator("td")).to_have_text([f"{NAMESPACE}.broken", "2", "2", "100 %"])
    await expect(page.get_by_test_id("durations").locator("tbody tr")).not_to_have_count(0)
    await shot(page, "dashboard-wide")

    # Over 90 days a date is written under every few days only: no two of them overlap.
    await page.get_by_label("Days").select_option("90")
    await expect(chart.locator("g[data-day]").first).to_have_attribute("data-day", re.compile(r"\d{4}-"))
    await expect(chart.locator("g[data-day]")).not_to_have_count(15)
    spans = await chart.locator("g[data-day] text").evaluate_all(
        "texts => texts.map((t) => { const box = t.getBoundingClientRect(); return [box.left, box.right]; })"
    )
    assert len(spans) > 5
    assert all(right < next_left for (_, right), (next_left, _) in itertools.pairwise(spans)), spans
    # Today's date is written too, whole, inside the chart.
    await expect(chart.locator("g[data-day]").last.locator("text")).to_be_visible()
    assert spans[-1][1] <= box["x"] + box["width"], (spans[-1], box)
    await shot(page, "dashboard-90-days")
