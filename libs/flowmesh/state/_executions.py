from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.messaging import EXECUTIONS_BUCKET, Broker
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, StartExecution

# How long a watcher goes without news before it reads the execution again.
_RECHECK = 5.0


class StaleRevision(Exception):
    """Someone else changed the execution since it was read: read it again."""


@dataclass(frozen=True)
class Stored:
    """An execution as stored, with the KV revision to compare against when writing."""

    execution: Execution
    revision: int


class ExecutionStore:
    """The executions bucket: one key per execution, written with compare-and-set."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def get(self, execution_id: str) -> Stored | None:
        kv = await self._broker.kv(EXECUTIONS_BUCKET)
        try:
            entry = await kv.get(execution_id)
        except KeyNotFoundError:
            return None
        if not entry.value:
            return None
        return Stored(Execution.FromString(entry.value), entry.revision or 0)

    async def create(self, execution: Execution) -> Stored:
        """Store a new execution; raise StaleRevision when it exists already."""
        kv = await self._broker.kv(EXECUTIONS_BUCKET)
        try:
            revision = await kv.create(execution.id, self._broker.fitting(execution.SerializeToString()))
        except KeyWrongLastSequenceError:
            raise StaleRevision(execution.id) from None
        return Stored(execution, revision)

    async def submit(self, execution: Execution) -> Execution:
        """Store a new execution, then ask the executor to start it; return the execution stored.

        One stored already under that id (the same request again, a redelivery) is
        the one started: a no-op for the executor if it runs.
        """
        try:
            await self.create(execution)
        except StaleRevision:
            stored = await self.get(execution.id)
            if stored is not None:
                execution = stored.execution
        await self._broker.to_executor(
            execution.id,
            ExecutorMessage(start_execution=StartExecution(execution=execution)),
            msg_id=f"start:{execution.id}",
        )
        return execution

    async def update(self, execution: Execution, revision: int) -> Stored:
        """Replace the execution stored at revision; raise StaleRevision if it moved on."""
        kv = await self._broker.kv(EXECUTIONS_BUCKET)
        try:
            data = self._broker.fitting(execution.SerializeToString())
            new_revision = await kv.update(execution.id, data, last=revision)
        except KeyWrongLastSequenceError:
            raise StaleRevision(execution.id) from None
        return Stored(execution, new_revision)

    async def changes(self) -> AsyncGenerator[Execution | None]:
        """Yield None once listening, then every execution of the bucket each time it changes,
        and None after a while without news (a change may have gone by during a reconnect:
        read what matters again)."""
        subscription = await self._broker.nc.subscribe(f"$KV.{EXECUTIONS_BUCKET}.>")
        try:
            yield None
            while True:
                try:
                    msg = await subscription.next_msg(timeout=_RECHECK)
                except NatsTimeoutError:
                    yield None
                    continue
                if msg.data:
                    yield Execution.FromString(msg.data)
        finally:
            await subscription.unsubscribe()

    async def watch(self, execution_id: str) -> AsyncIterator[Execution]:
        """Yield the execution now (if stored) and each time it changes, forever.

        Listens on the bucket's own subject for the key, a plain subscription
        that costs the server no consumer, and reads the key again whenever a
        while passes without news, in case a change went by during a reconnect.
        """
        subscription = await self._broker.nc.subscribe(f"$KV.{EXECUTIONS_BUCKET}.{execution_id}")
        seen = -1
        try:
            stored = await self.get(execution_id)
            while True:
                if stored is not None and stored.execution.version > seen:
                    seen = stored.execution.version
                    yield stored.execution
                try:
                    msg = await subscription.next_msg(timeout=_RECHECK)
                except NatsTimeoutError:
                    stored = await self.get(execution_id)
                    continue
                stored = Stored(Execution.FromString(msg.data), 0) if msg.data else None
        finally:
            await subscription.unsubscribe()
