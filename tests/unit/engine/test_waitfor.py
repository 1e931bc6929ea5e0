"""LoopUntil (formerly WaitFor): iterations, the pause between them through wakes, and the caps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import apply_update, apply_wake, new_execution, start
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowInvalid, parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct
from tests.unit.engine.harness import T0, Logs, Outcome, render_format, run_flow

S = StateType
HEADER = "id: looping\nnamespace: io.kestra.tests\ntasks:\n"


def _loop(
    condition: str,
    *,
    kind: str = "LoopUntil",
    check: str = "      interval: PT10S\n",
    extra: str = "",
    children: str = "",
) -> str:
    return (
        HEADER
        + f"  - id: loop\n    type: io.kestra.plugin.core.flow.{kind}\n"
        + f'    condition: "{condition}"\n'
        + "    checkFrequency:\n"
        + check
        + extra
        + "    tasks:\n"
        + "      - id: count\n        type: io.kestra.plugin.core.debug.Return\n"
        + '        format: "{{ outputs.loop.iterationCount + 1 }}"\n'
        + children
    )


def _runs(execution: Execution, task_id: str) -> list[TaskRun]:
    return [run for run in execution.task_runs if run.task_id == task_id]


def _moment(run: TaskRun, index: int) -> datetime:
    return run.state.histories[index].date.ToDatetime(tzinfo=UTC)


@pytest.mark.parametrize("kind", ["LoopUntil", "WaitFor"])
def test_the_tasks_run_again_until_the_condition_holds(kind: str) -> None:
    execution, jobs = run_flow(_loop("{{ outputs.count.value == '3' }}", kind=kind), worker=render_format)

    assert execution.state.current == S.STATE_TYPE_SUCCESS
    counts = _runs(execution, "count")
    assert [run.iteration for run in counts] == [0, 1, 2]
    assert [from_struct(run.outputs)["value"] for run in counts] == ["1", "2", "3"]
    assert len({run.id for run in counts}) == 3
    assert [job.task_run_id for job in jobs] == [run.id for run in counts]
    (loop,) = _runs(execution, "loop")
    assert from_struct(loop.outputs) == {"iterationCount": 3}
    assert loop.state.current == S.STATE_TYPE_SUCCESS


def test_each_iteration_starts_an_interval_after_the_last_one_ended() -> None:
    execution, _ = run_flow(_loop("{{ outputs.loop.iterationCount >= 3 }}"), worker=render_format)

    counts = _runs(execution, "count")
    assert len(counts) == 3
    for before, after in itertools.pairwise(counts):
        assert _moment(after, 0) >= _moment(before, -1) + timedelta(seconds=10)
        assert _moment(after, 0) < _moment(before, -1) + timedelta(seconds=11)


def test_between_iterations_the_decision_says_when_to_wake_and_an_early_wake_changes_nothing() -> None:
    flow = parse_flow(_loop("{{ false }}"))
    execution = new_execution(
        execution_id="exec1", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )
    decision = start(execution, flow, T0)
    (job,) = decision.jobs
    assert decision.wake_at is None

    ended = T0 + timedelta(seconds=1)
    done = apply_update(
        decision.execution,
        TaskRunUpdate(
            execution_id="exec1", task_run_id=job.task_run_id, attempt=1, state=S.STATE_TYPE_SUCCESS
        ),
        flow,
        ended,
    )
    assert done.jobs == []
    assert done.wake_at == ended + timedelta(seconds=10)
    (loop,) = _runs(done.execution, "loop")
    assert loop.state.current == S.STATE_TYPE_RUNNING
    assert from_struct(loop.outputs) == {"iterationCount": 1}

    early = apply_wake(done.execution, flow, ended + timedelta(seconds=5))
    assert early.changed is False
    assert early.wake_at == ended + timedelta(seconds=10)

    woken = apply_wake(done.execution, flow, ended + timedelta(seconds=10))
    (second,) = woken.jobs
    assert [run.iteration for run in _runs(woken.execution, "count")] == [0, 1]
    assert second.task_run_id == _runs(woken.execution, "count")[1].id
    assert woken.wake_at is None


@pytest.mark.parametrize(("fail", "state"), [("", S.STATE_TYPE_SUCCESS), ("true", S.STATE_TYPE_FAILED)])
def test_max_iterations_end_the_loop_failed_only_with_fail_on_max_reached(fail: str, state: int) -> None:
    extra = f"    failOnMaxReached: {fail}\n" if fail else ""
    logs: Logs = {}
    execution, _ = run_flow(
        _loop("{{ false }}", check="      interval: PT1S\n      maxIterations: 4\n", extra=extra),
        worker=render_format,
        logs=logs,
    )

    assert execution.state.current == state
    assert len(_runs(execution, "count")) == 4
    (loop,) = _runs(execution, "loop")
    assert from_struct(loop.outputs) == {"iterationCount": 4}
    if fail:
        assert logs[loop.id] == [("ERROR", "Max iterations reached (4)")]


def test_max_duration_ends_the_loop_once_it_has_passed() -> None:
    execution, _ = run_flow(
        _loop(
            "{{ false }}",
            check="      interval: PT1S\n      maxDuration: PT5S\n",
            extra="    failOnMaxReached: true\n",
        ),
        worker=render_format,
    )

    assert execution.state.current == S.STATE_TYPE_FAILED
    counts = _runs(execution, "count")
    # One iteration each second or so: it ends the first time one ends 5 s after the loop started.
    assert 4 <= len(counts) <= 6
    (loop,) = _runs(execution, "loop")
    assert _moment(counts[-1], -1) >= _moment(loop, 0) + timedelta(seconds=5)


def test_a_failed_iteration_ends_the_loop_failed() -> None:
    children = "      - id: boom\n        type: io.kestra.plugin.core.execution.Fail\n"

    def worker(job: WorkerJob) -> Outcome:
        if job.task_id == "boom":
            return S.STATE_TYPE_FAILED, {}
        return render_format(job)

    execution, _ = run_flow(_loop("{{ false }}", children=children), worker=worker)

    assert execution.state.current == S.STATE_TYPE_FAILED
    assert [run.task_id for run in execution.task_runs] == ["loop", "count", "boom"]


def test_a_condition_that_cannot_be_rendered_fails_the_loop() -> None:
    logs: Logs = {}
    execution, _ = run_flow(_loop("{{ outputs.nothing.here }}"), worker=render_format, logs=logs)

    assert execution.state.current == S.STATE_TYPE_FAILED
    (loop,) = _runs(execution, "loop")
    assert loop.state.current == S.STATE_TYPE_FAILED
    assert logs[loop.id]


def test_check_frequency_defaults_to_a_minute_without_caps() -> None:
    source = (
        HEADER
        + "  - id: loop\n    type: io.kestra.plugin.core.flow.LoopUntil\n"
        + '    condition: "{{ outputs.loop.iterationCount >= 2 }}"\n'
        + "    tasks:\n      - id: count\n"
        + "        type: io.kestra.plugin.core.debug.Return\n        format: x\n"
    )
    execution, _ = run_flow(source, worker=render_format)

    assert execution.state.current == S.STATE_TYPE_SUCCESS
    first, second = _runs(execution, "count")
    assert _moment(second, 0) - _moment(first, -1) >= timedelta(minutes=1)


@pytest.mark.parametrize(
    "body",
    [
        '    condition: "{{ true }}"\n    tasks: []\n',
        "    tasks:\n      - id: t\n        type: io.kestra.plugin.core.debug.Return\n        format: x\n",
        '    condition: "{{ true }}"\n    checkFrequency:\n      maxIterations: 0\n'
        + "    tasks:\n      - id: t\n        type: io.kestra.plugin.core.debug.Return\n        format: x\n",
    ],
)
def test_invalid_loops_are_refused(body: str) -> None:
    with pytest.raises(FlowInvalid):
        parse_flow(HEADER + "  - id: loop\n    type: io.kestra.plugin.core.flow.LoopUntil\n" + body)
