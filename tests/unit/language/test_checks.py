"""A flow's checks: parsed with their defaults, refused with the place when wrong, evaluated on inputs."""

from __future__ import annotations

import pytest

from flowmesh.language import FlowInvalid, failed_checks, parse_flow

FLOW = """
id: checked
namespace: company.team
inputs:
  - id: size
    type: INT
checks:
  - condition: "{{ inputs.size < 100 }}"
    message: too big
  - condition: "{{ inputs.missing.deeper }}"
    message: cannot render
    behavior: CREATE_EXECUTION
    style: WARNING
tasks:
  - id: t
    type: io.kestra.plugin.core.debug.Return
    format: x
"""


def test_checks_take_kestras_defaults() -> None:
    first, second = parse_flow(FLOW).checks

    assert (first.style, first.behavior) == ("INFO", "BLOCK_EXECUTION")
    assert (second.style, second.behavior) == ("WARNING", "CREATE_EXECUTION")


def test_the_checks_that_fail_are_those_whose_condition_is_falsy_or_cannot_render() -> None:
    flow = parse_flow(FLOW)

    assert [check.message for check in failed_checks(flow, {"size": 500})] == ["too big", "cannot render"]
    assert [check.message for check in failed_checks(flow, {"size": 5})] == ["cannot render"]


def test_a_wrong_check_is_refused_with_its_place() -> None:
    with pytest.raises(FlowInvalid) as refused:
        parse_flow(FLOW.replace("behavior: CREATE_EXECUTION", "behavior: SOMETIMES"))

    (violation,) = refused.value.violations
    assert violation.path == "checks[1].behavior"
    assert violation.line == 12
