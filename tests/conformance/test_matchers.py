"""The harness' own checks, on made-up Kestra JSON: they pass what they must and fail the rest."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conformance.expect import check
from tests.conformance.matchers import MISSING, Seen, lookup, loop_values, matches, reference
from tests.conformance.rest import Json, Tenant


def _run(run_id: str, task_id: str, parent: str | None = None, value: str | None = None, **more: Any) -> Json:
    run: Json = {
        "id": run_id,
        "taskId": task_id,
        "parentTaskRunId": parent,
        "value": value,
        "attempts": [{"state": {"current": "SUCCESS"}}],
        "outputs": {},
        "state": {"current": "SUCCESS", "histories": [{"state": "CREATED"}, {"state": "SUCCESS"}]},
    }
    run.update(more)
    return run


EXECUTION: Json = {
    "id": "e1",
    "namespace": "ns",
    "flowId": "f",
    "state": {
        "current": "SUCCESS",
        "histories": [{"state": name} for name in ("CREATED", "RUNNING", "SUCCESS")],
    },
    "labels": [{"key": "system.correlationId", "value": "e1"}, {"key": "team", "value": "a"}],
    "outputs": {"out": ["x", "y"]},
    "parentId": None,
    "taskRunList": [
        _run("r1", "each", value=None),
        _run("r2", "inner", parent="r1", value="s1"),
        _run(
            "r3", "leaf", parent="r2", value="a a", outputs={"value": "got it", "uris": {"in.txt": "k://1"}}
        ),
        _run("r4", "last", outputs={"value": "got it twice"}),
    ],
}


@pytest.fixture
def seen() -> Seen:
    # No check of these tests calls the server: the tenant is never used.
    return Seen(Tenant(httpx.AsyncClient(), "unused"), EXECUTION)


def test_lookup_follows_dotted_paths_then_literal_keys() -> None:
    outputs = {"values": {"a": 1}, "uris": {"input.txt": "k://"}}

    assert lookup(outputs, "values.a") == 1
    assert lookup(outputs, "uris.input.txt") == "k://"
    assert lookup(outputs, "values.b") is MISSING


def test_loop_values_come_from_the_enclosing_task_runs() -> None:
    runs = EXECUTION["taskRunList"]

    assert loop_values(runs, runs[2]) == ["s1", "a a"]
    assert loop_values(runs, runs[3]) == []


def test_references_name_the_execution_its_task_runs_and_their_outputs(seen: Seen) -> None:
    assert reference("execution.flowId", EXECUTION, seen) == "f"
    assert reference("taskRuns.last.id", EXECUTION, seen) == "r4"
    assert reference("taskRuns.leaf[s1|a a].outputs.value", EXECUTION, seen) == "got it"
    assert reference("firstRun.id", EXECUTION, seen) == "e1"
    with pytest.raises(AssertionError, match="does not know"):
        reference("nothing.here", EXECUTION, seen)


@pytest.mark.parametrize(
    ("value", "matcher", "expected"),
    [
        ("abc", {"equals": "abc"}, True),
        (MISSING, {"equals": None}, False),
        (None, {"notNull": True}, False),
        (MISSING, {"absent": True}, True),
        ("2024-01-01", {"matches": r"\d{4}-\d{2}-\d{2}"}, True),
        ("2024-01-01x", {"matches": r"\d{4}-\d{2}-\d{2}"}, False),
        (["a", "b"], {"hasItems": ["b"]}, True),
        ({"k": 1}, {"hasKey": "k"}, True),
        ("got it twice", {"containsRef": "taskRuns.leaf[s1|a a].outputs.value", "startsWith": "got"}, True),
        ("run e1 ok", {"equalsTemplate": "run {execution.id} ok"}, True),
        ("r3", {"equalsRef": "taskRuns.leaf.id"}, True),
        (1, {"contains": "1"}, False),
    ],
)
def test_matchers(value: Any, matcher: dict[str, Any], expected: bool, seen: Seen) -> None:
    assert matches(value, matcher, EXECUTION, seen) is expected


async def test_an_execution_that_meets_its_expect_passes(seen: Seen) -> None:
    await check(
        EXECUTION,
        {
            "state": "SUCCESS",
            "taskRunCount": 4,
            "allTaskRunsState": "SUCCESS",
            "stateHistoryPrefix": ["CREATED", "RUNNING"],
            "stateHistoryLength": 3,
            "parentId": None,
            "sameIdAsFirstRun": True,
            "labels": {"team": {"equals": "a"}, "system.correlationId": {"equalsRef": "execution.id"}},
            "outputs": {"out": {"hasItems": ["y"]}},
            "outputsExact": True,
            "outputsTree": {"leaf": {"s1": {"a a": {"value": "got it"}}}},
            "taskRuns": [
                {"index": -1, "taskId": "last", "attempts": 1, "attemptState": "SUCCESS"},
                {
                    "taskId": "leaf",
                    "values": ["s1", "a a"],
                    "outputs": {"uris.in.txt": {"startsWith": "k://"}},
                },
                {"taskId": "missing", "absent": True},
                {"taskId": "inner", "stateHistoryCount": {"SUCCESS": 1}},
            ],
        },
        seen,
    )


@pytest.mark.parametrize(
    "expect",
    [
        {"state": "FAILED"},
        {"taskRunCount": 3},
        {"labels": {"team": {"equals": "b"}}},
        {"labels": {"team": {"equals": "a"}}, "labelsExact": True},
        {"outputs": None},
        {"taskRuns": [{"taskId": "leaf", "values": ["s2"], "state": "SUCCESS"}]},
        {"taskRuns": [{"index": 0, "attempts": {"atLeast": 2}}]},
        {"failedTaskRunsAtLeast": 1},
        {"differentIdFromFirstRun": True},
        {"somethingNew": 1},
        {"taskRuns": [{"taskId": "last", "somethingNew": 1}]},
    ],
)
async def test_an_execution_that_misses_its_expect_fails(expect: dict[str, Any], seen: Seen) -> None:
    with pytest.raises(AssertionError):
        await check(EXECUTION, expect, seen)
