"""Kestra's conformance cases run in memory: the decision core, with workers running the real plugins.

Every case of the manifest is listed; those that need what flowmesh does not have
yet (task types, flow keys, task properties, steps, files, KV...) or that expect
what this harness cannot see are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import yaml

from flowmesh.engine import state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import parse_flow, resolve_inputs
from flowmesh.plugins import RunnableTask, task_class
from flowmesh.values import from_struct
from tests.unit.corpus import _tasks, manifest, out_of_reach, require_corpus, source
from tests.unit.engine.harness import PluginWorker, run_flow_async

require_corpus()

# What the in-memory harness can check; any other expectation skips the case.
EXPECTATIONS = {
    "state",
    "taskRunCount",
    "taskRuns",
    "logs",
    "outputs",
    "outputsExact",
    "labels",
    "labelsExact",
}
SELECTORS = {"index", "taskId", "values"}
TASK_RUN_CHECKS = {"state", "outputs", "outputsNotNull", "count", "absent", "attempts", "attemptState"}
LOG_KEYS = {"taskRunIndex", "taskId", "contains", "equals"}
MATCHERS = {
    "equals",
    "contains",
    "matches",
    "startsWith",
    "endsWith",
    "notNull",
    "absent",
    "hasItems",
    "hasKey",
    "in",
    "equalsRef",
}
# The references (equalsRef) this harness resolves: the execution's, and task run ids.
REFERENCE = re.compile(r"execution\.(id|flowId|namespace)|taskRuns\.([^.\[]+)\.id")
# Case parts that need a server: they skip the case when not empty.
SERVER_PARTS = ("steps", "files", "kv", "env", "setup")


def out_of_harness(case: dict[str, Any]) -> list[str]:
    """Return why this case cannot run here (empty: it can)."""
    reasons = [f"needs `{part}`" for part in SERVER_PARTS if case.get(part)]
    if len(case["flows"]) != 1:
        reasons.append("needs several flows")
    if case["run"].get("inputValidation") is False:
        reasons.append("needs raw inputs")
    for flow in case["flows"]:
        reasons += out_of_reach(source("flows", flow))
        reasons += _retry_on_flowables(source("flows", flow))
    expect = case.get("expect") or {}
    reasons += [f"expects `{key}`" for key in expect if key not in EXPECTATIONS]
    matchers = [*(expect.get("outputs") or {}).values(), *(expect.get("labels") or {}).values()]
    for check in expect.get("taskRuns") or []:
        reasons += [f"checks task run `{key}`" for key in check if key not in SELECTORS | TASK_RUN_CHECKS]
        matchers += (check.get("outputs") or {}).values()
    for matcher in matchers:
        reasons += [f"uses matcher `{name}`" for name in matcher if name not in MATCHERS]
        if "equalsRef" in matcher and not REFERENCE.fullmatch(matcher["equalsRef"]):
            reasons.append(f"uses reference `{matcher['equalsRef']}`")
    for line in expect.get("logs") or []:
        reasons += [f"checks log `{key}`" for key in line if key not in LOG_KEYS]
    return sorted(set(reasons))


# Cases within reach that fail for a known gap outside the executor: expected to fail until fixed.
KNOWN_GAPS = {
    "variables-invalid": "flowmesh.expressions names the missing key (`invalid`), Kestra the root (`inputs`)",
    "each-object": "flowmesh.expressions' jq does not read a JSON text as JSON, as Kestra's does",
    "each-object-in-list": "flowmesh.expressions' jq does not read a JSON text as JSON, as Kestra's does",
}


def _retry_on_flowables(document: str) -> list[str]:
    """Return why a flow with `retry` on a task that no worker runs is out of reach (Task refuses it)."""
    data = yaml.safe_load(document)
    if not isinstance(data, dict):
        return []
    for task in _tasks(data):
        cls = task_class(str(task.get("type")))
        if "retry" in task and cls is not None and not issubclass(cls, RunnableTask):
            return ["`retry` on a flowable task"]
    return []


def cases() -> list[Any]:
    params = []
    for case in manifest()["cases"]:
        reasons = out_of_harness(case)
        marks = [pytest.mark.skip(reason="; ".join(reasons))] if reasons else []
        if not reasons and case["id"] in KNOWN_GAPS:
            marks = [pytest.mark.xfail(reason=KNOWN_GAPS[case["id"]], strict=False)]
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def as_submitted(value: Any) -> str:
    """Return an input value as it arrives through the API: text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Let Sleep tasks end at once, keeping the durations they asked for."""
    asked: list[float] = []
    pause = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        asked.append(delay)
        return await pause(0, result)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return asked


@pytest.mark.parametrize("case", cases())
@pytest.mark.usefixtures("no_waiting")
async def test_conformance_case(case: dict[str, Any]) -> None:
    flow = parse_flow(source("flows", case["flows"][0]))
    given = {key: as_submitted(value) for key, value in (case["run"].get("inputs") or {}).items()}
    worker = PluginWorker()

    labels = {key: str(value) for key, value in (case["run"].get("labels") or {}).items()}
    execution, _ = await run_flow_async(
        flow, inputs=resolve_inputs(flow, given), worker=worker, logs=worker.logs, labels=labels
    )

    expect = case["expect"]
    runs = list(execution.task_runs)
    summary = [(run.task_id, state_name(run.state.current)) for run in runs]
    if "state" in expect:
        assert state_name(execution.state.current) == expect["state"], summary
    if "taskRunCount" in expect:
        assert len(runs) == expect["taskRunCount"], summary
    for check in expect.get("taskRuns") or []:
        check_task_run(runs, check)
    for line in expect.get("logs") or []:
        check_log(execution, worker, line)
    if "outputs" in expect:
        check_map(
            execution, from_struct(execution.outputs), expect["outputs"], exact=expect.get("outputsExact")
        )
    if "labels" in expect:
        labels = {label.key: label.value for label in execution.labels}
        check_map(execution, labels, expect["labels"], exact=expect.get("labelsExact"))


def check_map(
    execution: Execution, found: dict[str, Any], expected: dict[str, Any] | None, *, exact: bool
) -> None:
    """Check flow outputs or labels against the manifest's matchers (None: there must be none)."""
    if expected is None:
        assert found == {}
        return
    if exact:
        assert set(found) == set(expected), found
    for key, matcher in expected.items():
        wanted = dict(matcher)
        if "equalsRef" in wanted:
            wanted["equals"] = reference(execution, wanted.pop("equalsRef"))
        assert matches(found.get(key, _MISSING), wanted), (key, found.get(key), matcher)


