"""Partitions of the triggers split between the schedulers running, through leases in a KV bucket.

The trigger keys fall into a fixed number of partitions (a hash of the key). Each
scheduler keeps a `member.<name>` key alive by rewriting it; a member whose key has not
changed for `ttl` seconds, by the observer's own monotonic clock, is gone (so no two
schedulers need agree on the time). `partition.<n>` names the partition's owner: taken
create-only when free, by a compare-and-set on its revision when its owner is gone, given
back (deleted on its revision) when another live member is preferred for it. Who is
preferred is rendezvous hashing over the live members: each partition goes to the member
with the highest hash of (partition, name), so members split the partitions about evenly
and a member that joins or leaves moves only its share.

A lease is not what keeps a fire from happening twice (the create-only fire key is):
it is what keeps every scheduler from doing every trigger. A member that cannot renew
its own key for `ttl` drops its partitions, as the others take them over then.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from flowmesh.messaging import SCHEDULER_LEASES_BUCKET, Broker
from flowmesh.state._watch import bucket_snapshot
from flowmesh.telemetry import get_logger

log = get_logger("state")

_MEMBER = "member."
_PARTITION = "partition."

Monotonic = Callable[[], float]


def partition_of(key: str, partitions: int) -> int:
    """Return the partition of a trigger key: stable across processes and versions (CRC-32)."""
    return zlib.crc32(key.encode()) % partitions


def preferred_owner(partition: int, members: Iterable[str]) -> str:
    """Return the member a partition goes to: the highest hash of (partition, member name)."""
    return max(
        members, key=lambda name: hashlib.blake2b(f"{partition}/{name}".encode(), digest_size=8).digest()
    )


@dataclass
class _Seen:
    """A key's revision, and when (monotonic) this observer saw it change last."""

    revision: int
    since: float


@dataclass
class Leases:
    """This scheduler's share of the partitions; step() renews and rebalances it (see the module)."""

    broker: Broker
    name: str
    partitions: int
    ttl: float
    monotonic: Monotonic = time.monotonic
    owned: set[int] = field(default_factory=set)
    _seen: dict[str, _Seen] = field(default_factory=dict)
    _renewed: float | None = None

    async def step(self) -> tuple[set[int], set[int]]:
        """Renew this member, then take and give back partitions; return (gained, lost)."""
        before = set(self.owned)
        try:
            kv = await self.broker.kv(SCHEDULER_LEASES_BUCKET)
            await kv.put(f"{_MEMBER}{self.name}", b"")
            self._renewed = self.monotonic()
            entries = await self._entries()
            await self._rebalance(kv, entries)
        except NatsError as error:
            log.warning("scheduler_leases_failed", error=repr(error))
        if self._renewed is None or self.monotonic() - self._renewed > self.ttl:
            # The others count this member gone by now and take its partitions.
            self.owned.clear()
        return self.owned - before, before - self.owned

    async def release(self) -> None:
        """Give back every partition and leave, so that the others take over at once (a clean stop)."""
        try:
            kv = await self.broker.kv(SCHEDULER_LEASES_BUCKET)
            entries = await self._entries()
            for partition in sorted(self.owned):
                key = f"{_PARTITION}{partition}"
                if key in entries and entries[key][1] == self.name:
                    await _delete(kv, key, entries[key][0])
            await kv.delete(f"{_MEMBER}{self.name}")
        except NatsError as error:
            log.warning("scheduler_leases_release_failed", error=repr(error))
        self.owned.clear()

    async def _entries(self) -> dict[str, tuple[int, str]]:
        """Return every key of the bucket with its revision and value, and note which changed."""
        entries = {
            entry.key: (entry.revision or 0, (entry.value or b"").decode())
            for entry in await bucket_snapshot(self.broker, SCHEDULER_LEASES_BUCKET)
        }
        now = self.monotonic()
        for key, (revision, _) in entries.items():
            seen = self._seen.get(key)
            if seen is None or seen.revision != revision:
                self._seen[key] = _Seen(revision, now)
        for key in set(self._seen) - set(entries):
            del self._seen[key]
        return entries

    def _alive(self, key: str) -> bool:
        return self.monotonic() - self._seen[key].since <= self.ttl

    async def _rebalance(self, kv: KeyValue, entries: dict[str, tuple[int, str]]) -> None:
        members = {
            key.removeprefix(_MEMBER) for key in entries if key.startswith(_MEMBER) and self._alive(key)
        }
        members.add(self.name)
        for partition in range(self.partitions):
            key = f"{_PARTITION}{partition}"
            revision, owner = entries.get(key, (0, ""))
            wanted = preferred_owner(partition, members) == self.name
            if owner == self.name and wanted:
                self.owned.add(partition)
            elif owner == self.name:
                self.owned.discard(partition)
                await _delete(kv, key, revision)
            else:
                self.owned.discard(partition)
                free = not owner or owner not in members
                if wanted and free and await _take(kv, key, revision, self.name):
                    self.owned.add(partition)


async def _take(kv: KeyValue, key: str, revision: int, name: str) -> bool:
    try:
        if revision:
            await kv.update(key, name.encode(), last=revision)
        else:
            await kv.create(key, name.encode())
    except KeyWrongLastSequenceError:
        return False  # another member got there first
    return True


async def _delete(kv: KeyValue, key: str, revision: int) -> None:
    # Taken over meanwhile: not this member's any more.
    with contextlib.suppress(KeyWrongLastSequenceError, KeyNotFoundError):
        await kv.delete(key, last=revision)
