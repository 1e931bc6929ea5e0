"""Jobs of worker groups no worker runs: what Kestra's `workerGroup.fallback` does with them."""

from __future__ import annotations

from dataclasses import dataclass

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine import DEFAULT_WORKER_GROUP
from flowmesh.language import FlowDefinition
from flowmesh.log.v1.log_pb2 import Level
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.state import Services

_FAILED = StateType.STATE_TYPE_FAILED
_CANCELLED = StateType.STATE_TYPE_CANCELLED


@dataclass(frozen=True)
class Unserved:
    """A job of a group without a worker: how its attempt ends (None: it waits), and what to log."""

    job: WorkerJob
    ends: StateType | None
    level: Level
    message: str


async def unserved(jobs: list[WorkerJob], flow: FlowDefinition, workers: Services) -> list[Unserved]:
    """Return the jobs of jobs whose worker group has no worker running, with what becomes of them.

    As Kestra's executor: with fallback FAIL the attempt fails, with CANCEL it is
    cancelled, and with WAIT (the default) the job waits in the queue for a worker
    of its group to start. The default group is never looked up.
    """
    found = []
    serving: dict[str, bool] = {}
    for job in jobs:
        group = job.worker_group
        if group == DEFAULT_WORKER_GROUP:
            continue
        if group not in serving:
            serving[group] = await workers.has_worker(group)
        if serving[group]:
            continue
        worker_group = flow.task(job.task_id).workerGroup
        fallback = worker_group.fallback if worker_group is not None else None
        absent = f"No workers are available for worker group '{group}'"
        if fallback == "FAIL":
            found.append(Unserved(job, _FAILED, Level.LEVEL_ERROR, f"{absent}, failing the task."))
        elif fallback == "CANCEL":
            found.append(Unserved(job, _CANCELLED, Level.LEVEL_INFO, f"{absent}, canceling the task."))
        else:
            found.append(Unserved(job, None, Level.LEVEL_INFO, f"{absent}, waiting for one to be available."))
    return found
