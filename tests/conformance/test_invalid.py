"""The manifest's invalid flows: the server refuses each, with Kestra's words for why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conformance.corpus import invalid_flows, require_corpus, source
from tests.conformance.scope import INVALID_KNOWN_GAPS, INVALID_OUT_OF_SCOPE, INVALID_VIOLATIONS, param
from tests.e2e.harness import YAML

require_corpus()

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize(
    "entry",
    [param(entry, entry["file"], INVALID_OUT_OF_SCOPE, INVALID_KNOWN_GAPS) for entry in invalid_flows()],
)
async def test_invalid_flow_is_refused(entry: dict[str, Any], conformance_server: httpx.AsyncClient) -> None:
    api = f"/api/v1/i-{[item['file'] for item in invalid_flows()].index(entry['file'])}"
    text = source("invalid", entry["file"])

    validated = await conformance_server.post(f"{api}/flows/validate", content=text, headers=YAML)
    created = await conformance_server.post(f"{api}/flows", content=text, headers=YAML)

    assert validated.status_code == 200, validated.text
    (result,) = validated.json()
    constraints = result.get("constraints") or ""
    assert constraints, f"validate finds nothing wrong: {result}"
    assert created.status_code == 422, f"the flow is stored: {created.text}"
    refusal = created.json()
    for expected in entry.get("errors") or []:
        assert expected in constraints, constraints
        assert expected in refusal["message"], refusal["message"]
    if "errorsAnyOf" in entry:
        assert any(expected in constraints for expected in entry["errorsAnyOf"]), constraints
    if "violations" in entry:
        wanted = INVALID_VIOLATIONS.get(entry["file"], entry["violations"])
        assert len(refusal["violations"]) == wanted, refusal["violations"]
