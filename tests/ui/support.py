"""What the UI tests share: Debian's chromium, where screenshots go, and how a test types a flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

CHROMIUM = Path("/usr/bin/chromium")
# As the machine's own check runs it: no sandbox as root, no calls to Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Long enough for a server on a busy machine; every wait below ends as soon as the page shows it.
SHOWN = 30_000

# Playwright's assertions wait 5 s by default, whatever the context's default timeout.
expect.set_options(timeout=SHOWN)

# Every UI test module starts with `pytestmark = UI`.
UI = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)"),
]


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def replace_source(page: Page, source: str) -> None:
    """Put source in the page's YAML editor, as typing would (the editor validates it)."""
    editor = page.locator(".cm-content")
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    # Typed text would be auto-indented by the editor; an insertion is what a paste does.
    await page.keyboard.insert_text(source)
