"""Shared helpers for the embedded servers: ports, readiness polling, errors."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from pathlib import Path

_STANDARD_PORTS = frozenset({4222, 5432, 6222, 8222})


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be prepared, started or stopped."""


def free_port() -> int:
    """Return a currently free TCP port on 127.0.0.1 (never a standard port)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _STANDARD_PORTS:
            return port


async def _accepts(port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=0.5)
    except (TimeoutError, OSError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def wait_for_port(
    port: int,
    *,
    seconds: float,
    alive: Callable[[], bool],
    ready: Callable[[], bool] = lambda: True,
) -> bool:
    """Poll until `ready()` holds and 127.0.0.1:port accepts.

    Return False as soon as `alive()` fails, or when the deadline passes.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while alive() and loop.time() < deadline:
        if ready() and await _accepts(port):
            return alive()
        await asyncio.sleep(0.005)
    return False


def log_tail(path: Path, lines: int = 30) -> str:
    """Return the last `lines` lines of a log file, or a note if it is unreadable."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<no log at {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])
