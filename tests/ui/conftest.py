"""The UI tests' fixtures: one browser and one standalone server per module, a fresh page per test."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from flowmesh.gateway._ui import UI_DIR
from tests.e2e.harness import standalone
from tests.ui.support import CHROMIUM, CHROMIUM_ARGS, SHOWN


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    assert (UI_DIR / "index.html").is_file(), f"the UI is not built in {UI_DIR}: run `make setup`"
    # A secret, whose name the namespace page shows and whose value it never gets.
    secret = {"SECRET_UI_PASSWORD": base64.b64encode(b"hunter2").decode()}
    async with standalone(tmp_path_factory.mktemp("ui"), env=secret) as http:
        yield http


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, server: httpx.AsyncClient) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=str(server.base_url), viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(SHOWN)
    opened = await context.new_page()
    yield opened
    await context.close()
