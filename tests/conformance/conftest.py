"""Kestra's conformance corpus against one standalone server, through the REST API only.

One server runs the whole session; each manifest case has a tenant of its own (`c-<n>`),
so cases run side by side without seeing each other's flows, executions or logs. The
cases start together the first time one is asked for, a few at a time, and each test
waits for its own: the session lasts about as long as the slowest case, not their sum.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest

from tests.conformance import corpus
from tests.conformance.play import run_case
from tests.conformance.rest import Tenant
from tests.e2e.harness import standalone

# Cases played at once; each mostly waits (sleeps, pauses, retry intervals) on the server.
PARALLEL_CASES = 24
# Enough worker slots that the cases' Sleep tasks and retries do not queue behind each other.
WORKER_CONCURRENCY = 48


@pytest.fixture(scope="session")
async def conformance_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """Run one standalone server for the session, with the environment the cases ask for."""
    environment = {**corpus.server_environment(), "FLOWMESH_WORKER_CONCURRENCY": str(WORKER_CONCURRENCY)}
    async with standalone(tmp_path_factory.mktemp("conformance"), env=environment) as http:
        yield http


def tenant_of(case_id: str) -> str:
    """Return the tenant a manifest case runs in: its position in the manifest."""
    return f"c-{[case['id'] for case in corpus.cases()].index(case_id)}"


class Runs:
    """The manifest cases of the session, each played in its own task."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.slots = asyncio.Semaphore(PARALLEL_CASES)

    def start(self, case_ids: Iterable[str]) -> None:
        by_id = {case["id"]: case for case in corpus.cases()}
        for case_id in case_ids:
            if case_id not in self.tasks:
                self.tasks[case_id] = asyncio.create_task(self._play(by_id[case_id]), name=case_id)

    async def _play(self, case: dict[str, Any]) -> None:
        async with self.slots:
            await run_case(case, Tenant(self.http, tenant_of(case["id"])))

    async def result(self, case_id: str) -> None:
        """Wait for a case's run; raise what it raised."""
        self.start([case_id])
        await self.tasks[case_id]

    async def close(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


@pytest.fixture(scope="session")
async def manifest_runs(
    request: pytest.FixtureRequest, conformance_server: httpx.AsyncClient
) -> AsyncIterator[Runs]:
    """Start every selected manifest case that is not skipped; yield where tests find their results."""
    runs = Runs(conformance_server)
    runs.start(
        _case_id(item)
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_manifest_case"
        and item.get_closest_marker("skip") is None
    )
    yield runs
    await runs.close()


def _case_id(item: pytest.Function) -> str:
    case = item.callspec.params["case"]
    assert isinstance(case, dict)
    return str(case["id"])


# --------------------------------------------------------------------------- the summary

# The test functions whose outcomes are counted, by the part of the corpus they check.
SUITES = {
    "test_manifest_case": "manifest",
    "test_invalid_flow_is_refused": "invalid",
    "test_expression_case": "expressions",
}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print how many conformance cases pass, of those in scope and of all (CI logs show it)."""
    counts: dict[str, Counter[str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            suite = _suite(report)
            if suite is not None:
                counts.setdefault(suite, Counter())[_outcome(report)] += 1
    if not counts:
        if not corpus.available():
            terminalreporter.write_line(f"conformance: not run, no corpus at {corpus.CONFORMANCE}")
        return
    parts = []
    for suite in SUITES.values():
        if suite not in counts:
            continue
        count = counts[suite]
        total = sum(count.values())
        in_scope = total - count["skipped"]
        parts.append(
            f"{suite} {count['passed']}/{in_scope} in scope ({total} total, {count['skipped']} out of scope"
            + (f", {_counted(count['xfailed'], 'known gap')}" if count["xfailed"] else "")
            + (f", {count['failed']} failing" if count["failed"] else "")
            + ")"
        )
    terminalreporter.write_line("conformance: " + ", ".join(parts))


def _counted(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _suite(report: Any) -> str | None:
    if not isinstance(report, pytest.TestReport) or "tests/conformance/" not in report.nodeid:
        return None
    name = report.nodeid.split("::")[-1].split("[")[0]
    if name not in SUITES:
        return None
    # One report per test: the call's, or the setup's when the test did not get that far.
    if report.when == "call" or (report.when == "setup" and not report.passed):
        return SUITES[name]
    return None


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "passed"
    if report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
        return "passed"  # a known gap that passes now: it counts, and the run fails to say so
    return report.outcome
