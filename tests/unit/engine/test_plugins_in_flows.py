"""Whole flows in memory with workers that run the real plugins: what expressions see."""

from __future__ import annotations

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import state_name
from flowmesh.language import parse_flow, resolve_inputs
from flowmesh.values import from_struct
from tests.unit.engine.harness import PluginWorker, run_flow_async

FLOW = parse_flow(
    """\
id: chain
namespace: company.team
labels:
  team: data
inputs:
  - id: name
    type: STRING
  - id: times
    type: INT
    defaults: 2
variables:
  greeting: Hello
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.greeting }} {{ inputs.name }} x{{ inputs.times + 1 }}"
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      copied: "{{ outputs.first.value }}"
      where: "{{ flow.namespace }}/{{ flow.id }} by {{ labels.team }}"
  - id: log
    type: io.kestra.plugin.core.log.Log
    message:
      - "{{ outputs.values.values.copied | upper }}"
      - "task {{ task.id }} of {{ execution.id }}"
  - id: guard
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.name == 'stop' }}"
    errorMessage: "stopped by {{ inputs.name }}"
errors:
  - id: on-error
    type: io.kestra.plugin.core.log.Log
    message: "failed after {{ outputs.first.value }}"
"""
)


def outputs_of(execution: object) -> dict[str, object]:
    return {run.task_id: from_struct(run.outputs) for run in execution.task_runs}  # type: ignore[attr-defined]


async def test_each_task_sees_inputs_variables_and_earlier_outputs() -> None:
    worker = PluginWorker()

    execution, _ = await run_flow_async(FLOW, inputs=resolve_inputs(FLOW, {"name": "Ada"}), worker=worker)

    assert state_name(execution.state.current) == "SUCCESS"
    assert outputs_of(execution) == {
        "first": {"value": "Hello Ada x3"},
        "values": {"values": {"copied": "Hello Ada x3", "where": "company.team/chain by data"}},
        "log": {},
        "guard": {},
    }
    log_run = next(run for run in execution.task_runs if run.task_id == "log")
    assert worker.logs[log_run.id] == [("INFO", "HELLO ADA X3"), ("INFO", "task log of exec1")]


async def test_a_failing_condition_fails_the_flow_and_errors_see_the_outputs() -> None:
    worker = PluginWorker()

    execution, _ = await run_flow_async(FLOW, inputs=resolve_inputs(FLOW, {"name": "stop"}), worker=worker)

    assert execution.state.current == StateType.STATE_TYPE_FAILED
    runs = {run.task_id: run for run in execution.task_runs}
    assert state_name(runs["guard"].state.current) == "FAILED"
    assert worker.logs[runs["guard"].id] == [("ERROR", "stopped by stop")]
    assert worker.logs[runs["on-error"].id] == [("INFO", "failed after Hello stop x3")]


async def test_an_expression_that_cannot_render_fails_its_task_with_kestras_message() -> None:
    flow = parse_flow(
        "id: broken\nnamespace: company.team\ntasks:\n"
        "  - id: t1\n    type: io.kestra.plugin.core.debug.Return\n    format: '{{ inputs.invalid }}'\n"
        "  - id: t2\n    type: io.kestra.plugin.core.debug.Return\n    format: never\n"
    )
    worker = PluginWorker()

    execution, jobs = await run_flow_async(flow, worker=worker)

    assert [job.task_id for job in jobs] == ["t1"]
    assert execution.state.current == StateType.STATE_TYPE_FAILED
    ((level, message),) = worker.logs[execution.task_runs[0].id]
    assert level == "ERROR"
    # Kestra's message names the root: a flow without inputs has no `inputs` at all.
    assert message.startswith("Unable to find `inputs` used in the expression `{{ inputs.invalid }}`")


async def test_dotted_label_keys_are_seen_whole_and_by_their_parts() -> None:
    flow = parse_flow(
        "id: dotted\nnamespace: company.team\nlabels:\n  team.name: data\ntasks:\n"
        "  - id: t\n    type: io.kestra.plugin.core.debug.Return\n"
        '    format: "{{ labels.system.correlationId == execution.id }} {{ labels.team.name }}'
        " {{ labels['team.name'] }}\"\n"
    )

    execution, _ = await run_flow_async(flow, worker=PluginWorker())

    assert from_struct(execution.task_runs[0].outputs) == {"value": "true data data"}
