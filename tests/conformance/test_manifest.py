"""The manifest's cases, each played through REST in a tenant of its own (see conftest and play)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.conftest import Runs
from tests.conformance.corpus import cases, require_corpus
from tests.conformance.scope import KNOWN_GAPS, OUT_OF_SCOPE, param

require_corpus()

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize("case", [param(case, case["id"], OUT_OF_SCOPE, KNOWN_GAPS) for case in cases()])
async def test_manifest_case(case: dict[str, Any], manifest_runs: Runs) -> None:
    await manifest_runs.result(case["id"])
