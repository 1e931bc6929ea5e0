"""Properties every task has, applied by the executor: allowFailure, allowWarning, runIf."""

from __future__ import annotations

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import FlowInvalid, parse_flow
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.values import from_struct
from tests.unit.engine.harness import Logs, Outcome, render_format, run_flow

HEAD = "id: f\nnamespace: company.team\n"


def runs(execution: Execution) -> list[tuple[str, str]]:
    return [(run.task_id, state_name(run.state.current)) for run in execution.task_runs]


def ko_fails(job: WorkerJob) -> Outcome:
    if job.task_id.startswith("ko"):
        return StateType.STATE_TYPE_FAILED, {}
    if job.task_id.startswith("warn"):
        return StateType.STATE_TYPE_WARNING, {}
    return render_format(job)


def test_an_allowed_failure_keeps_its_task_run_failed_and_the_execution_ends_warning() -> None:
    execution, _ = run_flow(
        HEAD
        + """\
tasks:
  - {id: ko, type: io.kestra.plugin.core.execution.Fail, allowFailure: true}
  - {id: after, type: io.kestra.plugin.core.debug.Return, format: x}
errors:
  - {id: handler, type: io.kestra.plugin.core.debug.Return, format: x}
""",
        worker=ko_fails,
    )

    assert runs(execution) == [("ko", "FAILED"), ("after", "SUCCESS")]
    assert state_name(execution.state.current) == "WARNING"


@pytest.mark.parametrize("task_id", ["ko", "warn"])
def test_allow_warning_counts_an_allowed_failure_or_a_warning_as_success(task_id: str) -> None:
    execution, _ = run_flow(
        HEAD
        + f"""\
tasks:
  - {{id: {task_id}, type: io.kestra.plugin.core.debug.Return, format: x,
     allowFailure: true, allowWarning: true}}
  - {{id: after, type: io.kestra.plugin.core.debug.Return, format: x}}
""",
        worker=ko_fails,
    )

    assert runs(execution)[1] == ("after", "SUCCESS")
    assert state_name(execution.state.current) == "SUCCESS"


def test_an_allowed_failure_inside_a_parallel_does_not_fail_it() -> None:
    execution, _ = run_flow(
        HEAD
        + """\
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {id: ko, type: io.kestra.plugin.core.execution.Fail, allowFailure: true}
      - {id: ok, type: io.kestra.plugin.core.debug.Return, format: x}
""",
        worker=ko_fails,
    )

    assert runs(execution) == [("par", "WARNING"), ("ko", "FAILED"), ("ok", "SUCCESS")]
    assert state_name(execution.state.current) == "WARNING"


RUN_IF = (
    HEAD
    + """\
tasks:
  - {id: first, type: io.kestra.plugin.core.debug.Return, format: "1"}
  - {id: yes, type: io.kestra.plugin.core.debug.Return, format: x, runIf: "{{ outputs.first.value == '1' }}"}
  - {id: skipped, type: io.kestra.plugin.core.debug.Return, format: x,
     runIf: "{{ outputs.first.value == '2' }}"}
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    runIf: "false"
    tasks:
      - {id: inside, type: io.kestra.plugin.core.debug.Return, format: x}
  - {id: broken, type: io.kestra.plugin.core.debug.Return, format: x, runIf: "{{ outputs.nowhere == 2 }}"}
  - {id: never, type: io.kestra.plugin.core.debug.Return, format: x}
"""
)


def test_run_if_skips_on_a_falsy_condition_and_fails_when_it_cannot_render() -> None:
    logs: Logs = {}
    execution, jobs = run_flow(RUN_IF, worker=render_format, logs=logs)

    assert runs(execution) == [
        ("first", "SUCCESS"),
        ("yes", "SUCCESS"),
        ("skipped", "SKIPPED"),
        ("group", "SKIPPED"),
        ("broken", "FAILED"),
    ]
    assert [job.task_id for job in jobs] == ["first", "yes"]
    assert state_name(execution.state.current) == "FAILED"
    broken = execution.task_runs[4]
    assert logs[broken.id] == [
        ("ERROR", "Unable to find `nowhere` used in the expression `{{ outputs.nowhere == 2 }}` at line 1")
    ]


def test_workers_never_see_the_properties_the_executor_applies() -> None:
    _, jobs = run_flow(
        HEAD
        + """\
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
    description: says hi
    runIf: "true"
    allowFailure: true
    allowWarning: true
    logLevel: WARN
    workerGroup: {key: gpu}
"""
    )

    assert from_struct(jobs[0].task) == {
        "id": "t",
        "type": "io.kestra.plugin.core.log.Log",
        "message": "hi",
        "logLevel": "WARN",
    }
    assert jobs[0].worker_group == "default"


def test_flow_level_timeout_is_refused_until_flowmesh_has_it() -> None:
    with pytest.raises(FlowInvalid, match="`timeout` is not supported by flowmesh yet"):
        parse_flow(HEAD + "timeout: x\n" + "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n")
