from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc
from google.protobuf.message import Message

# What runs around a call: given its request (None for streamed requests) and context.
Around = Callable[[Message | None, grpc.aio.ServicerContext], AbstractAsyncContextManager[None]]


def wrap_handler(handler: grpc.RpcMethodHandler, around: Around) -> grpc.RpcMethodHandler:
    """Return handler with its behaviour run inside around(request, context), whatever its kind.

    A streaming behaviour is an async generator (flowmesh's) or a coroutine that writes with
    context.write (grpc's health Watch, reflection): the wrapper is of the same kind.
    """
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        unary_unary = handler.unary_unary

        async def wrapped_unary_unary(request: Message, context: grpc.aio.ServicerContext) -> Any:
            async with around(request, context):
                return await unary_unary(request, context)

        return grpc.unary_unary_rpc_method_handler(wrapped_unary_unary, **codecs)
    if handler.unary_stream is not None:
        unary_stream = handler.unary_stream
        if not inspect.isasyncgenfunction(unary_stream):  # it writes with context.write (health's Watch)

            async def wrapped_unary_write(request: Message, context: grpc.aio.ServicerContext) -> None:
                async with around(request, context):
                    await unary_stream(request, context)

            return grpc.unary_stream_rpc_method_handler(wrapped_unary_write, **codecs)

        async def wrapped_unary_stream(
            request: Message, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            async with around(request, context):
                async for item in unary_stream(request, context):
                    yield item

        return grpc.unary_stream_rpc_method_handler(wrapped_unary_stream, **codecs)
    # Streamed requests: there is no one request to give around.
    if handler.stream_unary is not None:
        stream_unary = handler.stream_unary

        async def wrapped_stream_unary(
            requests: AsyncIterator[Message], context: grpc.aio.ServicerContext
        ) -> Any:
            async with around(None, context):
                return await stream_unary(requests, context)

        return grpc.stream_unary_rpc_method_handler(wrapped_stream_unary, **codecs)
    stream_stream = handler.stream_stream
    if not inspect.isasyncgenfunction(stream_stream):  # it writes with context.write (reflection's)

        async def wrapped_stream_write(
            requests: AsyncIterator[Message], context: grpc.aio.ServicerContext
        ) -> None:
            async with around(None, context):
                await stream_stream(requests, context)

        return grpc.stream_stream_rpc_method_handler(wrapped_stream_write, **codecs)

    async def wrapped_stream_stream(
        requests: AsyncIterator[Message], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        async with around(None, context):
            async for item in stream_stream(requests, context):
                yield item

    return grpc.stream_stream_rpc_method_handler(wrapped_stream_stream, **codecs)
