"""Flow outputs: their declarations, and their rendered values as their types."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flowmesh.language._input_values import CONVERTERS, convert
from flowmesh.language._model import Input, Output

OUTPUT_ID = re.compile(r"[a-zA-Z0-9][.a-zA-Z0-9_-]*")
OUTPUT_PROPERTIES = frozenset({"id", "type", "value", "required", "description", "displayName"})

Fail = Callable[[str, str], None]


def parse_outputs(raw: Any, fail: Fail) -> list[Output]:
    """Return the flow's output declarations, reporting each problem through fail."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        fail("outputs", "must be a list of outputs")
        return []
    outputs: list[Output] = []
    for index, item in enumerate(raw):
        output = _output(item, f"outputs[{index}]", fail)
        if output is not None:
            outputs.append(output)
    seen: set[str] = set()
    for output in outputs:
        if output.id in seen:
            fail("outputs", f"Duplicate output with name [{output.id}]")
        seen.add(output.id)
    return outputs


def _output(item: Any, path: str, fail: Fail) -> Output | None:
    if not isinstance(item, dict):
        fail(path, "must be an output: a map with id, type and value")
        return None
    valid = True
    for key in item:
        if key not in OUTPUT_PROPERTIES:
            fail(f"{path}.{key}", f'Unrecognized field "{key}"')
            valid = False
    output_id = item.get("id")
    if not isinstance(output_id, str) or not OUTPUT_ID.fullmatch(output_id):
        fail(f"{path}.id", f"must match ^{OUTPUT_ID.pattern}$, got {output_id!r}")
        valid = False
    output_type = item.get("type")
    if output_type not in CONVERTERS:
        fail(f"{path}.type", f"must be one of {', '.join(CONVERTERS)}, got {output_type!r}")
        valid = False
    if item.get("value") is None:
        fail(f"{path}.value", "must not be null")
        valid = False
    required = item.get("required", True)
    if not isinstance(required, bool):
        fail(f"{path}.required", "must be true or false")
        valid = False
    if not valid:
        return None
    return Output(
        id=str(output_id),
        type=str(output_type),
        value=item["value"],
        required=required,
        description=item.get("description"),
        display_name=item.get("displayName"),
    )


def typed_output(output: Output, value: Any) -> Any:
    """Return a rendered output value as its type; raise ValueError saying why it does not fit."""
    if value is None:
        if output.required:
            raise ValueError(f"Missing required output value '{output.id}'")
        return None
    if output.type in ("STRING", "SECRET") and isinstance(value, dict | list):
        # Kestra serialises a map or list given to a STRING output as compact JSON.
        return json.dumps(value, separators=(",", ":"))
    try:
        return convert(Input(id=output.id, type=output.type), value)
    except ValueError as error:
        raise ValueError(f"output '{output.id}': {error}") from None
