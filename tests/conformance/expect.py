"""The manifest's expectations checked on Kestra's JSON: executions, task runs, logs, other executions.

`conventions` at the top of manifest.yaml defines every key checked here; a key this module
does not know fails the check, so that a new kind of expectation is never passed over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest

from tests.conformance.matchers import (
    MISSING,
    Seen,
    check_map,
    first_run,
    lookup,
    loop_values,
    matches,
    reference,
    shown,
)
from tests.conformance.rest import Json, Tenant, ended, state
from tests.waiting import eventually

# How long other executions may take to be indexed and to end before a check fails (the
# corpus' wait), and logs to be indexed (the indexer is behind by a fraction of a second).
SETTLE_SECONDS = 60.0
LOG_SECONDS = 20.0

# ------------------------------------------------------------------------------ the checks


async def check(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    """Check an execution against an `expect` of the manifest; raise AssertionError on a mismatch."""
    unknown = set(expect) - set(_CHECKS) - {"executions", "outputsExact", "labelsExact"}
    assert not unknown, f"expectations this harness does not know: {sorted(unknown)}"
    # The other executions first: references (executions[0].id) name them.
    if "executions" in expect:
        await check_executions(expect["executions"], seen)
    for key, checker in _CHECKS.items():
        if key in expect:
            await checker(execution, expect, seen)


async def _state(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    assert state(execution) == expect["state"], summary(execution)


async def _task_run_count(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    assert len(execution["taskRunList"]) == expect["taskRunCount"], summary(execution)


async def _all_task_runs_state(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    states = {run["state"]["current"] for run in execution["taskRunList"]}
    assert states == {expect["allTaskRunsState"]}, summary(execution)


async def _failed_task_runs(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    failed = [run for run in execution["taskRunList"] if run["state"]["current"] == "FAILED"]
    assert len(failed) >= expect["failedTaskRunsAtLeast"], summary(execution)


def _history(execution: Json) -> list[str]:
    return [entry["state"] for entry in execution["state"]["histories"]]


async def _history_length(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    assert len(_history(execution)) == expect["stateHistoryLength"], _history(execution)


async def _history_prefix(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    wanted = list(expect["stateHistoryPrefix"])
    assert _history(execution)[: len(wanted)] == wanted, _history(execution)


async def _task_runs(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    for selected in expect["taskRuns"]:
        await check_task_run(execution, selected, seen)


async def _outputs(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    found = execution.get("outputs") or {}
    check_map(found, expect["outputs"], execution, seen, exact=bool(expect.get("outputsExact")))


async def _outputs_tree(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    """Check the outputs as the `outputs` variable shows them: task id, then loop values, then outputs."""
    tree: dict[str, Any] = {}
    for run in execution["taskRunList"]:
        node = tree.setdefault(run["taskId"], {})
        for loop_value in loop_values(execution["taskRunList"], run):
            node = node.setdefault(loop_value, {})
        node.update(run.get("outputs") or {})
    for path, expected in _leaves(expect["outputsTree"]):
        found: Any = tree
        for part in path:
            found = found.get(part, MISSING) if isinstance(found, dict) else MISSING
        assert found == expected, (".".join(path), shown(found), expected)


def _leaves(tree: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in tree.items():
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, (*path, str(key)))
        else:
            yield (*path, str(key)), value


async def _labels(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    check_map(labels_of(execution), expect["labels"], execution, seen, exact=bool(expect.get("labelsExact")))


async def _labels_count(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    assert len(execution["labels"]) == expect["labelsCount"], execution["labels"]


async def _inputs(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    check_map(execution.get("inputs") or {}, expect["inputs"], execution, seen, exact=False)


async def _trigger(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    trigger = execution.get("trigger")
    assert isinstance(trigger, dict), f"execution {execution['id']} shows no trigger: {trigger}"
    for key, matcher in expect["trigger"].items():
        value = lookup(trigger, key)
        assert matches(value, matcher, execution, seen), ("trigger", key, shown(value), matcher)


def labels_of(execution: Json) -> dict[str, Any]:
    return {label["key"]: label["value"] for label in execution.get("labels") or []}


async def _parent_id(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    assert execution.get("parentId") == expect["parentId"], execution.get("parentId")


async def _parent_id_ref(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    wanted = reference(expect["parentIdRef"], execution, seen)
    assert execution.get("parentId") == wanted, (execution.get("parentId"), wanted)


async def _same_id(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    same = execution["id"] == first_run(seen)["id"]
    assert same == expect["sameIdAsFirstRun"], (execution["id"], first_run(seen)["id"])


async def _different_id(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    different = execution["id"] != first_run(seen)["id"]
    assert different == expect["differentIdFromFirstRun"], (execution["id"], first_run(seen)["id"])


async def _task_run_ids_differ(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    shared = {run["id"] for run in execution["taskRunList"]} & {
        run["id"] for run in first_run(seen)["taskRunList"]
    }
    assert (not shared) == expect["taskRunIdsDifferFromFirstRun"], shared


async def _count(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    """Check how many executions of the execution's flow the case made."""
    listed = await seen.tenant.executions_of(execution["namespace"], execution["flowId"])
    assert len(listed) == expect["count"], [item["id"] for item in listed]


