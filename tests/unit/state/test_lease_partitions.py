"""How the partitions of the triggers are placed and split between schedulers (no server)."""

from __future__ import annotations

from collections import Counter

from flowmesh.state import partition_of, preferred_owner


def test_a_trigger_key_always_falls_in_the_same_partition() -> None:
    # CRC-32: the same in every process and Python version, unlike hash().
    assert partition_of("main/company.team/hello/daily", 32) == 19
    assert {partition_of(f"main/ns/flow-{index}/t", 32) for index in range(1000)} == set(range(32))


def test_members_split_the_partitions_about_evenly() -> None:
    owners = Counter(preferred_owner(partition, ["a", "b", "c"]) for partition in range(300))

    assert set(owners) == {"a", "b", "c"}
    assert min(owners.values()) > 70


def test_a_member_leaving_moves_only_its_own_partitions() -> None:
    before = {partition: preferred_owner(partition, ["a", "b", "c"]) for partition in range(64)}
    after = {partition: preferred_owner(partition, ["a", "b"]) for partition in range(64)}

    moved = {partition for partition in before if before[partition] != after[partition]}
    assert moved == {partition for partition, owner in before.items() if owner == "c"}


def test_every_member_agrees_whatever_the_order_it_lists_them_in() -> None:
    assert all(preferred_owner(p, ["a", "b", "c"]) == preferred_owner(p, ["c", "a", "b"]) for p in range(64))
