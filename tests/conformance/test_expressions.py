"""expressions.yaml: Kestra's own Pebble cases, rendered by the server's expression playground."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conformance.corpus import expression_cases, require_corpus
from tests.conformance.scope import EXPRESSIONS_KNOWN_GAPS, EXPRESSIONS_OUT_OF_SCOPE, param

require_corpus()

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize(
    "case",
    [
        param(case, case_id, EXPRESSIONS_OUT_OF_SCOPE, EXPRESSIONS_KNOWN_GAPS)
        for case_id, case in expression_cases().items()
    ],
)
async def test_expression_case(case: dict[str, Any], conformance_server: httpx.AsyncClient) -> None:
    response = await conformance_server.post(
        "/api/v1/main/expressions/evaluate",
        json={
            "template": case["template"],
            "variables": case.get("variables") or {},
            "recursive": bool(case.get("recursive")),
        },
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    if "error" in case:
        assert "error" in answer, f"rendered: {answer}"
        assert case["error"] in answer["error"], answer["error"]
    elif "contains" in case:
        assert "result" in answer, answer
        assert case["contains"] in answer["result"]
    else:
        assert "result" in answer, answer
        assert answer["result"] == case["expected"]
