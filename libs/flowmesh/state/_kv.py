"""The user KV store: typed entries per tenant and namespace in one NATS KV bucket.

A bucket key is `<tenant>.<namespace with its dots as slashes>.<key>`: a namespace is one
token, so that `<tenant>.<namespace>.>` lists exactly its keys. An entry with a TTL is
published with a per-message TTL (nats-server 2.11+), so the server removes it; its
expiry date is also stored, so that it is absent from the moment it expires, not from
the moment the server gets to it, and the API can show it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js.errors import APIError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from flowmesh.messaging import KV_BUCKET, Broker

# Kestra's KVStore.validateKey, and namespace and tenant names that stay one subject token.
KEY_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
_NAMESPACE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
_TENANT = re.compile(r"[a-zA-Z0-9_-]+")
KV_TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")
_MAX_CONFLICTS = 20


class InvalidKey(ValueError):
    """A key, namespace or tenant the store cannot hold; the message says which and why."""


class KeyExists(Exception):
    """The key has a value and the caller asked not to overwrite it."""


@dataclass(frozen=True)
class KvEntry:
    """One key of a namespace: its typed value and what Kestra shows about it."""

    namespace: str
    key: str
    kv_type: str
    value: Any
    description: str | None
    created: datetime
    updated: datetime
    expires: datetime | None
    revision: int

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


def check_key(key: str) -> None:
    """Raise InvalidKey unless key is one Kestra accepts (and a subject can carry)."""
    if not key:
        raise InvalidKey("Key cannot be null or empty")
    if not KEY_PATTERN.fullmatch(key) or ".." in key or key.endswith("."):
        raise InvalidKey(
            "Key must start with an alphanumeric character (uppercase or lowercase) and can contain"
            " alphanumeric characters (uppercase or lowercase), dots (.), underscores (_), and"
            f" hyphens (-) only: {key!r}"
        )


def _check_namespace(namespace: str) -> None:
    if not _NAMESPACE.fullmatch(namespace) or ".." in namespace or namespace.endswith("."):
        raise InvalidKey(f"not a namespace: {namespace!r}")


def _prefix(tenant: str, namespace: str) -> str:
    if not _TENANT.fullmatch(tenant):
        raise InvalidKey(f"not a tenant: {tenant!r}")
    _check_namespace(namespace)
    return f"{tenant}.{namespace.replace('.', '/')}."


class KeyValueStore:
    """Read and write the KV entries of every tenant and namespace in one bucket.

    The user KV store is KV_BUCKET; the state store of state.* tasks is another bucket
    with the same layout (STATES_BUCKET), so that its entries never show among the user's.
    """

    def __init__(self, broker: Broker, bucket: str = KV_BUCKET) -> None:
        self._broker = broker
        self._bucket_name = bucket

    async def _bucket(self) -> KeyValue:
        return await self._broker.kv(self._bucket_name)

    async def get(self, tenant: str, namespace: str, key: str) -> KvEntry | None:
        """Return the entry of key, or None when there is none or it has expired."""
        check_key(key)
        entry = await self._read(await self._bucket(), _prefix(tenant, namespace) + key)
        if entry is None or entry.expired(datetime.now(UTC)):
            return None
        return entry

    async def put(
        self,
        tenant: str,
        namespace: str,
        key: str,
        value: Any,
        *,
        kv_type: str,
        description: str | None = None,
        ttl: timedelta | None = None,
        overwrite: bool = True,
    ) -> KvEntry:
        """Store value under key; raise KeyExists when it has a live value and not overwrite."""
        check_key(key)
        if kv_type not in KV_TYPES:
            raise InvalidKey(f"not a KV type: {kv_type!r}, expected one of {', '.join(KV_TYPES)}")
        bucket = await self._bucket()
        name = _prefix(tenant, namespace) + key
        for _ in range(_MAX_CONFLICTS):
            now = datetime.now(UTC)
            before = await self._read(bucket, name)
            live = before is not None and not before.expired(now)
            if live and not overwrite:
                raise KeyExists(
                    f"Cannot set value for key '{key}'. Key already exists and `overwrite` is set to `false`."
                )
            created = before.created if before is not None and live else now
            expires = now + ttl if ttl is not None else None
            data = json.dumps(
                {
                    "type": kv_type,
                    "value": value,
                    "description": description,
                    "created": created.isoformat(),
                    "updated": now.isoformat(),
                    "expires": expires.isoformat() if expires else None,
                }
            ).encode()
            try:
                revision = await self._write(bucket, name, data, before, ttl)
            except KeyWrongLastSequenceError:
                continue  # written meanwhile: decide again on the new value
            return KvEntry(namespace, key, kv_type, value, description, created, now, expires, revision)
        raise RuntimeError(f"the KV entry {namespace}/{key} kept changing")

    async def _write(
        self, bucket: KeyValue, name: str, data: bytes, before: KvEntry | None, ttl: timedelta | None
    ) -> int:
        """Write data in place of before (compare-and-set), with a per-message TTL when ttl is set."""
        seconds = None if ttl is None else max(1, math.ceil(ttl.total_seconds()))
        data = self._broker.fitting(data)
        if before is None:
            return int(await bucket.create(name, data, msg_ttl=seconds))
        headers = {"Nats-Expected-Last-Subject-Sequence": str(before.revision)}
        try:
            ack = await self._broker.js.publish(
                f"$KV.{self._bucket_name}.{name}", data, headers=headers, msg_ttl=seconds
            )
        except APIError as error:
            # The server's codes for a wrong last sequence, as nats-py's KeyValue.update reads them.
            if error.err_code in (10071, 10164):
                raise KeyWrongLastSequenceError() from None
            raise
        return int(ack.seq)

    async def delete(self, tenant: str, namespace: str, key: str) -> bool:
        """Delete key; return whether it had a live value."""
        check_key(key)
        bucket = await self._bucket()
        name = _prefix(tenant, namespace) + key
        entry = await self._read(bucket, name)
        if entry is None:
            return False
        await bucket.purge(name)
        return not entry.expired(datetime.now(UTC))

    async def entries(self, tenant: str, namespace: str, *, with_expired: bool = False) -> list[KvEntry]:
        """Return the entries of a namespace sorted by key (those expired only when asked)."""
        prefix = _prefix(tenant, namespace)
        now = datetime.now(UTC)
        entries = [
            entry
            for name, entry in await self._scan(prefix + ">")
            if name.startswith(prefix) and (with_expired or not entry.expired(now))
        ]
        return sorted(entries, key=lambda entry: entry.key)

    async def namespaces(self, tenant: str) -> list[str]:
        """Return the namespaces of tenant that hold at least one key, sorted."""
        if not _TENANT.fullmatch(tenant):
            raise InvalidKey(f"not a tenant: {tenant!r}")
        return sorted({entry.namespace for _, entry in await self._scan(f"{tenant}.>")})

    async def _scan(self, pattern: str) -> list[tuple[str, KvEntry]]:
        """Return the entries (not deleted) whose bucket keys match pattern.

        The stream lists the subjects that hold messages; each is read on its own. (A KV
        watcher's end-of-history marker can come before the entries it should follow.)
        """
        bucket = await self._bucket()
        prefix = f"$KV.{self._bucket_name}."
        info = await self._broker.js.stream_info(f"KV_{self._bucket_name}", subjects_filter=prefix + pattern)
        found = []
        for subject in sorted(info.state.subjects or {}):
            name = subject.removeprefix(prefix)
            entry = await self._read(bucket, name)
            if entry is not None:
                found.append((name, entry))
        return found

    async def _read(self, bucket: KeyValue, name: str) -> KvEntry | None:
        try:
            found = await bucket.get(name)
        except KeyNotFoundError:  # KeyDeletedError is one too
            return None
        if not found.value:
            return None
        return _decode(name, found.value, found.revision or 0)


def _decode(name: str, data: bytes, revision: int | None) -> KvEntry:
    _, namespace, key = name.split(".", 2)
    stored = json.loads(data)
    return KvEntry(
        namespace=namespace.replace("/", "."),
        key=key,
        kv_type=stored["type"],
        value=stored["value"],
        description=stored.get("description"),
        created=datetime.fromisoformat(stored["created"]),
        updated=datetime.fromisoformat(stored["updated"]),
        expires=datetime.fromisoformat(stored["expires"]) if stored.get("expires") else None,
        revision=revision or 0,
    )
