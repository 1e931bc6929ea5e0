from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

import nats
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import MaxPayloadError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, StreamConfig
from nats.js.errors import BadRequestError, NoStreamResponseError, ServiceUnavailableError
from nats.js.kv import KeyValue

from flowmesh.messaging import _topology
from flowmesh.telemetry import get_logger, inject_trace

log = get_logger("messaging")

M = TypeVar("M", bound=Message)

# Room kept for a message's headers. nats-py checks only the payload against the
# server's max_payload, but the server counts headers too and closes the connection
# of a client that sends more.
HEADER_ROOM = 1024
# How long a publish is tried again while the stream cannot take it (a NATS server of the
# cluster gone, its streams' replicas electing new leaders), then its error is raised.
PUBLISH_RETRY_SECONDS = 30.0
_PUBLISH_PAUSE_FIRST = 0.1
_PUBLISH_PAUSE_LAST = 2.0
_PASSING = (NatsTimeoutError, NoStreamResponseError, ServiceUnavailableError)


class TopologyError(RuntimeError):
    """The streams and buckets cannot be laid out as the settings ask."""


@dataclass(frozen=True)
class Delivery:
    """A message taken from a pull consumer, with what is needed to settle it."""

    msg: Msg

    @property
    def data(self) -> bytes:
        return self.msg.data

    @property
    def subject(self) -> str:
        return self.msg.subject

    @property
    def deliveries(self) -> int:
        """How many times this message has been delivered, this time included."""
        return int(self.msg.metadata.num_delivered)

    @property
    def redelivered(self) -> bool:
        return self.deliveries > 1

    @property
    def headers(self) -> dict[str, str]:
        return self.msg.headers or {}

    def parse(self, message_type: type[M]) -> M:
        return message_type.FromString(self.msg.data)

    async def ack(self) -> None:
        await self.msg.ack_sync()

    async def nak(self, delay: float | None = None) -> None:
        await self.msg.nak(delay=delay)

    async def in_progress(self) -> None:
        await self.msg.in_progress()

    @asynccontextmanager
    async def kept_alive(self, every: float) -> AsyncIterator[None]:
        """While the block runs, tell the server every `every` seconds that the message is being worked on."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(every)
                await self.in_progress()

        heartbeat = asyncio.create_task(beat())
        try:
            yield
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)

    async def term(self) -> None:
        await self.msg.term()


class Broker:
    """A connection to NATS JetStream with flowmesh's streams and buckets."""

    def __init__(self, nc: Client, js: JetStreamContext) -> None:
        self.nc = nc
        self.js = js
        self._buckets: dict[str, KeyValue] = {}
        # (stream, durable) of every consumer pulled from, whose lag watch_consumer_lag reads.
        self.consumers: set[tuple[str, str]] = set()

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        name: str = "flowmesh",
        on_connection: Callable[[bool], Awaitable[None]] | None = None,
    ) -> Broker:
        """Connect to url and reconnect forever on loss, logging each loss in one line.

        url may name several servers of a cluster, separated by commas: the client
        connects to one and moves to another when it goes away.
        on_connection hears False when the connection is lost and True when it is back.
        """

        async def on_error(error: Exception) -> None:
            log.warning("nats_error", url=url, error=repr(error))

        async def on_disconnect() -> None:
            log.warning("nats_disconnected", url=url)
            if on_connection is not None:
                await on_connection(False)

        async def on_reconnect() -> None:
            log.info("nats_reconnected", url=url)
            if on_connection is not None:
                await on_connection(True)

        nc = await nats.connect(
            [server.strip() for server in url.split(",") if server.strip()],
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            error_cb=on_error,
            disconnected_cb=on_disconnect,
            reconnected_cb=on_reconnect,
        )
        return cls(nc, nc.jetstream(timeout=10.0))

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.close()

    def cluster_size(self) -> int:
        """Return how many NATS servers the connected one knows in its cluster (1 without a cluster)."""
        info = self.nc._server_info
        if not info.get("cluster"):
            return 1
        return max(1, len(info.get("connect_urls") or ()))

    async def ensure_topology(self, execution_retention_hours: float = 168.0, replicas: int = 1) -> None:
        """Create the streams and buckets, or bring their configuration up to date.

        Each is kept on `replicas` servers of the NATS cluster; raise TopologyError
        when the cluster has fewer.
        """
        nodes = self.cluster_size()
        if replicas > nodes:
            raise TopologyError(
                f"nats_replicas is {replicas} but the NATS cluster has {nodes} server(s): "
                f"JetStream keeps each replica on its own server. Run at least {replicas} "
                "servers in one cluster (routes between them) or lower nats_replicas "
                "(FLOWMESH_NATS_REPLICAS)"
            )
        for config in _topology.streams(replicas=replicas):
            await self._ensure_stream(config)
        for bucket in _topology.buckets(execution_retention_hours, replicas):
            self._buckets[bucket.bucket] = await self._ensure_bucket(bucket)

    async def _ensure_stream(self, config: StreamConfig) -> None:
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            await self.js.update_stream(config)

    async def _ensure_bucket(self, config: KeyValueConfig) -> KeyValue:
        try:
            return await self.js.create_key_value(config=config)
        except BadRequestError:
            # There with another number of replicas: JetStream moves a stream to more or fewer servers.
            stream = await self.js.stream_info(f"KV_{config.bucket}")
            await self.js.update_stream(replace(stream.config, num_replicas=config.replicas))
            return await self.js.key_value(config.bucket)

    async def kv(self, bucket: str) -> KeyValue:
        if bucket not in self._buckets:
            self._buckets[bucket] = await self.js.key_value(bucket)
        return self._buckets[bucket]

    def fitting(self, data: bytes) -> bytes:
        """Return data, or raise MaxPayloadError when it would not fit one message with its headers."""
        if len(data) + HEADER_ROOM > self.nc.max_payload:
            raise MaxPayloadError
        return data

    async def publish(self, subject: str, message: Message, msg_id: str) -> bool:
        """Publish message and wait for the stream's ack; return False for a duplicate."""
        headers = {"Nats-Msg-Id": msg_id}
        # The trace goes on with the message (W3C traceparent): one execution, one trace.
        inject_trace(headers)
        data = self.fitting(message.SerializeToString())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PUBLISH_RETRY_SECONDS
        pause = _PUBLISH_PAUSE_FIRST
        while True:
            try:
                ack = await self.js.publish(subject, data, headers=headers)
                return not ack.duplicate
            except _PASSING as error:
                # The stream is electing a leader, or its server went away: the message id
                # makes a retry of a publish that did land a duplicate, which the stream drops.
                if loop.time() + pause > deadline:
                    raise
                log.warning("publish_retried", subject=subject, error=repr(error), retry_in=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, _PUBLISH_PAUSE_LAST)

    async def to_executor(self, execution_id: str, message: Message, msg_id: str) -> bool:
        """Publish an executor message about an execution on its subject; False for a duplicate."""
        return await self.publish(_topology.executor_subject(execution_id), message, msg_id)

    async def pull(
        self,
        stream: str,
        durable: str,
        filter_subject: str,
        *,
        ack_wait: float = 30.0,
        max_ack_pending: int = 1000,
        max_deliver: int = -1,
        deliver_all: bool = True,
    ) -> JetStreamContext.PullSubscription:
        """Bind to (creating when missing) the durable pull consumer shared by all instances."""
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait,
            max_ack_pending=max_ack_pending,
            max_deliver=max_deliver,
            filter_subject=filter_subject,
            deliver_policy=DeliverPolicy.ALL if deliver_all else DeliverPolicy.NEW,
        )
        # Idempotent: instances starting together with the same configuration all succeed.
        await self.js.add_consumer(stream, config)
        self.consumers.add((stream, durable))
        return await self.js.pull_subscribe_bind(durable=durable, stream=stream)
