"""A flow's `sla` and `retry`: parsed into the flow definition, refused with their place when wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowmesh.language import (
    ExecutionAssertionSla,
    FlowInvalid,
    MaxDurationSla,
    Violation,
    flow_schema,
    parse_flow,
)
from flowmesh.plugins import ConstantRetry, ExponentialRetry

HEAD = "id: f\nnamespace: n\n"
TASKS = "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"


def violations(source: str) -> list[Violation]:
    with pytest.raises(FlowInvalid) as caught:
        parse_flow(source)
    return caught.value.violations


def test_both_sla_types_parse_with_their_labels_as_a_map_or_a_list() -> None:
    flow = parse_flow(
        HEAD
        + "sla:\n"
        + "  - id: late\n    type: MAX_DURATION\n    behavior: CANCEL\n    duration: pt0.5s\n"
        + "    labels: {sla: miss, retried: true}\n"
        + "  - id: check\n    type: EXECUTION_ASSERTION\n    behavior: NONE\n"
        + "    assert: \"{{ inputs.x != 'no' }}\"\n    labels:\n      - key: sla\n        value: violated\n"
        + TASKS
    )

    assert flow.sla == [
        MaxDurationSla(
            id="late",
            type="MAX_DURATION",
            behavior="CANCEL",
            duration=timedelta(milliseconds=500),
            labels={"sla": "miss", "retried": "true"},
        ),
        ExecutionAssertionSla(
            id="check",
            type="EXECUTION_ASSERTION",
            behavior="NONE",
            assertion="{{ inputs.x != 'no' }}",
            labels={"sla": "violated"},
        ),
    ]
    assert parse_flow(HEAD + TASKS).sla == []


@pytest.mark.parametrize(
    ("sla", "path", "message"),
    [
        ("    type: MAX_DURATION\n    duration: PT1S\n", "sla[0].behavior", "must not be null"),
        ("    type: MAX_DURATION\n    behavior: FAIL\n", "sla[0].duration", "must not be null"),
        ("    type: MAX_DURATION\n    behavior: FAIL\n    duration: PT0S\n", "sla[0]", "must be a positive"),
        ("    type: MAX_DURATION\n    behavior: STOP\n    duration: PT1S\n", "sla[0].behavior", "'FAIL'"),
        ("    type: EXECUTION_ASSERTION\n    behavior: FAIL\n", "sla[0].assert", "must not be null"),
        (
            "    type: EXECUTION_ASSERTION\n    behavior: FAIL\n    assert: ''\n",
            "sla[0].assert",
            "must not be empty",
        ),
        ("    type: LATE\n    behavior: FAIL\n", "sla[0].type", "Invalid type: LATE"),
        ("    behavior: FAIL\n", "sla[0].type", "must not be null"),
        (
            "    type: MAX_DURATION\n    behavior: FAIL\n    duration: PT1S\n    colour: red\n",
            "sla[0].colour",
            'Unrecognized field "colour"',
        ),
        (
            "    type: MAX_DURATION\n    behavior: FAIL\n    duration: PT1S\n    labels: {system.x: y}\n",
            "sla[0].labels",
            "System labels can only be set by Kestra itself, offending label: system.x=y",
        ),
    ],
)
def test_an_invalid_sla_is_refused_with_its_path_and_place(sla: str, path: str, message: str) -> None:
    (problem,) = violations(HEAD + "sla:\n  - id: s\n" + sla + TASKS)

    assert problem.path == path
    assert message in problem.message
    assert problem.line >= 4


def test_an_sla_without_id_and_an_sla_key_that_is_not_a_list_are_refused() -> None:
    (no_id,) = violations(
        HEAD + "sla:\n  - type: MAX_DURATION\n    behavior: FAIL\n    duration: PT1S\n" + TASKS
    )
    (not_list,) = violations(HEAD + "sla: {id: s}\n" + TASKS)

    assert (no_id.path, no_id.message, no_id.line) == ("sla[0].id", "must not be null", 4)
    assert (not_list.path, not_list.message, not_list.line) == ("sla", "must be a list of SLAs", 3)


def test_a_flow_retry_parses_as_a_task_retry_does() -> None:
    constant = parse_flow(HEAD + "retry:\n  type: constant\n  interval: PT1S\n  maxAttempts: 4\n" + TASKS)
    exponential = parse_flow(
        HEAD + "retry: {type: exponential, interval: PT1S, maxInterval: PT8S, warningOnRetry: true}\n" + TASKS
    )

    assert constant.retry == ConstantRetry(type="constant", interval=timedelta(seconds=1), maxAttempts=4)
    assert constant.retry.attempts_limit == 4
    assert isinstance(exponential.retry, ExponentialRetry)
    assert exponential.retry.warningOnRetry
    assert parse_flow(HEAD + TASKS).retry is None


@pytest.mark.parametrize(
    ("retry", "path", "message"),
    [
        ("{type: sometimes}", "retry.type", "Invalid type: sometimes"),
        ("{type: constant}", "retry.interval", "must not be null"),
        ("{type: constant, interval: PT1S, tries: 3}", "retry.tries", 'Unrecognized field "tries"'),
        ("{type: constant, interval: PT1S, maxAttempt: 0}", "retry.maxAttempt", "greater than or equal to 1"),
        ("3", "retry", "must be a map with a type"),
    ],
)
def test_an_invalid_flow_retry_is_refused_with_its_path(retry: str, path: str, message: str) -> None:
    (problem,) = violations(HEAD + f"retry: {retry}\n" + TASKS)

    assert problem.path == path
    assert message in problem.message
    assert problem.line == 3


def test_retry_and_sla_are_in_the_schema_one_branch_per_type() -> None:
    schema = flow_schema()
    retry = schema["properties"]["retry"]
    sla = schema["properties"]["sla"]

    assert {ref["$ref"] for ref in retry["oneOf"]} == {
        "#/$defs/ConstantRetry",
        "#/$defs/ExponentialRetry",
        "#/$defs/RandomRetry",
    }
    assert sla["type"] == "array"
    assert {ref["$ref"] for ref in sla["items"]["oneOf"]} == {
        "#/$defs/MaxDurationSla",
        "#/$defs/ExecutionAssertionSla",
    }
    assertion = schema["$defs"]["ExecutionAssertionSla"]
    assert {"id", "type", "behavior", "assert"} <= set(assertion["required"])
    assert "oneOf" in assertion["properties"]["labels"], "labels as a map or as a list of {key, value}"
    for model in ("ConstantRetry", "MaxDurationSla"):
        assert model in schema["$defs"]
