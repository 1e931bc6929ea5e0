"""Pydantic's validation errors, said as Kestra says them and placed at their property path."""

from __future__ import annotations

from typing import Any


def join_path(path: str, location: tuple[int | str, ...]) -> str:
    """Return the property path of a pydantic error location under path (`tasks[0].retry.type`)."""
    for part in location:
        path = f"{path}[{part}]" if isinstance(part, int) else f"{path}.{part}"
    return path


def message_of(problem: Any) -> str:
    """Return a pydantic error's message in Kestra's words where Kestra has some."""
    kind = problem["type"]
    if kind == "extra_forbidden":
        return f'Unrecognized field "{problem["loc"][-1]}"'
    if kind == "missing":
        return "must not be null"
    if kind == "too_short" and problem.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    return str(problem["msg"])
