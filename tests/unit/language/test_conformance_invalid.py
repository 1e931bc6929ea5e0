"""Kestra's invalid flows (conformance manifest `invalid:`): each is refused, with Kestra's words."""

from __future__ import annotations

from typing import Any

import pytest

from flowmesh.language import FlowInvalid, parse_flow
from tests.unit.corpus import manifest, out_of_reach, require_corpus, source

require_corpus()

# Where flowmesh reports one violation per problem and Kestra's bean validation more:
# invalid.yaml's task without id breaks both @NotNull and @NotBlank of TaskInterface.getId.
VIOLATION_COUNTS = {"invalid.yaml": 3}


def cases() -> list[Any]:
    params = []
    for entry in manifest()["invalid"]:
        missing = out_of_reach(source("invalid", entry["file"]))
        params.append(pytest.param(entry, missing, id=entry["file"]))
    return params


@pytest.mark.parametrize(("entry", "missing"), cases())
def test_invalid_flow_is_refused(entry: dict[str, Any], missing: list[str]) -> None:
    with pytest.raises(FlowInvalid) as caught:
        parse_flow(source("invalid", entry["file"]))

    found = caught.value.violations
    assert found
    assert all(violation.line >= 1 for violation in found), found
    if missing:
        return  # refused for what flowmesh lacks: Kestra's own messages do not apply yet
    text = str(caught.value)
    for expected in entry.get("errors") or []:
        assert expected in text
    if "errorsAnyOf" in entry:
        assert any(expected in text for expected in entry["errorsAnyOf"]), text
    if "violations" in entry:
        assert len(found) == VIOLATION_COUNTS.get(entry["file"], entry["violations"]), found


def test_the_cases_flowmesh_can_judge_are_checked_on_their_messages() -> None:
    judged = sorted(
        entry["file"] for entry in manifest()["invalid"] if not out_of_reach(source("invalid", entry["file"]))
    )

    assert {
        "duplicate-inputs.yaml",
        "empty.yaml",
        "inputs.yaml",
        "invalid-property.yaml",
        "invalid.yaml",
    } <= set(judged)


def test_a_duplicate_task_id_is_found_even_beside_properties_flowmesh_lacks() -> None:
    with pytest.raises(FlowInvalid) as caught:
        parse_flow(source("invalid", "duplicate-parallel.yaml"))

    assert "Duplicate task id with name [t3]" in str(caught.value)
