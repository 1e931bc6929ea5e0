"""What the indexer consumes: one durable pull consumer per kind of record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from nats.aio.msg import Msg

from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.messaging import EVENTS_STREAM, FLOWS_BUCKET, LOGS_STREAM
from flowmesh.queue.v1 import queue_pb2
from flowmesh.repository import RepositoryBackend

# The header a KV bucket's stream sets on deletions (DEL) and purges (PURGE).
KV_OPERATION = "KV-Operation"


@dataclass(frozen=True)
class Feed:
    """A durable consumer and how to turn and save its messages."""

    durable: str
    stream: str
    filter_subject: str
    # Return the record a message carries, None when it carries nothing to index;
    # raise ValueError (or protobuf's DecodeError) when it cannot be read.
    parse: Callable[[Msg], Message | None]
    save: Callable[[RepositoryBackend, Sequence[Any]], Awaitable[None]]


def parse_execution_event(msg: Msg) -> Message | None:
    """Return the execution of an ExecutionEvent."""
    event = queue_pb2.ExecutionEvent.FromString(msg.data)
    if not event.execution.id:
        raise ValueError("execution event without an execution id")
    return event.execution


def parse_log_entry(msg: Msg) -> Message | None:
    """Return a LogEntry."""
    entry = log_pb2.LogEntry.FromString(msg.data)
    if not entry.id:
        raise ValueError("log entry without an id")
    return entry


def parse_flow_entry(msg: Msg) -> Message | None:
    """Return the Flow of a flows bucket entry; None for deletions, purges and empty values.

    The api records a flow's deletion as a revision with deleted set, so the
    bucket's own delete markers carry nothing for the repository.
    """
    operation = (msg.headers or {}).get(KV_OPERATION, "")
    if operation in ("DEL", "PURGE") or not msg.data:
        return None
    flow = flow_pb2.Flow.FromString(msg.data)
    if not flow.id or not flow.namespace:
        raise ValueError("flow without a namespace or an id")
    return flow


async def _save_executions(repository: RepositoryBackend, items: Sequence[Any]) -> None:
    await repository.save_executions(items)


async def _save_logs(repository: RepositoryBackend, items: Sequence[Any]) -> None:
    await repository.save_logs(items)


async def _save_flows(repository: RepositoryBackend, items: Sequence[Any]) -> None:
    await repository.save_flows(items)


FEEDS = (
    Feed(
        durable="indexer-executions",
        stream=EVENTS_STREAM,
        filter_subject="flowmesh.events.execution.>",
        parse=parse_execution_event,
        save=_save_executions,
    ),
    Feed(
        durable="indexer-logs",
        stream=LOGS_STREAM,
        filter_subject="flowmesh.logs.>",
        parse=parse_log_entry,
        save=_save_logs,
    ),
    Feed(
        durable="indexer-flows",
        stream=f"KV_{FLOWS_BUCKET}",
        filter_subject=f"$KV.{FLOWS_BUCKET}.>",
        parse=parse_flow_entry,
        save=_save_flows,
    ),
)
