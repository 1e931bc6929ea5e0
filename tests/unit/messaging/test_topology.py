"""Every stream and KV bucket flowmesh creates is kept on as many NATS servers as asked."""

from __future__ import annotations

from flowmesh.config import load_settings
from flowmesh.messaging import _topology


def test_every_stream_and_bucket_takes_the_replicas_asked() -> None:
    streams = _topology.streams(replicas=3)
    buckets = _topology.buckets(168.0, replicas=3)

    assert {stream.num_replicas for stream in streams} == {3}
    assert {bucket.replicas for bucket in buckets} == {3}
    assert len({bucket.bucket for bucket in buckets}) == len(_topology.buckets(168.0))


def test_one_replica_by_default() -> None:
    assert {stream.num_replicas for stream in _topology.streams()} == {1}
    assert {bucket.replicas for bucket in _topology.buckets(168.0)} == {1}
    assert load_settings().nats_replicas == 1


def test_settings_take_a_cluster_as_comma_separated_urls() -> None:
    settings = load_settings(
        nats_url="nats://a:4222,nats://b:4222",
        nats_monitor_url=" http://a:8222, http://b:8222 ,",
        nats_replicas=3,
    )

    assert settings.nats_monitor_urls == ["http://a:8222", "http://b:8222"]
    assert settings.nats_durable
