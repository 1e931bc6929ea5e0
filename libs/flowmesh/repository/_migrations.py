"""Apply the SQL files of migrations/ once each, in name order, under an advisory lock."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flowmesh.telemetry import get_logger

log = get_logger("repository")

# pg_advisory_lock key shared by every process that migrates this database.
_LOCK_KEY = 0x666C6F776D657368  # "flowmesh"

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       text        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migration_files() -> list[tuple[str, str]]:
    """Return (name, sql) of every migration, in the order they apply."""
    folder = resources.files("flowmesh.repository").joinpath("migrations")
    files = [entry for entry in folder.iterdir() if entry.name.endswith(".sql")]
    files.sort(key=lambda entry: entry.name)
    return [(entry.name, entry.read_text("utf-8")) for entry in files]


async def apply_migrations(conn: Any) -> list[str]:  # asyncpg has no complete stubs
    """Apply the migrations conn's database lacks; return the names applied.

    A session advisory lock serialises concurrent callers: the second one waits,
    then finds everything applied. Each file runs in its own transaction with
    its schema_migrations row, so a failure leaves no half-applied file.
    """
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        done = {row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")}
        applied: list[str] = []
        for name, sql in migration_files():
            if name in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            log.info("migration_applied", name=name)
            applied.append(name)
        return applied
    finally:
        if not conn.is_closed():
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
