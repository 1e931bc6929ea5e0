"""The configuration reference, made from the settings model: `python -m flowmesh.config.reference FILE`.

`make docs` writes docs/configuration.md with it; a unit test fails when that file is stale.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from flowmesh.config._settings import Settings

_TYPES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    SecretStr: "secret string",
}

_HEADER = """\
# Configuration reference

<!-- Made by `make docs` from libs/flowmesh/config/_settings.py: edit the settings' docstrings there. -->

Every flowmesh process reads the same settings. Each can be given as a `flowmesh server` option
(where one exists), as the environment variable in the table, or as a key of a YAML file named by
`--config` (or `FLOWMESH_CONFIG_FILE`); options win over variables, variables over the file.
Secret strings are masked wherever the settings are printed.

| setting | environment variable | type | default | description |
|---|---|---|---|---|
"""


def environment_variable(name: str) -> str:
    """Return the environment variable that sets the setting name."""
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def reference_markdown() -> str:
    """Return docs/configuration.md: one row per setting, in the model's order."""
    rows = [
        f"| `{name}` | `{environment_variable(name)}` | {_type(field)} | {_default(field)} | "
        f"{_description(name, field)} |"
        for name, field in Settings.model_fields.items()
    ]
    return _HEADER + "\n".join(rows) + "\n"


def _type(field: FieldInfo) -> str:
    annotation = field.annotation
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        optional = len(members) < len(get_args(annotation))
        (annotation,) = members
    if get_origin(annotation) is Literal:
        text = "one of " + ", ".join(f"`{value}`" for value in get_args(annotation))
    else:
        text = _TYPES[annotation]
    for bound in field.metadata:
        if isinstance(bound, Ge):
            text += f" ≥ {bound.ge}"
        elif isinstance(bound, Gt):
            text += f" > {bound.gt}"
        elif getattr(bound, "pattern", None):
            text += f" matching `{bound.pattern}`"
    return text + (" (optional)" if optional else "")


def _default(field: FieldInfo) -> str:
    value = field.default
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if str(value) else '`""`'


def _description(name: str, field: FieldInfo) -> str:
    if not field.description:
        raise ValueError(f"setting {name} has no description: give it a docstring in _settings.py")
    return " ".join(field.description.split()).replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write the reference to the file named, or to stdout without one."""
    text = reference_markdown()
    if argv:
        Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
