"""How long each page of the web UI takes to show its data with 10,000 executions stored.

Starts a standalone server (tools/bench.py's), runs EXECUTIONS one-task executions through
the REST API, waits until the search finds them all, then opens each main page in Debian's
chromium (headless, Playwright) LOADS times, each in a fresh browser context (no cache), and
prints the median and worst time from navigation to the page's data on screen (the namespace
files tab: its tree, with NAMESPACE_FILES files stored in 10 directories).

    .venv/bin/python tools/ui_load.py [--executions 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from bench import deploy, standalone, wait_healthy  # tools/bench.py, beside this file
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOADS = 5
IN_FLIGHT = 50
NAMESPACE_FILES = 200
FLOW = """id: load
namespace: bench
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ execution.id }}"
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
"""


async def store_executions(client: httpx.AsyncClient, count: int) -> str:
    """Run count executions of FLOW; return the id of the last one once the search finds all."""
    await deploy(client, FLOW)
    slots = asyncio.Semaphore(IN_FLIGHT)
    ids: list[str] = []

    async def one() -> None:
        async with slots:
            response = await client.post("/api/v1/main/executions/bench/load")
            response.raise_for_status()
            ids.append(response.json()["id"])

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    while True:
        found = await client.get("/api/v1/main/executions/search", params={"state": "SUCCESS", "size": 1})
        if found.json()["total"] >= count:
            break
        await asyncio.sleep(1)
    print(f"{count} executions run and indexed in {time.perf_counter() - started:.0f} s")
    return ids[-1]


async def store_namespace_files(client: httpx.AsyncClient) -> None:
    """Upload NAMESPACE_FILES small files into 10 directories of the namespace bench."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(index: int) -> None:
        path = f"/dir{index % 10}/script{index}.py"
        async with slots:
            response = await client.post(
                "/api/v1/main/namespaces/bench/files",
                params={"path": path},
                files={"fileContent": (path.rsplit("/", 1)[1], f"print({index})\n".encode())},
            )
            response.raise_for_status()

    await asyncio.gather(*(one(index) for index in range(NAMESPACE_FILES)))


async def time_page(browser: Browser, url: str, shown: str) -> list[float]:
    """Milliseconds from navigation to the selector `shown` being visible, LOADS times."""
    times = []
    for _ in range(LOADS):
        context = await browser.new_context()
        page = await context.new_page()
        begin = time.perf_counter()
        await page.goto(url)
        await page.locator(shown).first.wait_for(state="visible", timeout=60_000)
        times.append((time.perf_counter() - begin) * 1000)
        await context.close()
    return times


async def bench_ui(work: Path, count: int = 10_000) -> list[str]:
    """Time each page with count executions stored; return the report's lines."""
    if not Path(CHROMIUM).exists():
        return ["\nweb UI: skipped, Debian's chromium is not installed (make browser)"]
    work.mkdir(parents=True, exist_ok=True)
    report = [f"\nweb UI: navigation to the data on screen, {LOADS} cold loads, {count} executions stored"]
    async with standalone(work) as (url, processes):
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            await wait_healthy(client, processes)
            last = await store_executions(client, count)
            await store_namespace_files(client)
        pages = {
            "flows": (f"{url}/flows", "tbody tr"),
            "flow (editor)": (f"{url}/flows/bench/load", ".cm-content"),
            "executions": (f"{url}/executions", "tbody tr"),
            # A page deep in the list: the search skips 4,950 executions.
            "executions p100": (f"{url}/executions?page=100&size=50", "tbody tr"),
            "execution": (f"{url}/executions/{last}", ".gantt-row"),
            "logs": (f"{url}/logs", "tbody tr"),
            "dashboard": (f"{url}/dashboard", '[data-testid="daily"] g[data-total]'),
            "triggers": (f"{url}/triggers", "tr[data-trigger]"),
            "namespace": (f"{url}/namespaces/bench", "tbody tr"),
            "namespace files": (f"{url}/namespaces/bench?tab=files", '[data-path="/dir9"]'),
        }
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (address, shown) in pages.items():
                times = await time_page(browser, address, shown)
                report.append(
                    f"  {name:15} median {statistics.median(times):6.0f} ms, worst {max(times):6.0f} ms"
                )
            await browser.close()
    return report


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="flowmesh-ui-load-") as work:
        Path(work).chmod(0o711)  # the embedded PostgreSQL runs as `nobody` when we are root
        print("\n".join(await bench_ui(Path(work), count)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().executions))
