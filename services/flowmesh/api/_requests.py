"""Idempotent creation: the execution each CreateExecution request_id made, remembered for a while."""

from __future__ import annotations

import hashlib

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from flowmesh.messaging import REQUEST_IDS_BUCKET, Broker


class RequestIds:
    """The request ids bucket: one key per tenant and request id, holding an execution id.

    Its keys expire with the bucket's TTL (REQUEST_ID_WINDOW): after that, the same
    request id makes a new execution.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def claim(self, tenant: str, request_id: str, execution_id: str) -> str:
        """Return the execution id of request_id: execution_id when this is its first call."""
        bucket = await self._broker.kv(REQUEST_IDS_BUCKET)
        # Any text may be a request id; a key may only hold some characters.
        key = hashlib.sha256(f"{tenant}\x1f{request_id}".encode()).hexdigest()
        while True:
            try:
                await bucket.create(key, execution_id.encode())
                return execution_id
            except KeyWrongLastSequenceError:
                pass
            try:
                entry = await bucket.get(key)
            except KeyNotFoundError:
                continue  # expired between the two calls: claim it again
            if entry.value:
                return entry.value.decode()
