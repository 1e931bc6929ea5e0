"""Waiting for a condition with a deadline, the one way tests synchronise with the system."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    within: float = 30.0,
    what: str = "",
    ignore: tuple[type[Exception], ...] = (),
) -> T:
    """Return probe()'s first truthy result, polling until the deadline; fail after it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            result = await probe()
        except ignore:
            result = None
        if result:
            return result
        if loop.time() > deadline:
            pytest.fail(f"not true within {within:.0f}s: {what or probe}")
        await asyncio.sleep(0.05)
