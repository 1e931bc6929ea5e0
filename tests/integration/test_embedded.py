"""Integration tests for the embedded NATS and PostgreSQL servers."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import socket
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest

from flowmesh.embedded import (
    EmbeddedNats,
    EmbeddedPostgres,
    EmbeddedServerError,
    free_port,
)

pytestmark = pytest.mark.integration

IS_ROOT = os.geteuid() == 0


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_free_port_is_bindable_and_not_standard() -> None:
    port = free_port()
    assert port not in (4222, 5432)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_nats_jetstream_syncs_always(nats_server: EmbeddedNats) -> None:
    varz = await asyncio.to_thread(_get_json, nats_server.monitor_url + "/varz")
    assert varz["host"] == "127.0.0.1"
    assert varz["port"] == nats_server.port != 4222
    assert varz["jetstream"]["config"]["sync_always"] is True
    assert varz["jetstream"]["config"]["store_dir"].startswith(str(nats_server.data_dir))
    jsz = await asyncio.to_thread(_get_json, nats_server.monitor_url + "/jsz")
    assert jsz["config"]["sync_always"] is True


async def test_nats_dedupes_by_msg_id(nats_server: EmbeddedNats) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="DEDUPE", subjects=["dedupe.>"])
        headers = {"Nats-Msg-Id": "task-1"}
        first = await js.publish("dedupe.a", b"payload", headers=headers)
        second = await js.publish("dedupe.a", b"payload", headers=headers)
        info = await js.stream_info("DEDUPE")
    finally:
        await nc.close()
    assert not first.duplicate
    assert second.duplicate is True
    assert second.seq == first.seq
    assert info.state.messages == 1


async def test_nats_recovers_acked_message_after_kill(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    try:
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(name="DURABLE", subjects=["durable.>"])
            ack = await js.publish("durable.x", b"survives")
        finally:
            await nc.close()
        server.kill()
        assert not _port_open(server.port)
        await server.start()
        nc = await nats.connect(server.url)
        try:
            msg = await nc.jetstream().get_msg("DURABLE", seq=ack.seq)
        finally:
            await nc.close()
        assert msg.data == b"survives"
    finally:
        await server.stop()


async def test_postgres_answers_with_fsync_on(
    postgres_server: EmbeddedPostgres,
) -> None:
    conn = await asyncpg.connect(postgres_server.dsn)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_setting('fsync')") == "on"
        assert await conn.fetchval("SELECT current_setting('listen_addresses')") == "127.0.0.1"
    finally:
        await conn.close()
    assert postgres_server.port != 5432


@pytest.mark.skipif(not IS_ROOT, reason="only meaningful when running as root")
async def test_postgres_runs_as_nobody_without_useradd(
    postgres_server: EmbeddedPostgres,
) -> None:
    pid = int((postgres_server.pgdata / "postmaster.pid").read_text().splitlines()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uid_line.split()[1:]) == {str(pwd.getpwnam("nobody").pw_uid)}
    users = [line.split(":", 1)[0] for line in Path("/etc/passwd").read_text().splitlines()]
    assert "embedded_postgres" not in users


@pytest.mark.skipif(not IS_ROOT, reason="only meaningful when running as root")
async def test_postgres_rejects_dir_nobody_cannot_reach(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    with pytest.raises(EmbeddedServerError) as excinfo:
        await EmbeddedPostgres(data_dir).start()
    message = str(excinfo.value)
    blockers = [d for d in tmp_path.parents if not d.stat().st_mode & 0o001]
    assert any(str(d) in message for d in blockers), message
    assert "/tmp" in message
    assert not (data_dir / "pgdata").exists()


async def test_postgres_restart_keeps_data_without_initdb(pg_data_dir: Path) -> None:
    server = EmbeddedPostgres(pg_data_dir)
    await server.start()
    try:
        version_file = server.pgdata / "PG_VERSION"
        before = version_file.stat()
        conn = await asyncpg.connect(server.dsn)
        try:
            await conn.execute("CREATE TABLE kept (v text)")
            await conn.execute("INSERT INTO kept VALUES ('still here')")
        finally:
            await conn.close()
        await server.stop()
        assert not (server.pgdata / "postmaster.pid").exists()
        await server.start()
        after = version_file.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        conn = await asyncpg.connect(server.dsn)
        try:
            assert await conn.fetchval("SELECT v FROM kept") == "still here"
        finally:
            await conn.close()
    finally:
        await server.stop()


async def test_pg_dsn_fresh_is_an_empty_private_database(pg_dsn_fresh: str) -> None:
    conn = await asyncpg.connect(pg_dsn_fresh)
    try:
        name = await conn.fetchval("SELECT current_database()")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await conn.close()
    assert name == pg_dsn_fresh.rsplit("/", 1)[1] != "postgres"
    assert tables == 0
