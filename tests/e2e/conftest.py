"""End-to-end fixtures' shared part: a failing test's report carries the tails of the servers' logs."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.e2e.harness import LIVE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Append the log tails of every running deployment to the report of a failure (CI reads them)."""
    report = yield
    if report.failed:
        for deployment in LIVE:
            report.sections.append((f"flowmesh logs: {deployment.name}", deployment.tails()))
    return report
