"""Kestra's conformance cases run in memory: the decision core, with workers running the real plugins.

Every case of the manifest is listed; those that need what flowmesh does not have
yet (task types, flow keys, task properties, steps, files, KV...) or that expect
what this harness cannot see are skipped with the reason.

A case's `steps` are played in order on a Simulation (STEPS says which kinds):
waits run the workers and the simulated clock until the execution gets there,
operations (resume, restart, replay) call the engine as the API does, and each
step's `expect` is checked on the execution the step reached or produced.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from flowmesh.engine import OperationRefused, is_terminal, state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import InputsError, parse_flow, resolve_inputs
from flowmesh.values import from_struct
from tests.unit.corpus import manifest, out_of_reach, require_corpus, source
from tests.unit.engine.harness import Clock, Logs, PluginWorker, Simulation, run_jobs_async

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
    "stateHistoryLength",
    "allTaskRunsState",
    # Which execution it is, against the first run (the main execution before a restart or replay).
    "parentId",
    "parentIdRef",
    "sameIdAsFirstRun",
    "differentIdFromFirstRun",
    "taskRunIdsDifferFromFirstRun",
}
SELECTORS = {"index", "taskId", "values"}
TASK_RUN_CHECKS = {
    "state",
    "outputs",
    "outputsNotNull",
    "count",
    "absent",
    "attempts",
    "attemptState",
    "stateHistoryCount",
}
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
# The references (equalsRef, parentIdRef) this harness resolves: the execution's, task run ids,
# and the first run's id.
REFERENCE = re.compile(r"execution\.(id|flowId|namespace)|taskRuns\.([^.\[]+)\.id|firstRun\.id")
# Case parts that need a server: they skip the case when not empty.
SERVER_PARTS = ("files", "kv", "env", "setup")
# The steps this harness plays (Play); a case with any other skips.
STEPS = {"wait_state", "wait_terminal", "wait_until", "resume", "resume_expect_error", "restart", "replay"}


def out_of_harness(case: dict[str, Any]) -> list[str]:
    """Return why this case cannot run here (empty: it can)."""
    reasons = [f"needs `{part}`" for part in SERVER_PARTS if case.get(part)]
    if len(case["flows"]) != 1:
        reasons.append("needs several flows")
    if case["run"].get("inputValidation") is False:
        reasons.append("needs raw inputs")
    for flow in case["flows"]:
        reasons += out_of_reach(source("flows", flow))
    for step in case.get("steps") or []:
        reasons += _step_gaps(step)
        reasons += _expect_gaps(step.get("expect") or {})
    reasons += _expect_gaps(case.get("expect") or {})
    return sorted(set(reasons))


def _step_gaps(step: dict[str, Any]) -> list[str]:
    """Return why this harness cannot play a step (empty: it can)."""
    kind, argument = step_kind(step)
    if kind not in STEPS:
        return [f"needs step `{kind}`"]
    if kind == "wait_until":
        return _expect_gaps(argument)
    if kind == "wait_terminal" and argument.get("of") not in (None, "replayed"):
        return [f"needs step `wait_terminal` of `{argument['of']}`"]
    if kind == "resume" and argument.get("files"):
        return ["needs step `resume` with `files`"]
    return []


def step_kind(step: dict[str, Any]) -> tuple[str, Any]:
    """Return a step's kind (its one key besides `expect` and `as`) and its argument."""
    (kind,) = (key for key in step if key not in ("expect", "as"))
    return kind, step[kind]


def _expect_gaps(expect: dict[str, Any]) -> list[str]:
    """Return what in an expect (or a wait_until condition) this harness cannot check."""
    reasons = [f"expects `{key}`" for key in expect if key not in EXPECTATIONS]
    if "parentIdRef" in expect and not REFERENCE.fullmatch(expect["parentIdRef"]):
        reasons.append(f"uses reference `{expect['parentIdRef']}`")
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
    return reasons


# Cases within reach that fail for a known gap outside the executor: expected to fail until fixed.
KNOWN_GAPS = {
    "variables-invalid": "flowmesh.expressions names the missing key (`invalid`), Kestra the root (`inputs`)",
    "each-object": "flowmesh.expressions' jq does not read a JSON text as JSON, as Kestra's does",
    "each-object-in-list": "flowmesh.expressions' jq does not read a JSON text as JSON, as Kestra's does",
    # Skipped today for its FILE onResume input; once FILE inputs come, this wording gap remains.
    "pause_on_resume-missing-input": "flowmesh.language's InputsError says `onResume.asked: missing required"
    " input`, Kestra `Invalid input for `asked`, missing required input, but received `null``",
}


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


