"""A running execution paused by hand: what runs goes on, nothing new starts until it resumes."""

from __future__ import annotations

import contextlib

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import pause, pauses, resume, resume_declared, state_name
from tests.unit.engine.harness import Simulation, run_jobs, succeed

FLOW = """
id: steps
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: second
    type: io.kestra.plugin.core.debug.Return
    format: two
"""
SUCCESS = StateType.STATE_TYPE_SUCCESS


def test_a_paused_execution_records_what_ends_and_starts_nothing_until_resumed() -> None:
    simulation = Simulation.created(FLOW)
    driver = simulation.drive()
    first = next(driver)
    paused = pause(simulation.execution, next(simulation.clock))
    assert paused.changed
    assert paused.execution.manually_paused
    assert not paused.jobs
    simulation.execution = paused.execution
    with contextlib.suppress(StopIteration):  # nothing more to run while paused
        driver.send((SUCCESS, {"value": "one"}))
    held = simulation.execution
    assert state_name(held.state.current) == "PAUSED"
    assert [(run.task_id, state_name(run.state.current)) for run in held.task_runs] == [("first", "SUCCESS")]
    assert first.task_run_id == held.task_runs[0].id
    assert resume_declared(held, simulation.flow) == ("", [])

    stale = resume(held, simulation.flow, "", {}, next(simulation.clock), pauses(held) - 1)
    assert not stale.changed
    resumed = resume(held, simulation.flow, "", {}, next(simulation.clock), pauses(held))
    assert not resumed.execution.manually_paused
    assert [job.task_id for job in resumed.jobs] == ["second"]
    simulation.execution = resumed.execution
    simulation.queue.extend(resumed.jobs)
    run_jobs(simulation.drive(), succeed)
    assert [job.task_id for job in simulation.done] == ["first", "second"]
    assert state_name(simulation.execution.state.current) == "SUCCESS"


def test_only_a_running_execution_pauses() -> None:
    simulation = Simulation.created(FLOW)
    run_jobs(simulation.drive(), succeed)
    ended = simulation.execution
    assert not pause(ended, next(simulation.clock)).changed
