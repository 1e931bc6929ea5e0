"""Server-streaming RPCs as Server-Sent Events: one event per message, ending with the stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import structlog
from google.protobuf.message import Message
from sse_starlette import EventSourceResponse, ServerSentEvent

from flowmesh.gateway._client import ApiClient, Metadata
from flowmesh.gateway._errors import rpc_error_body
from flowmesh.gateway._kestra import to_kestra

log = structlog.get_logger(component="gateway")

# How long to wait for the api to accept a stream (or refuse it: NOT_FOUND becomes a 404)
# before the SSE response starts anyway. The api answers at once when it sends initial
# metadata as soon as it accepts the stream.
OPEN_WAIT_SECONDS = 2.0
PING_SECONDS = 15


async def follow(
    client: ApiClient,
    path: str,
    request: Message,
    response_class: type[Message],
    *,
    metadata: Metadata,
) -> EventSourceResponse:
    """Start the RPC and answer with its messages as SSE; an early refusal raises instead."""
    call = client.stream(path, request, response_class, metadata=metadata)
    try:
        first = await _first_message(call)
    except BaseException:
        client.end_stream(call)
        raise
    log.info("stream_opened", rpc=path, open_streams=client.open_streams)
    events = _events(client, call, first, path)
    return EventSourceResponse(events, ping=PING_SECONDS)


async def _first_message(call: grpc.aio.UnaryStreamCall) -> Any:
    """Return the first message if the call has already ended, else None; raise its error."""
    waiting = asyncio.ensure_future(call.initial_metadata())
    waiting.add_done_callback(_consume)
    await asyncio.wait({waiting}, timeout=OPEN_WAIT_SECONDS)
    if call.done():
        return await call.read()  # a message, EOF, or the AioRpcError of a refusal
    return None


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def _events(
    client: ApiClient, call: grpc.aio.UnaryStreamCall, first: Any, path: str
) -> AsyncIterator[ServerSentEvent]:
    sent = 0
    try:
        message = first if first is not None else await call.read()
        while message is not grpc.aio.EOF:
            yield ServerSentEvent(data=json.dumps(to_kestra(message), separators=(",", ":")))
            sent += 1
            message = await call.read()
    except grpc.aio.AioRpcError as error:
        _, body = rpc_error_body(error)
        log.info("stream_failed", rpc=path, status=body["status"], sent=sent)
        yield ServerSentEvent(data=json.dumps(body), event="error")
    except asyncio.CancelledError:
        # The gateway closing cancels the calls: end the stream quietly. A cancelled task
        # (the client went away) goes on unwinding.
        task = asyncio.current_task()
        if not (client.closing and task is not None and task.cancelling() == 0):
            raise
    finally:
        client.end_stream(call)
        log.info("stream_closed", rpc=path, sent=sent, open_streams=client.open_streams)
