"""The gateway's one gRPC channel to the api, with bounded concurrency and deadlines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
import structlog
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from flowmesh.gateway._errors import GatewayError
from flowmesh.rpc import TracingClientInterceptor

log = structlog.get_logger(component="gateway")

Metadata = Sequence[tuple[str, str]]
HEALTH_TIMEOUT_SECONDS = 5.0

_CHANNEL_OPTIONS = [
    # Executions with many task runs are large; the default 4 MiB is too small for them.
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    # Keep idle follow streams alive through proxies and notice a dead api.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


class ApiClient:
    """Call the api's RPCs by path.

    Short unary calls share a semaphore (a channel fails under thousands of concurrent
    calls). Long-lived calls (follow streams, calls that wait for an execution to end)
    have a cap instead and are refused with 429 beyond it, so that they never starve the
    short ones.
    """

    def __init__(
        self,
        address: str,
        *,
        call_timeout: float,
        wait_timeout: float,
        max_concurrent_calls: int,
        max_streams: int,
    ) -> None:
        self.address = address
        self.call_timeout = call_timeout
        self.wait_timeout = wait_timeout
        self._calls = asyncio.Semaphore(max_concurrent_calls)
        self._max_long_calls = max_streams
        self._long_calls = 0
        self._streams: set[grpc.aio.Call] = set()
        self._channel: grpc.aio.Channel | None = None
        self.closing = False

    def open(self) -> None:
        """Open the channel and take streams again (the app's lifespan starts)."""
        self.closing = False
        self.channel()

    def channel(self) -> grpc.aio.Channel:
        """Return the channel, opening it on first use (when no lifespan ran, as in tests)."""
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(
                self.address, options=_CHANNEL_OPTIONS, interceptors=[TracingClientInterceptor()]
            )
            self.closing = False
            log.info("api_channel_opened", address=self.address)
        return self._channel

    def end_all_streams(self) -> None:
        """Cancel every follow stream: their SSE responses end quietly."""
        self.closing = True
        for call in list(self._streams):
            call.cancel()

    async def close(self) -> None:
        """End the follow streams, then close the channel."""
        self.end_all_streams()
        if self._channel is not None:
            channel, self._channel = self._channel, None
            await channel.close(grace=1.0)
            log.info("api_channel_closed", address=self.address)

    async def unary(
        self,
        path: str,
        request: Message,
        response_class: type[Message],
        *,
        seconds: float,
        metadata: Metadata = (),
        long: bool = False,
    ) -> Message:
        """Call a unary RPC with a deadline `seconds` away, waiting for a free slot included."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        async with self._long_slot() if long else self._short_slot(seconds):
            method = self.channel().unary_unary(
                path,
                request_serializer=_serialize,
                response_deserializer=response_class.FromString,
            )
            remaining = max(0.001, deadline - loop.time())
            response: Message = await method(request, timeout=remaining, metadata=metadata)
            return response

    @contextlib.asynccontextmanager
    async def _short_slot(self, seconds: float) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(seconds):
                await self._calls.acquire()
        except TimeoutError:
            raise GatewayError(
                "the gateway is busy: no free slot to call the api in time",
                http_status=504,
                status="DEADLINE_EXCEEDED",
            ) from None
        try:
            yield
        finally:
            self._calls.release()

    @contextlib.asynccontextmanager
    async def _long_slot(self) -> AsyncIterator[None]:
        self._check_long_call()
        self._long_calls += 1
        try:
            yield
        finally:
            self._long_calls -= 1

    def _check_long_call(self) -> None:
        if self.closing:
            raise GatewayError("the gateway is stopping", http_status=503, status="UNAVAILABLE")
        if self._long_calls + len(self._streams) >= self._max_long_calls:
            raise GatewayError(
                "too many long-lived calls (follow streams, waiting executions) are open",
                http_status=429,
                status="RESOURCE_EXHAUSTED",
            )

    def stream(
        self,
        path: str,
        request: Message,
        response_class: type[Message],
        *,
        metadata: Metadata = (),
    ) -> grpc.aio.UnaryStreamCall:
        """Start a server-streaming RPC without a deadline; release it with end_stream."""
        self._check_long_call()
        method = self.channel().unary_stream(
            path,
            request_serializer=_serialize,
            response_deserializer=response_class.FromString,
        )
        call: grpc.aio.UnaryStreamCall = method(request, metadata=metadata)
        self._streams.add(call)
        return call

    async def upload(
        self,
        path: str,
        requests: AsyncIterator[Message],
        response_class: type[Message],
        *,
        metadata: Metadata = (),
    ) -> Message:
        """Call a client-streaming RPC with requests, without a deadline: a big upload takes its time."""
        async with self._long_slot():
            method = self.channel().stream_unary(
                path,
                request_serializer=_serialize,
                response_deserializer=response_class.FromString,
            )
            response: Message = await method(requests, metadata=metadata)
            return response

    def end_stream(self, call: grpc.aio.Call) -> None:
        """Cancel a stream if it still runs and forget it."""
        self._streams.discard(call)
        if not call.done():
            call.cancel()

    @property
    def open_streams(self) -> int:
        """Return how many follow streams are open."""
        return len(self._streams)

    async def healthy(self) -> bool:
        """Return whether the api's overall health check (service "") says SERVING."""
        stub = health_pb2_grpc.HealthStub(self.channel())
        request = health_pb2.HealthCheckRequest(service="")
        with contextlib.suppress(grpc.aio.AioRpcError):
            answer: Any = await stub.Check(request, timeout=HEALTH_TIMEOUT_SECONDS)
            return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)
        return False


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()
