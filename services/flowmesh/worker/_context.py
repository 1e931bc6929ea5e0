from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from flowmesh.expressions import render_value
from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.messaging import Broker, log_subject
from flowmesh.queue.v1.queue_pb2 import WorkerJob


class JobContext:
    """What a task sees while it runs: its variables, and a log that goes onto the log stream."""

    def __init__(self, broker: Broker, job: WorkerJob, variables: dict[str, Any], worker_id: str) -> None:
        self.variables = variables
        self._broker = broker
        self._job = job
        self._worker_id = worker_id
        self._sequence = 0
        self._pending: list[asyncio.Task[bool]] = []

    def render(self, value: Any) -> Any:
        return render_value(value, self.variables)

    def log(self, level: str, message: str) -> None:
        job = self._job
        self._sequence += 1
        entry = LogEntry(
            id=f"{job.task_run_id}:{job.attempt}:{self._sequence}",
            tenant_id=job.tenant_id,
            namespace=job.namespace,
            flow_id=job.flow_id,
            task_id=job.task_id,
            execution_id=job.execution_id,
            task_run_id=job.task_run_id,
            attempt_number=job.attempt,
            level=cast(Level, Level.Value(f"LEVEL_{level}")),  # the stubs type Value() as a plain int
            thread=self._worker_id,
            message=message,
        )
        entry.timestamp.FromDatetime(datetime.now(UTC))
        self._pending.append(
            asyncio.create_task(self._broker.publish(log_subject(job.execution_id), entry, msg_id=entry.id))
        )

    async def flush(self) -> None:
        """Wait until every log line written so far is stored by the stream."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)