class Sleeps:
    """The durations Sleep tasks asked for; each moves the simulated clock on, once one is given."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.clock: Clock | None = None


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """Let Sleep tasks end at once, the simulated time passing as if they had slept (an SLA sees it)."""
    sleeps = Sleeps()
    pause = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        sleeps.asked.append(delay)
        if sleeps.clock is not None:
            sleeps.clock.now += timedelta(seconds=delay)
        return await pause(0, result)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return sleeps


@pytest.mark.parametrize("case", cases())
async def test_conformance_case(case: dict[str, Any], no_waiting: Sleeps) -> None:
    flow = parse_flow(source("flows", case["flows"][0]))
    given = {key: as_submitted(value) for key, value in (case["run"].get("inputs") or {}).items()}
    labels = {key: str(value) for key, value in (case["run"].get("labels") or {}).items()}
    worker = PluginWorker()
    main = Simulation.created(flow, inputs=resolve_inputs(flow, given), labels=labels, logs=worker.logs)
    no_waiting.clock = main.clock
    play = Play(main, worker)

    for step in case.get("steps") or []:
        reached = await play.step(step)
        check_expect(reached, step.get("expect") or {}, logs=worker.logs, first=play.first_run())
    # Then, as Kestra's harness waits for the end: run until nothing is left to do.
    await run_jobs_async(main.drive(), worker)

    check_expect(main.execution, case["expect"], logs=worker.logs, first=play.first_run())


class Play:
    """A case's steps played on its main execution, and on the execution a replay creates."""

    def __init__(self, main: Simulation, worker: PluginWorker) -> None:
        self.simulations = {"main": main}
        self.worker = worker
        # The main execution as its first run ended, once a restart or replay runs it again.
        self.first: Execution | None = None

    def first_run(self) -> Execution:
        return self.first or self.simulations["main"].execution

    async def step(self, step: dict[str, Any]) -> Execution:
        """Play a step; return the execution it reached or produced (its `expect` applies to that one)."""
        kind, argument = step_kind(step)
        return await getattr(self, kind)(argument)

    async def wait_state(self, state: str) -> Execution:
        return await self._wait(self.simulations["main"], lambda execution: _state(execution) == state)

    async def wait_terminal(self, argument: dict[str, Any]) -> Execution:
        simulation = self.simulations[argument.get("of", "main")]
        return await self._wait(simulation, lambda execution: is_terminal(execution.state.current))

    async def wait_until(self, condition: dict[str, Any]) -> Execution:
        def reached(execution: Execution) -> bool:
            try:
                check_expect(execution, condition, logs=self.worker.logs, first=self.first_run())
            except AssertionError:
                return False
            return True

        return await self._wait(self.simulations["main"], reached)

    async def resume(self, argument: dict[str, Any]) -> Execution:
        main = self.simulations["main"]
        main.resume(_submitted(argument.get("inputs")))
        return main.execution

    async def resume_expect_error(self, argument: dict[str, Any]) -> Execution:
        main = self.simulations["main"]
        # InputsError, or OperationRefused: the API answers both as a refusal naming why.
        with pytest.raises((InputsError, OperationRefused)) as refused:
            main.resume(_submitted(argument.get("inputs")))
        assert argument["error"] in str(refused.value), str(refused.value)
        assert _state(main.execution) == "PAUSED", "a refused resume leaves the execution PAUSED"
        return main.execution

    async def restart(self, argument: dict[str, Any]) -> Execution:
        del argument
        main = self.simulations["main"]
        self._keep_first_run()
        return main.restart()

    async def replay(self, argument: dict[str, Any]) -> Execution:
        main = self.simulations["main"]
        self._keep_first_run()
        chosen = [run for run in main.execution.task_runs if run.task_id == argument["taskId"]]
        assert len(chosen) == 1, f"{len(chosen)} task runs of {argument['taskId']} to replay"
        replay = main.replay(chosen[0].id, execution_id="exec2")
        self.simulations["replayed"] = replay
        return replay.execution

    def _keep_first_run(self) -> None:
        if self.first is None:
            self.first = Execution()
            self.first.CopyFrom(self.simulations["main"].execution)

    async def _wait(self, simulation: Simulation, reached: Callable[[Execution], bool]) -> Execution:
        """Run workers and clock until reached(execution); fail if the execution stops short of it."""
        await run_jobs_async(simulation.drive(reached), self.worker)
        execution = simulation.execution
        assert reached(execution), f"stopped short, {_state(execution)}: {summary(execution)}"
        return execution


