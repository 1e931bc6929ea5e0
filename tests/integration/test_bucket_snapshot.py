"""Reading a KV bucket's content at once: every live key, whatever was deleted last, filtered or not."""

from __future__ import annotations

from pathlib import Path

from flowmesh.messaging import SERVICES_BUCKET
from flowmesh.state._watch import bucket_snapshot
from tests.integration.running import nats_broker


async def test_a_snapshot_holds_the_live_keys_and_not_the_deleted_ones(tmp_path: Path) -> None:
    async with nats_broker(tmp_path) as broker:
        assert await bucket_snapshot(broker, SERVICES_BUCKET) == []
        kv = await broker.kv(SERVICES_BUCKET)
        for key in ("a.one", "a.two", "b.one", "a.three"):
            await kv.put(key, key.encode())
        await kv.put("a.two", b"again")
        # The last message of the stream is a deletion: the snapshot still ends.
        await kv.delete("a.three")

        everything = await bucket_snapshot(broker, SERVICES_BUCKET)
        assert {entry.key: entry.value for entry in everything} == {
            "a.one": b"a.one",
            "a.two": b"again",
            "b.one": b"b.one",
        }
        assert sorted(entry.key for entry in await bucket_snapshot(broker, SERVICES_BUCKET, "a.*")) == [
            "a.one",
            "a.two",
        ]
        assert await bucket_snapshot(broker, SERVICES_BUCKET, "c.*") == []
        await kv.delete("b.one")
        assert await bucket_snapshot(broker, SERVICES_BUCKET, "b.*") == []
