from __future__ import annotations

from typing import Any

from flowmesh.language._model import FlowDefinition, Input, Violation

INPUT_TYPES = ("STRING", "INT", "FLOAT", "BOOLEAN")


class InputsError(ValueError):
    """Execution inputs that do not fit the flow's declared inputs."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(str(violation) for violation in violations))
        self.violations = violations


def resolve_inputs(flow: FlowDefinition, given: dict[str, Any]) -> dict[str, Any]:
    """Return the execution's inputs: given values converted to their types, defaults filled in.

    Values the flow does not declare are ignored, as Kestra does.
    """
    resolved: dict[str, Any] = {}
    violations: list[Violation] = []
    for declared in flow.inputs:
        value = given.get(declared.id, declared.defaults)
        path = f"inputs.{declared.id}"
        if value is None:
            if declared.required:
                violations.append(Violation(path, "missing required input"))
            continue
        try:
            resolved[declared.id] = convert(declared, value)
        except ValueError as error:
            violations.append(Violation(path, str(error)))
    if violations:
        raise InputsError(violations)
    return resolved


def convert(declared: Input, value: Any) -> Any:
    """Return value as the input's type; raise ValueError saying what was expected."""
    if declared.type == "STRING":
        return value if isinstance(value, str) else str(value)
    if declared.type == "INT":
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            number = int(value) if not isinstance(value, float) else value
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
        if isinstance(number, float) and not number.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(number)
    if declared.type == "FLOAT":
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
    if declared.type == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(f"expected true or false, got {value!r}")
    raise ValueError(f"input type {declared.type} is not supported yet")