def _state(execution: Execution) -> str:
    return state_name(execution.state.current)


def _submitted(inputs: dict[str, Any] | None) -> dict[str, str]:
    return {key: as_submitted(value) for key, value in (inputs or {}).items()}


def summary(execution: Execution) -> list[tuple[str, str]]:
    """Return each task run's task id and state: what an assertion shows when it fails."""
    return [(run.task_id, state_name(run.state.current)) for run in execution.task_runs]


def check_expect(execution: Execution, expect: dict[str, Any], *, logs: Logs, first: Execution) -> None:
    """Check an execution against an expect of the manifest (EXPECTATIONS lists the keys known)."""
    runs = list(execution.task_runs)
    if "state" in expect:
        assert _state(execution) == expect["state"], summary(execution)
    if "taskRunCount" in expect:
        assert len(runs) == expect["taskRunCount"], summary(execution)
    if "allTaskRunsState" in expect:
        assert {state for _, state in summary(execution)} == {expect["allTaskRunsState"]}, summary(execution)
    if "stateHistoryLength" in expect:
        states = [state_name(entry.state) for entry in execution.state.histories]
        assert len(states) == expect["stateHistoryLength"], states
    for check in expect.get("taskRuns") or []:
        check_task_run(runs, check)
    for line in expect.get("logs") or []:
        check_log(execution, logs, line)
    if "outputs" in expect:
        check_map(
            execution, from_struct(execution.outputs), expect["outputs"], exact=expect.get("outputsExact")
        )
    if "labels" in expect:
        labels = {label.key: label.value for label in execution.labels}
        check_map(execution, labels, expect["labels"], exact=expect.get("labelsExact"))
    check_lineage(execution, expect, first)


def check_lineage(execution: Execution, expect: dict[str, Any], first: Execution) -> None:
    """Check which execution this is: its parent, and its ids against the first run's."""
    if "parentId" in expect:
        assert (execution.parent_id or None) == expect["parentId"], execution.parent_id
    if "parentIdRef" in expect:
        assert execution.parent_id == reference(execution, expect["parentIdRef"], first), execution.parent_id
    if "sameIdAsFirstRun" in expect:
        assert (execution.id == first.id) == expect["sameIdAsFirstRun"], (execution.id, first.id)
    if "differentIdFromFirstRun" in expect:
        assert (execution.id != first.id) == expect["differentIdFromFirstRun"], (execution.id, first.id)
    if "taskRunIdsDifferFromFirstRun" in expect:
        shared = {run.id for run in execution.task_runs} & {run.id for run in first.task_runs}
        assert (not shared) == expect["taskRunIdsDifferFromFirstRun"], shared


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


def reference(execution: Execution, ref: str, first: Execution | None = None) -> Any:
    """Return what a reference names (REFERENCE says which this harness knows); first: the first run."""
    match = REFERENCE.fullmatch(ref)
    assert match is not None, ref
    if ref == "firstRun.id":
        return (first or execution).id
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
        # Cases with steps: waits, resume, restart, replay.
        "pause",
        "pause-delay",
        "pause-timeout",
        "failed-first-restart-twice",
        "restart_last_failed",
        "restart_always_failed",
        "restart-each-replay",
        # Flow SLAs, flow-level retry, retry on a flowable task.
        "sla-max-duration-fail",
        "sla-max-duration-ok",
        "sla-execution-condition-pass",
        "sla-execution-condition-cancel",
        "sla-execution-condition-label",
        "retry-failed-flow-attempts",
        "retry-failed-flow-duration",
        "retry-flowable-parallel",
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
    for state, count in (check.get("stateHistoryCount") or {}).items():
        found = [state_name(entry.state) for entry in run.state.histories].count(state)
        assert found == count, (run.task_id, state, found)
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


def check_log(execution: Execution, logs: Logs, line: dict[str, Any]) -> None:
    runs = list(execution.task_runs)
    if "taskRunIndex" in line:
        chosen = [runs[line["taskRunIndex"]]]
    elif "taskId" in line:
        chosen = [run for run in runs if run.task_id == line["taskId"]]
    else:
        chosen = runs
    messages = [message for run in chosen for _, message in logs.get(run.id, [])]
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
