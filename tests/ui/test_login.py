"""Signing in to the web UI when auth is on: the login page, a session cookie, live views, log out.

The server of this module has auth on with one admin. The browser holds no credentials of
its own: the gateway's HttpOnly cookie is the session, and EventSource streams use it too.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page, expect

from flowmesh.gateway._session import SESSION_COOKIE
from flowmesh.gateway._ui import UI_DIR
from tests.e2e.harness import API, deploy, standalone
from tests.ui.support import UI, shot

pytestmark = UI

ADMIN, PASSWORD = "admin", "correct-horse-battery"
NAMESPACE = "ui.login"
FLOW = f"""id: nap
namespace: {NAMESPACE}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello from a session
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
"""


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A standalone server with auth on, and a client of it signed in as its admin (basic auth)."""
    assert (UI_DIR / "index.html").is_file(), f"the UI is not built in {UI_DIR}: run `make setup`"
    env = {
        "FLOWMESH_AUTH_ENABLED": "true",
        "FLOWMESH_AUTH_ADMIN_USER": ADMIN,
        "FLOWMESH_AUTH_ADMIN_PASSWORD": PASSWORD,
    }
    async with standalone(tmp_path_factory.mktemp("ui-login"), env=env) as http:
        http.auth = httpx.BasicAuth(ADMIN, PASSWORD)
        yield http


async def sign_in(page: Page, password: str) -> None:
    form = page.get_by_role("form", name="Sign in")
    await form.get_by_label("Username").fill(ADMIN)
    await form.get_by_label("Password").fill(password)
    await form.get_by_role("button", name="Sign in").click()


@pytest.mark.timeout(240)
async def test_a_user_signs_in_watches_an_execution_live_and_logs_out(
    page: Page, server: httpx.AsyncClient
) -> None:
    anonymous = await server.get(f"{API}/flows/search", auth=None)
    assert anonymous.status_code == 401, "auth is off: this test would prove nothing"
    await deploy(server, FLOW)

    # Any page needs a session first: the login page, which then goes where the user was going.
    await page.goto(f"/flows/{NAMESPACE}/nap")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await shot(page, "login")
    await sign_in(page, "not-the-password")
    await expect(page.get_by_role("alert")).to_have_text("wrong username or password")
    await shot(page, "login-refused")
    assert not await page.context.cookies(), "a refused login set a cookie"

    await sign_in(page, PASSWORD)
    await expect(page).to_have_url(re.compile(f"/flows/{NAMESPACE}/nap$"))
    cookies = await page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [(SESSION_COOKIE, True, "Strict")]
    assert await page.evaluate("document.cookie") == "", "a script can read the session"

    # The execution page follows it over SSE, which only the cookie authenticates (the page
    # would poll on a refused stream and still show SUCCESS: the streams' statuses tell).
    streams: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda answer: streams.append((answer.url, answer.status)) if "/follow" in answer.url else None,
    )
    await page.get_by_role("button", name="Execute").click()
    await page.get_by_role("form", name="Execute").get_by_role("button", name="Run").click()
    await expect(page).to_have_url(re.compile("/executions/[A-Za-z0-9]+$"))
    badge = page.locator("h1 + .toolbar .state")
    await expect(badge).to_have_text("RUNNING")
    await expect(badge).to_have_text("SUCCESS")
    await expect(page.get_by_test_id("logs")).to_contain_text("hello from a session")
    await shot(page, "login-execution")
    assert any("/executions/" in url for url, _ in streams), streams
    assert all(status == 200 for _, status in streams), streams

    # Log out: the login page again, and the old cookie is refused even if kept.
    token = cookies[0]["value"]
    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile("/login$"))
    assert not await page.context.cookies()
    kept = await server.get(f"{API}/flows/search", auth=None, headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert kept.status_code == 401, kept.text
    await page.goto("/flows")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fflows$"))
