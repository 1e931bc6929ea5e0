"""A flow's own policies: its `sla` list and its `retry` (Kestra's Flow.sla and Flow.retry).

An SLA says what happens to an execution that runs too long (MAX_DURATION: `duration`
after it was created) or breaks an assertion (EXECUTION_ASSERTION: `assert` renders
falsy while it runs): it ends FAILED or CANCELLED, or only gets labels (NONE). The
flow's `retry` has the shape of a task's and applies to a failed task that has no
retry of its own (nor a parent with one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from flowmesh.language._errors import join_path, message_of
from flowmesh.plugins import ConstantRetry, ExponentialRetry, RandomRetry

Fail = Callable[[str, str], None]
FlowRetry = ConstantRetry | ExponentialRetry | RandomRetry

# The prefix of the labels only Kestra itself sets (Label.SYSTEM_PREFIX).
SYSTEM_LABEL_PREFIX = "system."


def _upper(value: Any) -> Any:
    # Java's Duration.parse takes `PT0.5s` as well as `PT0.5S`.
    return value.upper() if isinstance(value, str) else value


def _labels(value: Any) -> Any:
    """Read labels written as a map or as a list of {key, value}, values as text (Kestra's Label)."""
    if isinstance(value, list) and all(isinstance(item, dict) and "key" in item for item in value):
        return {str(item["key"]): _text(item.get("value")) for item in value}
    if isinstance(value, dict):
        return {str(key): _text(item) for key, item in value.items()}
    return value


_LABEL_VALUE: dict[str, Any] = {"type": ["string", "number", "boolean"]}
# A map, or a list of {key, value}, as the flow's own labels.
_LABELS_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "additionalProperties": _LABEL_VALUE},
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key"],
                "properties": {"key": {"type": "string"}, "value": _LABEL_VALUE},
            },
        },
    ]
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class _Sla(BaseModel):
    """Kestra's SLA: what is checked, and what a violation does (behavior, labels)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    behavior: Literal["FAIL", "CANCEL", "NONE"]
    # Added to the execution when the SLA is violated, whatever the behavior.
    labels: Annotated[dict[str, str], BeforeValidator(_labels), WithJsonSchema(_LABELS_SCHEMA)] = Field(
        default_factory=dict
    )

    @field_validator("labels")
    @classmethod
    def _no_system_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            if key.startswith(SYSTEM_LABEL_PREFIX):
                raise ValueError(
                    f"System labels can only be set by Kestra itself, offending label: {key}={value}"
                )
        return labels


class MaxDurationSla(_Sla):
    """Violated when the execution is still running `duration` after it was created."""

    type: Literal["MAX_DURATION"]
    duration: Annotated[timedelta, BeforeValidator(_upper)]

    @model_validator(mode="after")
    def _positive(self) -> MaxDurationSla:
        if self.duration <= timedelta(0):
            raise ValueError("`duration` must be a positive duration")
        return self


class ExecutionAssertionSla(_Sla):
    """Violated when `assert` renders falsy, checked each time the running execution changes."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["EXECUTION_ASSERTION"]
    assertion: str = Field(alias="assert", min_length=1)


Sla = MaxDurationSla | ExecutionAssertionSla

SLA_TYPES: dict[str, type[MaxDurationSla] | type[ExecutionAssertionSla]] = {
    "MAX_DURATION": MaxDurationSla,
    "EXECUTION_ASSERTION": ExecutionAssertionSla,
}
RETRY_TYPES: dict[str, type[ConstantRetry] | type[ExponentialRetry] | type[RandomRetry]] = {
    "constant": ConstantRetry,
    "exponential": ExponentialRetry,
    "random": RandomRetry,
}


def parse_sla(raw: Any, fail: Fail) -> list[Sla]:
    """Return the flow's SLAs, reporting each problem through fail(path, message)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        fail("sla", "must be a list of SLAs")
        return []
    found: list[Sla] = []
    for index, item in enumerate(raw):
        sla = _typed(item, f"sla[{index}]", SLA_TYPES, fail)
        if sla is not None:
            assert isinstance(sla, MaxDurationSla | ExecutionAssertionSla)
            found.append(sla)
    return found


def parse_flow_retry(raw: Any, fail: Fail) -> FlowRetry | None:
    """Return the flow's retry policy, None without one; report each problem through fail."""
    if raw is None:
        return None
    retry = _typed(raw, "retry", RETRY_TYPES, fail)
    assert retry is None or isinstance(retry, ConstantRetry | ExponentialRetry | RandomRetry)
    return retry


def _typed(raw: Any, path: str, types: dict[str, Any], fail: Fail) -> BaseModel | None:
    """Validate raw as the model its `type` names; None (reported) when it does not fit."""
    if not isinstance(raw, dict):
        fail(path, f"must be a map with a type ({', '.join(types)})")
        return None
    kind = raw.get("type")
    if kind is None:
        fail(f"{path}.type", "must not be null")
        return None
    cls = types.get(kind) if isinstance(kind, str) else None
    if cls is None:
        fail(f"{path}.type", f"Invalid type: {kind}, expected one of {', '.join(types)}")
        return None
    try:
        model: BaseModel = cls.model_validate(raw)
    except ValidationError as error:
        for problem in error.errors():
            fail(join_path(path, problem["loc"]), _message(problem))
        return None
    return model


def _message(problem: Any) -> str:
    if problem["type"] == "string_too_short" and problem.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    return message_of(problem).removeprefix("Value error, ")
