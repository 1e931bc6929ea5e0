"""What expressions see, built once per decision: the same as built afresh for each task run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import begin, new_execution
from flowmesh.engine._jobs import _plain_struct, build_job, variables
from flowmesh.engine._resolver import Resolver
from flowmesh.language import parse_flow
from flowmesh.values import from_struct, to_struct

T0 = datetime(2026, 1, 1, tzinfo=UTC)

FLOW = parse_flow(
    """\
id: jobs
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: "{{ outputs.first.value }}"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    concurrencyLimit: 0
    tasks:
      - id: inner
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }} {{ labels.stage }} {{ outputs.first.value }}"
"""
)


def test_plain_struct_gives_what_from_struct_gives() -> None:
    struct = to_struct(
        {
            "text": "x",
            "whole": 3,
            "big": 2**60,
            "half": 2.5,
            "negative": -7.0,
            "yes": True,
            "no": False,
            "none": None,
            "list": [1, "a", None, [2.0, {"deep": 1}], {"k": [True]}],
            "nested": {"inner": {"value": 1.0}, "empty": {}},
            "empty": [],
        }
    )

    assert _plain_struct(struct) == from_struct(struct)
    assert list(_plain_struct(struct)) == list(from_struct(struct))
    assert [type(value) for value in _plain_struct(struct).values()] == [
        type(value) for value in from_struct(struct).values()
    ]


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_plain_struct_refuses_what_from_struct_refuses(number: float) -> None:
    struct = to_struct({"nested": {"list": [number]}})

    with pytest.raises(ValueError, match="Fail to serialize") as found:
        _plain_struct(struct)
    with pytest.raises(ValueError, match="Fail to serialize") as expected:
        from_struct(struct)
    assert str(found.value) == str(expected.value)


def test_jobs_of_one_decision_carry_what_each_would_see_alone() -> None:
    execution = new_execution(
        execution_id="exec1", tenant_id="main", flow=FLOW, flow_revision=1, inputs={}, labels={}, now=T0
    )
    first = begin(execution, FLOW, T0).execution
    run = first.task_runs[0]
    run.state.current = StateType.STATE_TYPE_SUCCESS
    run.outputs.CopyFrom(to_struct({"value": "one"}))

    # One walk sets a label, then creates three jobs that read it and the outputs.
    resolver = Resolver(first, FLOW, T0)
    resolver.resolve_execution()

    assert [job.task_id for job in resolver.jobs] == ["inner"] * 3
    for job in resolver.jobs:
        run = next(other for other in first.task_runs if other.id == job.task_run_id)
        alone = build_job(first, FLOW, run, FLOW.task("inner"))
        assert job.SerializeToString() == alone.SerializeToString()
        seen = from_struct(job.variables)
        assert seen["labels"]["stage"] == "one"
        assert seen["outputs"] == {"first": {"value": "one"}}
        assert seen == variables(first, FLOW, run, FLOW.task("inner"))
