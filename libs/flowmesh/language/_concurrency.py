"""A flow's `concurrency`: how many of its executions may run at once, and what happens to more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowmesh.language._errors import join_path, message_of


class Concurrency(BaseModel):
    """Kestra's Concurrency: at most `limit` executions run; more wait QUEUED, or end CANCELLED or FAILED."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(ge=1)
    behavior: Literal["QUEUE", "CANCEL", "FAIL"] = "QUEUE"


def parse_concurrency(raw: Any, fail: Callable[[str, str], None]) -> Concurrency | None:
    """Return the flow's concurrency limit, None without one; report each problem through fail."""
    if raw is None:
        return None
    try:
        return Concurrency.model_validate(raw)
    except ValidationError as error:
        for problem in error.errors():
            fail(join_path("concurrency", problem["loc"]), message_of(problem))
        return None