def reference(execution: Execution, ref: str) -> Any:
    """Return what an equalsRef names (REFERENCE says which this harness knows)."""
    match = REFERENCE.fullmatch(ref)
    assert match is not None, ref
    if match.group(1):
        return {"id": execution.id, "flowId": execution.flow_id, "namespace": execution.namespace}[
            match.group(1)
        ]
    runs = [run for run in execution.task_runs if run.task_id == match.group(2)]
    assert len(runs) == 1, ref
    return runs[0].id


def test_the_cases_within_reach_are_not_all_skipped() -> None:
    within = {case["id"] for case in manifest()["cases"] if not out_of_harness(case)}

    assert {
        "sequential",
        "sequential-with-global-errors",
        "sequential-with-local-errors",
        "parallel-nested",
        "failed-first",
        "disable-simple",
        "disable-error",
        "output-values",
        "execution-start-date",
        "if-condition-truthy-true",
        "switch-impossible",
        "each-switch",
        "foreach-concurrent",
        "each-parallel",
        "dag",
        "allow-failure-crash",
        "task-runif",
        "task-allow-warning-flowable",
        "flow-with-outputs",
        "flow-with-array-outputs",
        "labels-update-task",
        "npe-labels-update-task",
    } <= within


def check_task_run(runs: list[TaskRun], check: dict[str, Any]) -> None:
    if "index" in check:
        chosen = [runs[check["index"]]]
        if "taskId" in check:
            assert chosen[0].task_id == check["taskId"]
    else:
        chosen = [run for run in runs if run.task_id == check["taskId"]]
        if "values" in check:
            chosen = [run for run in chosen if loop_values(runs, run) == check["values"]]
    if check.get("absent"):
        assert chosen == []
        return
    if "count" in check:
        assert len(chosen) == check["count"]
    assert len(chosen) == 1, f"{len(chosen)} task runs match {check}"
    run = chosen[0]
    if "state" in check:
        assert state_name(run.state.current) == check["state"], run.task_id
    if "attempts" in check:
        wanted = check["attempts"]
        if isinstance(wanted, dict):
            assert len(run.attempts) >= wanted["atLeast"], run.task_id
        else:
            assert len(run.attempts) == wanted, run.task_id
    if "attemptState" in check:
        assert run.attempts, run.task_id
        assert state_name(run.attempts[-1].state.current) == check["attemptState"], run.task_id
    outputs = from_struct(run.outputs)
    for key in check.get("outputsNotNull") or []:
        assert lookup(outputs, key) is not None, key
    for key, matcher in (check.get("outputs") or {}).items():
        assert matches(lookup(outputs, key), matcher), (run.task_id, key, lookup(outputs, key), matcher)


