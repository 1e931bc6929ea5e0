"""A flow's `checks`: conditions on the inputs, checked before an execution is created.

A check whose condition renders falsy shows its message and acts as its behavior
says: BLOCK_EXECUTION refuses the execution, FAIL_EXECUTION creates it FAILED,
CREATE_EXECUTION creates it all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowmesh.expressions import ExpressionError, render_value
from flowmesh.language._errors import join_path, message_of
from flowmesh.plugins import is_true

if TYPE_CHECKING:
    from flowmesh.language._model import FlowDefinition


class Check(BaseModel):
    """Kestra's Check: a condition, the message shown when it fails, and what then happens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    condition: str = Field(min_length=1)
    message: str = Field(min_length=1)
    style: Literal["ERROR", "SUCCESS", "WARNING", "INFO"] = "INFO"
    behavior: Literal["BLOCK_EXECUTION", "FAIL_EXECUTION", "CREATE_EXECUTION"] = "BLOCK_EXECUTION"


def parse_checks(raw: Any, fail: Callable[[str, str], None]) -> list[Check]:
    """Return the flow's checks, reporting each problem through fail(path, message)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        fail("checks", "must be a list of checks")
        return []
    found = []
    for index, item in enumerate(raw):
        try:
            found.append(Check.model_validate(item))
        except ValidationError as error:
            for problem in error.errors():
                fail(join_path(f"checks[{index}]", problem["loc"]), message_of(problem))
    return found


def failed_checks(flow: FlowDefinition, inputs: dict[str, Any]) -> list[Check]:
    """Return the checks whose condition does not hold for these inputs (one that cannot render fails)."""
    variables = {"flow": {"id": flow.id, "namespace": flow.namespace}, "inputs": inputs}
    failed = []
    for check in flow.checks:
        try:
            holds = is_true(render_value(check.condition, variables))
        except ExpressionError:
            holds = False
        if not holds:
            failed.append(check)
    return failed