async def _logs(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    """Check that each `logs` entry matches a line of the execution's logs (indexed late: poll)."""
    runs = execution["taskRunList"]
    wanted = list(expect["logs"])
    unknown = {key for line in wanted for key in line} - {"taskRunIndex", "taskId", "contains", "equals"}
    assert not unknown, f"log checks this harness does not know: {sorted(unknown)}"

    async def written() -> None:
        entries = await seen.tenant.logs(execution["id"])
        for line in wanted:
            if "taskRunIndex" in line:
                chosen = [
                    entry for entry in entries if entry["taskRunId"] == runs[line["taskRunIndex"]]["id"]
                ]
            elif "taskId" in line:
                chosen = [entry for entry in entries if entry["taskId"] == line["taskId"]]
            else:
                chosen = entries
            matcher = {key: value for key, value in line.items() if key in ("contains", "equals")}
            messages = [entry["message"] for entry in chosen]
            assert any(matches(message, matcher, execution, seen) for message in messages), (line, messages)

    await settled(written, what=f"logs of {execution['id']}", within=LOG_SECONDS)


async def _triggers(execution: Json, expect: Mapping[str, Any], seen: Seen) -> None:
    """Check the stored state of flow triggers (disabled or not)."""
    for wanted in expect["triggers"]:

        async def stored(wanted: Mapping[str, Any] = wanted) -> None:
            contexts = await seen.tenant.triggers(wanted["namespace"], wanted["flowId"])
            chosen = [item for item in contexts if item.get("triggerId") == wanted["triggerId"]]
            assert len(chosen) == 1, contexts
            assert chosen[0].get("disabled", False) == wanted["disabled"], chosen[0]

        await settled(stored, what=f"trigger {wanted['triggerId']}")


async def check_executions(entries: list[Mapping[str, Any]], seen: Seen) -> None:
    """Check the case's other executions (subflow children, retries) found by searching its tenant."""
    seen.found = []
    for entry in entries:
        unknown = set(entry) - _EXECUTION_KEYS
        assert not unknown, f"execution checks this harness does not know: {sorted(unknown)}"
        executions = await _ended_executions(seen.tenant, entry["namespace"], entry["flowId"], entry["count"])
        for execution in executions:
            for key in ("state", "taskRunCount", "labels", "labelsCount", "inputs", "trigger"):
                if key in entry:
                    await _CHECKS[key](execution, entry, seen)
        if "terminalStates" in entry:
            assert sorted(state(item) for item in executions) == sorted(entry["terminalStates"]), [
                summary(item) for item in executions
            ]
        if "outputsInOrder" in entry:
            in_order = sorted(executions, key=lambda item: item["state"]["endDate"])
            for execution, outputs in zip(in_order, entry["outputsInOrder"], strict=True):
                check_map(execution.get("outputs") or {}, outputs, execution, seen, exact=False)
        seen.found.append(executions[0] if len(executions) == 1 else None)


_EXECUTION_KEYS = {
    "namespace", "flowId", "count", "state", "taskRunCount", "labels", "labelsCount", "inputs",
    "trigger", "terminalStates", "outputsInOrder",
}  # fmt: skip


async def _ended_executions(tenant: Tenant, namespace: str, flow_id: str, count: int) -> list[Json]:
    """Wait until the tenant has count executions of the flow and all have ended; return them in full."""
    executions: list[Json] = []

    async def all_ended() -> None:
        nonlocal executions
        listed = await tenant.executions_of(namespace, flow_id)
        executions = [await tenant.execution(item["id"]) for item in listed]
        assert len(executions) >= count, f"{len(executions)} executions of {namespace}.{flow_id}"
        assert all(ended(item) for item in executions), [summary(item) for item in executions]

    await settled(all_ended, what=f"{count} executions of {namespace}.{flow_id} end")
    assert len(executions) == count, [summary(item) for item in executions]
    return executions


async def check_task_run(execution: Json, check: Mapping[str, Any], seen: Seen) -> None:
    """Check the task runs a selector picks (index, or taskId with loop values)."""
    unknown = set(check) - _SELECTORS - _TASK_RUN_CHECKS
    assert not unknown, f"task run checks this harness does not know: {sorted(unknown)}"
    runs = execution["taskRunList"]
    if "index" in check:
        assert -len(runs) <= check["index"] < len(runs), f"no task run {check['index']}: {summary(execution)}"
        chosen = [runs[check["index"]]]
        if "taskId" in check:
            assert chosen[0]["taskId"] == check["taskId"], (check, summary(execution))
    else:
        chosen = [run for run in runs if run["taskId"] == check["taskId"]]
        if "values" in check:
            wanted = [str(value) for value in check["values"]]
            chosen = [run for run in chosen if loop_values(runs, run) == wanted]
    if check.get("absent"):
        assert chosen == [], (check, summary(execution))
        return
    if "count" in check:
        assert len(chosen) == check["count"], (check, summary(execution))
        if not set(check) - _SELECTORS - {"count"}:
            return
    assert len(chosen) == 1, f"{len(chosen)} task runs match {dict(check)}: {summary(execution)}"
    run = chosen[0]
    where = f"task run {run['taskId']} {run.get('value') or ''}".rstrip()
    if "state" in check:
        assert run["state"]["current"] == check["state"], (where, run["state"]["current"])
    if "attempts" in check:
        wanted_attempts = check["attempts"]
        if isinstance(wanted_attempts, dict):
            assert len(run["attempts"]) >= wanted_attempts["atLeast"], (where, len(run["attempts"]))
        else:
            assert len(run["attempts"]) == wanted_attempts, (where, len(run["attempts"]))
    if "attemptState" in check:
        assert run["attempts"], f"{where} has no attempt"
        assert run["attempts"][-1]["state"]["current"] == check["attemptState"], (where, run["attempts"])
    for name, count in (check.get("stateHistoryCount") or {}).items():
        found = [entry["state"] for entry in run["state"]["histories"]].count(name)
        assert found == count, (where, name, found, run["state"]["histories"])
    await _task_run_outputs(execution, run, check, seen, where)


async def _task_run_outputs(
    execution: Json, run: Json, check: Mapping[str, Any], seen: Seen, where: str
) -> None:
    outputs = run.get("outputs") or {}
    if "outputs" in check and check["outputs"] is None:
        assert not outputs, (where, outputs)
    for key, matcher in (check.get("outputs") or {}).items():
        value = lookup(outputs, key)
        assert matches(value, matcher, execution, seen), (where, key, shown(value), matcher)
    if "outputsExact" in check:
        assert outputs == check["outputsExact"], (where, outputs)
    for key in check.get("outputsNotNull") or []:
        assert lookup(outputs, key) not in (None, MISSING), (where, key, outputs)
    for key, matcher in (check.get("outputFileContent") or {}).items():
        content = await seen.tenant.file(execution["id"], str(lookup(outputs, key)))
        assert matches(content, matcher, execution, seen), (where, key, content, matcher)
    for key, lines in (check.get("outputFileLineCount") or {}).items():
        content = await seen.tenant.file(execution["id"], str(lookup(outputs, key)))
        assert len(content.splitlines()) == lines, (where, key, content)
    if "attemptLogFile" in check:
        wanted = check["attemptLogFile"]
        assert run["attempts"], f"{where} has no attempt"
        log_file = run["attempts"][-1].get("logFile")
        assert log_file, f"{where}: the attempt has no logFile"
        lines = (await seen.tenant.file(execution["id"], log_file)).splitlines()
        assert len(lines) == wanted["lines"], (where, lines)
        assert any(all(text in line for text in wanted["lineContains"]) for line in lines), (where, lines)


_SELECTORS = {"index", "taskId", "values"}
_TASK_RUN_CHECKS = {
    "state", "attempts", "attemptState", "outputs", "outputsNotNull", "outputsExact", "absent", "count",
    "stateHistoryCount", "outputFileContent", "outputFileLineCount", "attemptLogFile",
}  # fmt: skip

_CHECKS: dict[str, Callable[[Json, Mapping[str, Any], Seen], Awaitable[None]]] = {
    "state": _state,
    "taskRunCount": _task_run_count,
    "allTaskRunsState": _all_task_runs_state,
    "failedTaskRunsAtLeast": _failed_task_runs,
    "stateHistoryLength": _history_length,
    "stateHistoryPrefix": _history_prefix,
    "taskRuns": _task_runs,
    "outputs": _outputs,
    "outputsTree": _outputs_tree,
    "labels": _labels,
    "labelsCount": _labels_count,
    "inputs": _inputs,
    "trigger": _trigger,
    "parentId": _parent_id,
    "parentIdRef": _parent_id_ref,
    "sameIdAsFirstRun": _same_id,
    "differentIdFromFirstRun": _different_id,
    "taskRunIdsDifferFromFirstRun": _task_run_ids_differ,
    "count": _count,
    "logs": _logs,
    "triggers": _triggers,
}


# ---------------------------------------------------------------------------------- helpers


def summary(execution: Json) -> str:
    """Return an execution's state and its task runs' states, on one line (what a failure shows)."""
    runs = ", ".join(
        f"{run['taskId']}{_in_loop(run)}={run['state']['current']}"
        for run in execution.get("taskRunList") or []
    )
    return f"{execution.get('id')} {state(execution)}: {runs}"


def _in_loop(run: Json) -> str:
    return f"[{run['value']}]" if run.get("value") else ""


async def settled(check: Callable[[], Awaitable[None]], *, what: str, within: float = SETTLE_SECONDS) -> None:
    """Run check until it passes; after the deadline, fail with its last complaint."""
    last: list[AssertionError] = []

    async def passes() -> bool:
        try:
            await check()
        except AssertionError as error:
            last[:] = [error]
            return False
        return True

    try:
        await eventually(passes, within=within, what=what)
    except pytest.fail.Exception:
        complaint = last[0] if last else "never checked"
        raise AssertionError(f"{what}: not within {within:.0f}s: {complaint}") from None
