"""The namespace files editor: a tree of a namespace's files, edited, renamed, uploaded and deleted.

Each step is checked through the REST API the UI talks to, and a flow reads what the editor saved.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from tests.e2e.harness import API, deploy, execute
from tests.ui.support import UI, shot

pytestmark = UI

NAMESPACE = "ui.files"
FILES = f"{API}/namespaces/{NAMESPACE}/files"
READER = f"""id: reader
namespace: {NAMESPACE}
tasks:
  - id: show
    type: io.kestra.plugin.core.output.OutputValues
    values:
      hello: "{{{{ read('scripts/hello.txt') }}}}"
"""
CONFIG = b"retries: 3\nhosts:\n  - alpha\n  - beta\n"


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def content(server: httpx.AsyncClient, path: str, address: str = FILES) -> bytes | None:
    """The file at path among the namespace files at address, None when there is none."""
    got = await server.get(address, params={"path": path})
    if got.status_code == 404:
        return None
    assert got.status_code == 200, got.text
    return got.content


@pytest.mark.timeout(240)
async def test_files_are_created_edited_read_by_a_flow_renamed_uploaded_and_deleted(
    page: Page, server: httpx.AsyncClient
) -> None:
    await deploy(server, READER)
    await page.goto(f"/namespaces/{NAMESPACE}")
    await page.get_by_role("button", name="Files", exact=True).click()
    tree = page.get_by_test_id("file-tree")
    await expect(tree).to_contain_text("No files yet.")

    await page.get_by_label("New path").fill("scripts")
    await page.get_by_role("button", name="New directory").click()
    await expect(tree.locator('[data-path="/scripts"]')).to_be_visible()
    stats = await server.get(f"{FILES}/stats", params={"path": "/scripts"})
    assert stats.json()["type"] == "Directory"

    await page.get_by_label("New path").fill("scripts/hello.txt")
    await page.get_by_role("button", name="New file").click()
    await expect(tree.locator('[data-path="/scripts/hello.txt"]')).to_be_visible()
    await page.locator(".cm-content").click()
    await page.keyboard.type("hello from the editor")
    await expect(page.get_by_test_id("file-status")).to_have_text("Unsaved changes")
    await page.get_by_role("button", name="Save file").click()
    await expect(page.get_by_test_id("file-status")).to_have_text("Saved /scripts/hello.txt")
    assert await content(server, "/scripts/hello.txt") == b"hello from the editor"

    run = (await execute(server, NAMESPACE, "reader")).json()
    assert run["state"]["current"] == "SUCCESS", run
    assert run["taskRunList"][0]["outputs"]["values"] == {"hello": "hello from the editor"}

    # The API's refusal of a path that leaves the namespace's files is shown.
    await page.get_by_label("New path").fill("../escape.txt")
    await page.get_by_role("button", name="New file").click()
    await expect(page.get_by_role("alert")).to_contain_text("Could not create /../escape.txt:")

    await page.get_by_role("button", name="Rename").click()
    await page.get_by_label("Move to").fill("scripts/greeting.txt")
    await page.get_by_role("button", name="Move", exact=True).click()
    await expect(tree.locator('[data-path="/scripts/greeting.txt"]')).to_be_visible()
    await expect(tree.locator('[data-path="/scripts/hello.txt"]')).to_have_count(0)
    assert await content(server, "/scripts/hello.txt") is None
    assert await content(server, "/scripts/greeting.txt") == b"hello from the editor"

    # Uploads go into the selected directory.
    await tree.locator('[data-path="/scripts"]').click()
    await page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "config.yml", "mimeType": "application/x-yaml", "buffer": CONFIG}]
    )
    await expect(page.get_by_test_id("file-status")).to_have_text("Uploaded /scripts/config.yml")
    assert await content(server, "/scripts/config.yml") == CONFIG
    await tree.locator('[data-path="/scripts/config.yml"]').click()
    await expect(page.locator(".cm-content")).to_contain_text("retries: 3")
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type("debug: true")
    await page.keyboard.press("Control+s")
    await expect(page.get_by_test_id("file-status")).to_have_text("Saved /scripts/config.yml")
    assert await content(server, "/scripts/config.yml") == CONFIG + b"debug: true"
    await shot(page, "namespace-files")

    await tree.locator('[data-path="/scripts/greeting.txt"]').click()
    page.once("dialog", accept)
    await page.get_by_role("button", name="Delete").click()
    await expect(tree.locator('[data-path="/scripts/greeting.txt"]')).to_have_count(0)
    assert await content(server, "/scripts/greeting.txt") is None

    await tree.locator('[data-path="/scripts"]').click()
    page.once("dialog", accept)
    await page.get_by_role("button", name="Delete").click()
    await expect(tree).to_contain_text("No files yet.")
    assert (await server.get(f"{FILES}/directory")).json() == []


@pytest.mark.timeout(120)
async def test_a_binary_file_is_offered_for_download_and_an_existing_one_is_not_overwritten(
    page: Page, server: httpx.AsyncClient
) -> None:
    # A namespace of its own, so the other test finds its namespace's files as it left them.
    namespace = "ui.files.binary"
    address = f"{API}/namespaces/{namespace}/files"
    image = bytes([0x89, 0x50, 0x4E, 0x47, 0xFF, 0xFE, 0x00])
    await server.post(address, params={"path": "/logo.png"}, files={"fileContent": ("logo.png", image)})
    await page.goto(f"/namespaces/{namespace}?tab=files")

    await page.get_by_test_id("file-tree").locator('[data-path="/logo.png"]').click()
    download = page.get_by_role("link", name="download it")
    await expect(download).to_have_attribute("href", re.compile(r"files\?path=%2Flogo\.png$"))
    await expect(page.locator(".cm-content")).to_have_count(0)

    await page.get_by_label("New path").fill("logo.png")
    await page.get_by_role("button", name="New file").click()
    refused = "Could not create /logo.png: /logo.png already exists"
    await expect(page.get_by_role("alert")).to_have_text(refused)
    assert await content(server, "/logo.png", address) == image


@pytest.mark.timeout(120)
async def test_a_search_finds_files_by_path_and_opens_one_in_the_editor(
    page: Page, server: httpx.AsyncClient
) -> None:
    namespace = "ui.files.search"
    address = f"{API}/namespaces/{namespace}/files"
    for path, text in [("/lib/util/helpers.py", b"def helper(): ..."), ("/README.md", b"# helpers")]:
        created = await server.post(address, params={"path": path}, files={"fileContent": ("upload", text)})
        assert created.status_code < 300, created.text
    await page.goto(f"/namespaces/{namespace}?tab=files")
    tree = page.get_by_test_id("file-tree")
    await expect(tree.locator('[data-path="/README.md"]')).to_be_visible()
    search = page.get_by_label("Search files")
    results = page.get_by_test_id("file-search")

    await search.fill("nowhere")
    await search.press("Enter")
    await expect(results).to_contain_text("No file found.")

    # The path matches, not the content: README.md says "helpers" but is not found.
    await search.fill("helpers")
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(results.locator("button.entry")).to_have_text(["/lib/util/helpers.py"])
    await results.locator('[data-path="/lib/util/helpers.py"]').click()
    await expect(page.locator(".cm-content")).to_contain_text("def helper(): ...")
    await expect(page.get_by_test_id("selected-path")).to_have_text("/lib/util/helpers.py")
    await expect(tree.locator('[data-path="/lib/util/helpers.py"]')).to_have_class(re.compile("selected"))
    await shot(page, "namespace-files-search")

    await page.get_by_role("button", name="Clear search").click()
    await expect(results).to_have_count(0)
    await expect(search).to_have_value("")