def loop_values(runs: list[TaskRun], run: TaskRun) -> list[str]:
    """Return the loop values of run and its enclosing task runs, outermost first."""
    by_id = {other.id: other for other in runs}
    values = []
    current: TaskRun | None = run
    while current is not None:
        if current.value:
            values.insert(0, current.value)
        current = by_id.get(current.parent_task_run_id)
    return values


def check_log(execution: Execution, worker: PluginWorker, line: dict[str, Any]) -> None:
    runs = list(execution.task_runs)
    if "taskRunIndex" in line:
        chosen = [runs[line["taskRunIndex"]]]
    elif "taskId" in line:
        chosen = [run for run in runs if run.task_id == line["taskId"]]
    else:
        chosen = runs
    messages = [message for run in chosen for _, message in worker.logs.get(run.id, [])]
    matcher = {key: value for key, value in line.items() if key in ("contains", "equals")}
    assert any(matches(message, matcher) for message in messages), (matcher, messages)


_MISSING = object()


def lookup(outputs: dict[str, Any], key: str) -> Any:
    """Return outputs[key] along a dotted path, or the first segment then the literal rest."""
    value: Any = outputs
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            break
        value = value[part]
    else:
        return value
    head, _, rest = key.partition(".")
    nested = outputs.get(head, _MISSING)
    if rest and isinstance(nested, dict) and rest in nested:
        return nested[rest]
    return _MISSING


def matches(value: Any, matcher: dict[str, Any]) -> bool:
    """Return whether value satisfies every condition of a manifest matcher."""
    checks = {
        "equals": lambda expected: value == expected,
        "contains": lambda expected: isinstance(value, str) and expected in value,
        "matches": lambda expected: isinstance(value, str) and re.fullmatch(expected, value) is not None,
        "startsWith": lambda expected: isinstance(value, str) and value.startswith(expected),
        "endsWith": lambda expected: isinstance(value, str) and value.endswith(expected),
        "notNull": lambda expected: (value not in (None, _MISSING)) == expected,
        "absent": lambda expected: (value is _MISSING) == expected,
        "hasItems": lambda expected: isinstance(value, list) and all(item in value for item in expected),
        "hasKey": lambda expected: isinstance(value, dict) and expected in value,
        "in": lambda expected: value in expected,
    }
    return all(checks[name](expected) for name, expected in matcher.items())
