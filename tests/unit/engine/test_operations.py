"""Kill: what it does to an execution and its task runs, and what it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import apply_update, kill, new_execution, pending_jobs, start, state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition, parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob

CREATED = StateType.STATE_TYPE_CREATED
RUNNING = StateType.STATE_TYPE_RUNNING
SUCCESS = StateType.STATE_TYPE_SUCCESS
KILLED = StateType.STATE_TYPE_KILLED

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RETURN = "io.kestra.plugin.core.debug.Return"
SEQUENTIAL = "io.kestra.plugin.core.flow.Sequential"
PARALLEL = "io.kestra.plugin.core.flow.Parallel"


def flow_of(tasks: str) -> FlowDefinition:
    return parse_flow(f"id: kill\nnamespace: company.team\ntasks:\n{tasks}")


def ret(task_id: str, indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RETURN}\n{pad}  format: '{task_id}'\n"


SEQUENCE = flow_of(ret("a") + ret("b") + ret("c"))


class Clock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def created(flow: FlowDefinition) -> Execution:
    return new_execution(
        execution_id="exec1", tenant_id="main", flow=flow, flow_revision=1, inputs={}, labels={}, now=T0
    )


def begin(flow: FlowDefinition) -> tuple[Execution, list[WorkerJob], Clock]:
    clock = Clock()
    decision = start(created(flow), flow, clock())
    return decision.execution, decision.jobs, clock


def update(run_id: str, state: StateType.ValueType) -> TaskRunUpdate:
    return TaskRunUpdate(execution_id="exec1", task_run_id=run_id, attempt=1, state=state)


def finish(execution: Execution, flow: FlowDefinition, clock: Clock, job: WorkerJob) -> Execution:
    """Report RUNNING then SUCCESS for job's attempt; return the execution."""
    execution = apply_update(execution, update(job.task_run_id, RUNNING), flow, clock()).execution
    return apply_update(execution, update(job.task_run_id, SUCCESS), flow, clock()).execution


def run_of(execution: Execution, task_id: str) -> TaskRun:
    (run,) = [run for run in execution.task_runs if run.task_id == task_id]
    return run


def states(execution: Execution) -> dict[str, str]:
    return {run.task_id: state_name(run.state.current) for run in execution.task_runs}


def history(execution: Execution) -> list[str]:
    return [state_name(entry.state) for entry in execution.state.histories]


def test_kill_ends_a_running_execution_killing_then_killed() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock()).execution

    decision = kill(execution, SEQUENCE, clock())

    assert decision.changed
    assert decision.jobs == []
    killed = decision.execution
    assert killed.state.current == KILLED
    assert history(killed) == ["CREATED", "RUNNING", "KILLING", "KILLED"]
    # The running task run is killed, and the tasks after it are never created.
    assert states(killed) == {"a": "KILLED"}
    run = run_of(killed, "a")
    assert [state_name(entry.state) for entry in run.state.histories][-1] == "KILLED"
    assert run.attempts[-1].state.current == KILLED
    assert pending_jobs(killed, SEQUENCE) == []
    # The input is not changed in place.
    assert execution.state.current == RUNNING


def test_kill_marks_the_killed_task_runs_as_changed_in_this_version() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = finish(execution, SEQUENCE, clock, jobs[0])

    killed = kill(execution, SEQUENCE, clock()).execution

    assert killed.version == execution.version + 1
    assert run_of(killed, "b").version == killed.version
    # A task run that had ended keeps its state and its version.
    assert run_of(killed, "a").state.current == SUCCESS
    assert run_of(killed, "a").version < killed.version


def test_a_report_after_the_kill_changes_nothing() -> None:
    execution, jobs, clock = begin(SEQUENCE)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), SEQUENCE, clock()).execution
    killed = kill(execution, SEQUENCE, clock()).execution

    late = apply_update(killed, update(jobs[0].task_run_id, SUCCESS), SEQUENCE, clock())

    assert not late.changed
    assert late.jobs == []
    assert late.execution.state.current == KILLED
    assert states(late.execution) == {"a": "KILLED"}


def test_kill_kills_task_runs_not_yet_taken_by_a_worker() -> None:
    flow = flow_of(f"  - id: p\n    type: {PARALLEL}\n    tasks:\n" + ret("x", 6) + ret("y", 6))
    execution, _, clock = begin(flow)
    assert [run.state.current for run in execution.task_runs if run.task_id in "xy"] == [CREATED, CREATED]
    assert pending_jobs(execution, flow)

    killed = kill(execution, flow, clock()).execution

    assert states(killed) == {"p": "KILLED", "x": "KILLED", "y": "KILLED"}
    # Never taken: no attempt to kill.
    assert all(not run.attempts for run in killed.task_runs if run.task_id in "xy")
    assert pending_jobs(killed, flow) == []


def test_kill_kills_the_flowable_parents_of_a_running_task() -> None:
    flow = flow_of(
        f"  - id: s\n    type: {SEQUENTIAL}\n    tasks:\n" + ret("x", 6) + ret("y", 6) + ret("after")
    )
    execution, jobs, clock = begin(flow)
    execution = apply_update(execution, update(jobs[0].task_run_id, RUNNING), flow, clock()).execution

    killed = kill(execution, flow, clock()).execution

    assert states(killed) == {"s": "KILLED", "x": "KILLED"}
    assert killed.state.current == KILLED


def test_kill_before_the_start_ends_the_execution_and_the_start_does_nothing() -> None:
    killed = kill(created(SEQUENCE), SEQUENCE, T0).execution
    late_start = start(killed, SEQUENCE, T0)

    assert history(killed) == ["CREATED", "KILLING", "KILLED"]
    assert not late_start.changed
    assert late_start.jobs == []
    assert list(late_start.execution.task_runs) == []


def test_killing_an_ended_execution_changes_nothing() -> None:
    flow = flow_of(ret("a"))
    execution, jobs, clock = begin(flow)
    ended = finish(execution, flow, clock, jobs[0])
    assert ended.state.current == SUCCESS

    decision = kill(ended, flow, clock())

    assert not decision.changed
    assert decision.execution.state.current == SUCCESS
    assert decision.execution.version == ended.version


def test_killing_twice_changes_nothing_the_second_time() -> None:
    execution, _, clock = begin(SEQUENCE)
    killed = kill(execution, SEQUENCE, clock()).execution

    again = kill(killed, SEQUENCE, clock())

    assert not again.changed
    assert history(again.execution) == history(killed)
