from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError

from flowmesh.expressions import render_value
from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.messaging import LOGS_STREAM, Broker, log_subject
from flowmesh.plugins import KeyValues, TaskFailed, TriggerSwitches
from flowmesh.plugins.scripts import ScriptHost
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.storage import (
    InvalidStoragePath,
    Storage,
    StoredFileNotFound,
    execution_folder,
    file_chunks,
    namespace_files,
    purge_folder,
    task_run_file,
    uri_of,
    walk_files,
)
from flowmesh.worker._spool import LogFile

# What an execution id may hold: one token of a NATS subject, never a wildcard.
_EXECUTION_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")
# How long reading an execution's logs waits for the next line the stream holds.
_READ_WAIT = 10.0


class JobContext:
    """What a task sees while it runs: its variables, its log, storage, the KV stores, the triggers."""

    def __init__(
        self,
        broker: Broker,
        job: WorkerJob,
        variables: dict[str, Any],
        worker_id: str,
        storage: Storage | None = None,
        *,
        kv: KeyValues,
        states: KeyValues,
        triggers: TriggerSwitches,
        delivery: int = 1,
        mask: Callable[[str], str] = str,
        working_dir: Path | None = None,
        scripts: ScriptHost | None = None,
    ) -> None:
        self.variables = variables
        self.kv = kv
        self.states = states
        self.triggers = triggers
        # Set only for the children of a WorkingDirectory: the directory they share.
        self.working_dir = working_dir
        # Lines of a job run again (handed back, or its worker died) have ids of their own:
        # with the earlier run's, the stream and the repository would drop them as duplicates.
        self._line_prefix = f"{job.task_run_id}:{job.attempt}" + (f"~{delivery}" if delivery > 1 else "")
        # Replaces the secrets in a log line by their mask before it leaves the worker.
        self._mask = mask
        self._scripts = scripts
        self._broker = broker
        self._job = job
        self._worker_id = worker_id
        self._storage = storage
        self._sequence = 0
        self._pending: list[asyncio.Task[bool]] = []
        # Where the log lines go instead of the log stream, once the task asks (logToFile).
        self._log_file: LogFile | None = None

    def render(self, value: Any) -> Any:
        return render_value(value, self.variables)

    def log(self, level: str, message: str) -> None:
        job = self._job
        self._sequence += 1
        entry = LogEntry(
            id=f"{self._line_prefix}:{self._sequence}",
            tenant_id=job.tenant_id,
            namespace=job.namespace,
            flow_id=job.flow_id,
            task_id=job.task_id,
            execution_id=job.execution_id,
            task_run_id=job.task_run_id,
            attempt_number=job.attempt,
            level=cast(Level, Level.Value(f"LEVEL_{level}")),  # the stubs type Value() as a plain int
            thread=self._worker_id,
            message=self._mask(message),
        )
        entry.timestamp.FromDatetime(datetime.now(UTC))
        if self._log_file is not None:
            self._log_file.write(entry)
            return
        self._pending.append(
            asyncio.create_task(self._broker.publish(log_subject(job.execution_id), entry, msg_id=entry.id))
        )

    def log_to_file(self) -> None:
        """Write the lines logged from now on to a file instead of the log stream, as Kestra's logToFile."""
        if self._log_file is None:
            job = self._job
            self._log_file = LogFile(f"flow.{job.tenant_id}.{job.namespace}.{job.flow_id}.{job.task_id}")

    async def save_log_file(self) -> str:
        """Store the file of log_to_file() as this attempt's log file; return its URI ('' without one).

        Lines logged afterwards go to the log stream again. Raise TaskFailed when it cannot be stored.
        """
        log_file, self._log_file = self._log_file, None
        if log_file is None:
            return ""
        try:
            return await self.store_stream(
                f"log-attempt-{self._job.attempt}.txt", file_chunks(log_file.rewound())
            )
        finally:
            log_file.close()

    async def flush(self) -> None:
        """Wait until every log line written so far is stored by the stream."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)

    async def logs(self, execution_id: str) -> list[LogEntry]:
        """Return the lines the log stream holds for execution_id in this tenant, in the stream's order.

        Reads up to the last line stored when the call starts, with an ordered
        consumer (ephemeral, nothing to ack): lines written meanwhile are left out.
        """
        if not _EXECUTION_ID.fullmatch(execution_id):
            raise TaskFailed(f"executionId: not an execution id: {execution_id!r}")
        subject = log_subject(execution_id)
        try:
            last = (await self._broker.js.get_last_msg(LOGS_STREAM, subject)).seq or 0
        except NotFoundError:
            return []
        subscription = await self._broker.js.subscribe(subject, stream=LOGS_STREAM, ordered_consumer=True)
        entries: list[LogEntry] = []
        try:
            while True:
                try:
                    msg = await subscription.next_msg(timeout=_READ_WAIT)
                except (NatsTimeoutError, TimeoutError):
                    raise TaskFailed(f"the logs of {execution_id} could not be read in time") from None
                entry = LogEntry.FromString(msg.data)
                if entry.tenant_id == self._job.tenant_id:
                    entries.append(entry)
                # The last line, or past it when it was deleted (by the stream's age limit) meanwhile.
                if msg.metadata.sequence.stream >= last or msg.metadata.num_pending == 0:
                    return entries
        finally:
            await subscription.unsubscribe()

    async def store(self, name: str, data: bytes) -> str:
        """Store data as the file name of this task run; return its `kestra://` URI."""
        job = self._job
        path = task_run_file(job.namespace, job.flow_id, job.execution_id, job.task_id, job.task_run_id, name)
        try:
            return await self._storage_or_fail().put(job.tenant_id, path, data)
        except InvalidStoragePath as error:
            raise TaskFailed(str(error)) from None

    async def store_stream(self, name: str, chunks: AsyncIterator[bytes]) -> str:
        """Store the chunks as the file name of this task run as they come; return its `kestra://` URI."""
        job = self._job
        path = task_run_file(job.namespace, job.flow_id, job.execution_id, job.task_id, job.task_run_id, name)
        try:
            return await self._storage_or_fail().put_stream(job.tenant_id, path, chunks)
        except InvalidStoragePath as error:
            raise TaskFailed(str(error)) from None

    async def read(self, uri: str) -> bytes:
        """Return the file stored under uri for this job's tenant."""
        try:
            return await self._storage_or_fail().get(self._job.tenant_id, uri)
        except (InvalidStoragePath, StoredFileNotFound) as error:
            raise TaskFailed(str(error)) from None

    async def size(self, uri: str) -> int:
        """Return the size of the file stored under uri for this job's tenant, from its metas."""
        try:
            return (await self._storage_or_fail().metas(self._job.tenant_id, uri)).size
        except (InvalidStoragePath, StoredFileNotFound) as error:
            raise TaskFailed(str(error)) from None

    async def delete(self, uri: str) -> bool:
        """Delete the file stored under uri for this job's tenant; return whether there was one."""
        try:
            return await self._storage_or_fail().delete(self._job.tenant_id, uri)
        except InvalidStoragePath as error:
            raise TaskFailed(str(error)) from None

    async def purge_execution(self) -> list[str]:
        """Delete the files of this job's execution; return their URIs."""
        job = self._job
        folder = execution_folder(job.namespace, job.flow_id, job.execution_id)
        return await purge_folder(self._storage_or_fail(), job.tenant_id, folder)

    async def namespace_files(self, namespace: str) -> list[str]:
        """Return the paths of every file of namespace's files, walking its folders."""
        try:
            return await walk_files(
                self._storage_or_fail(), self._job.tenant_id, uri_of(namespace_files(namespace))
            )
        except InvalidStoragePath as error:
            raise TaskFailed(str(error)) from None

    async def read_namespace_file(self, namespace: str, path: str) -> bytes:
        """Return the file at path of namespace's files."""
        try:
            uri = uri_of(f"{namespace_files(namespace)}/{path.lstrip('/')}")
        except InvalidStoragePath as error:
            raise TaskFailed(str(error)) from None
        return await self.read(uri)

    def scripts(self) -> ScriptHost:
        """Return the worker's script host."""
        if self._scripts is None:
            raise TaskFailed("this worker runs no script tasks")
        return self._scripts

    def _storage_or_fail(self) -> Storage:
        if self._storage is None:
            raise TaskFailed("this worker has no internal storage for files")
        return self._storage
