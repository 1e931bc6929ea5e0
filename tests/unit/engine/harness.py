"""Run flows through the decision core in memory, playing the part of the workers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import apply_update, new_execution, start
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.language import parse_flow
from flowmesh.queue.v1.queue_pb2 import TaskRunUpdate, WorkerJob
from flowmesh.values import from_struct, to_struct

Outcome = tuple[StateType.ValueType, dict[str, Any]]
Worker = Callable[[WorkerJob], Outcome]

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def succeed(job: WorkerJob) -> Outcome:
    """Succeed with Return's output: the format property, unrendered."""
    task = from_struct(job.task)
    return StateType.STATE_TYPE_SUCCESS, ({"value": task["format"]} if "format" in task else {})


def run_flow(
    source: str,
    *,
    inputs: dict[str, Any] | None = None,
    worker: Worker = succeed,
    order: Callable[[list[WorkerJob]], list[WorkerJob]] = lambda jobs: jobs,
) -> tuple[Execution, list[WorkerJob]]:
    """Run source to its end; return the final execution and every job in the order run."""
    flow = parse_flow(source)
    clock = iter(T0 + timedelta(seconds=second) for second in range(10_000))
    execution = new_execution(
        execution_id="exec1",
        tenant_id="main",
        flow=flow,
        flow_revision=1,
        inputs=inputs or {},
        labels={},
        now=next(clock),
    )
    decision = start(execution, flow, next(clock))
    execution, queue, done = decision.execution, list(decision.jobs), []
    while queue:
        queue = order(queue)
        job = queue.pop(0)
        done.append(job)
        for state in (StateType.STATE_TYPE_RUNNING, None):
            if state is None:
                state, outputs = worker(job)
            else:
                outputs = {}
            update = TaskRunUpdate(
                execution_id=execution.id,
                task_run_id=job.task_run_id,
                attempt=job.attempt,
                state=state,
                outputs=to_struct(outputs),
            )
            decision = apply_update(execution, update, flow, next(clock))
            execution = decision.execution
            queue.extend(decision.jobs)
    return execution, done
