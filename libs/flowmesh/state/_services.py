from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from importlib.metadata import version

from google.protobuf.timestamp_pb2 import Timestamp
from nats.errors import Error as NatsError

from flowmesh.instance.v1.instance_pb2 import ServiceInstance, ServiceState, ServiceType
from flowmesh.messaging import SERVICE_PRESENCE_TTL, SERVICES_BUCKET, Broker
from flowmesh.state._watch import bucket_snapshot
from flowmesh.telemetry import get_logger

log = get_logger("state")

# How often an instance renews its key: a few times within the key's life, so that one lost
# renewal does not make a live instance look gone.
_RENEW_EVERY = SERVICE_PRESENCE_TTL / 3


def _key(instance: ServiceInstance) -> str:
    """`worker.<group>.<id>` for a worker (which groups have one), `<type>.<id>` for the others."""
    kind = ServiceType.Name(instance.type).removeprefix("SERVICE_TYPE_").lower()
    return (
        f"{kind}.{instance.worker_group}.{instance.id}" if instance.worker_group else f"{kind}.{instance.id}"
    )


class Services:
    """The component instances running: each keeps a key alive in the services bucket.

    The bucket forgets the key of an instance that stopped renewing it (it died) after
    SERVICE_PRESENCE_TTL; one that stops says TERMINATING while it winds down, then
    removes its key.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def announce(
        self,
        service_type: ServiceType,
        stopping: asyncio.Event,
        finished: asyncio.Event,
        *,
        worker_group: str = "",
    ) -> None:
        """Keep this instance's key: RUNNING until stopping, TERMINATING until finished, then none."""
        started = Timestamp()
        started.GetCurrentTime()
        instance = ServiceInstance(
            id=uuid.uuid4().hex,
            type=service_type,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            created_at=started,
            version=version("flowmesh"),
            worker_group=worker_group,
        )
        key = _key(instance)
        try:
            while not finished.is_set():
                ending = stopping.is_set()
                instance.state = (
                    ServiceState.SERVICE_STATE_TERMINATING if ending else ServiceState.SERVICE_STATE_RUNNING
                )
                instance.updated_at.GetCurrentTime()
                try:
                    kv = await self._broker.kv(SERVICES_BUCKET)
                    await kv.put(key, instance.SerializeToString())
                except NatsError as error:
                    log.warning("service_presence_failed", error=repr(error))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for((finished if ending else stopping).wait(), _RENEW_EVERY)
        finally:
            with contextlib.suppress(NatsError):
                kv = await self._broker.kv(SERVICES_BUCKET)
                await kv.delete(key)

    async def running(self) -> list[ServiceInstance]:
        """Return the instances alive, by type and then start."""
        instances = [
            ServiceInstance.FromString(entry.value or b"")
            for entry in await bucket_snapshot(self._broker, SERVICES_BUCKET)
        ]
        return sorted(instances, key=lambda i: (i.type, i.created_at.ToNanoseconds(), i.id))

    async def has_worker(self, group: str) -> bool:
        """Return whether a worker of group is running (has renewed its key lately, is not stopping)."""
        entries = await bucket_snapshot(self._broker, SERVICES_BUCKET, f"worker.{group}.*")
        return any(
            ServiceInstance.FromString(entry.value or b"").state == ServiceState.SERVICE_STATE_RUNNING
            for entry in entries
        )
