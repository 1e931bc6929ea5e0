"""JSON, YAML, Ion and jq: Kestra's filters and functions that read and write data formats."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import jq
import yaml

from flowmesh.expressions._registry import Args, pebble_filter, pebble_function, require
from flowmesh.values import ion_dumps, ion_loads


def to_json(value: Any) -> str:
    """Write value as compact JSON, as Kestra's toJson does."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"Cannot write a {type(value).__name__} as JSON")


def _from_json(text: Any, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Invalid JSON in {what}: {error}") from None


for _name in ("toJson", "json", "jsonEncode"):
    pebble_filter(_name)(lambda value, args: to_json(value))

pebble_filter("toIon")(lambda value, args: ion_dumps(value))


def _from_json_function(args: Args) -> Any:
    if "json" not in args:
        raise TypeError("The function [fromJson] needs the argument [json]")
    return _from_json(args["json"], "fromJson")


for _name in ("fromJson", "json", "jsonDecode"):
    pebble_function(_name, "json")(_from_json_function)


@pebble_function("fromIon", "ion")
def _from_ion(args: Args) -> Any:
    if "ion" not in args:
        raise TypeError("The function [fromIon] needs the argument [ion]")
    text = args["ion"]
    if text is None:
        return None
    try:
        return ion_loads(str(text))
    except (ValueError, IndexError) as error:
        raise ValueError(f"Invalid Ion in fromIon: {error}") from None


pebble_function("ionDecode", "ion")(_from_ion)


class _YamlDumper(yaml.SafeDumper):
    """Indent sequences under their key, as Jackson's YAML writer does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def to_yaml(value: Any) -> str:
    """Write value as block YAML; a scalar is one line, a list's items are indented by one."""
    text = yaml.dump(value, Dumper=_YamlDumper, default_flow_style=False, allow_unicode=True, sort_keys=False)
    text = text.removesuffix("...\n")
    if isinstance(value, list):
        # Jackson writes top-level sequence items as " - item".
        text = "".join(" " + line if line else line for line in text.splitlines(keepends=True))
    return text


for _name in ("yaml", "toYaml"):
    pebble_filter(_name)(lambda value, args: to_yaml(value))


class _YamlLoader(yaml.SafeLoader):
    """Read dates and times as the strings they were written as, like Kestra's YAML mapper."""


_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pebble_function("yaml", "yaml")
def _from_yaml(args: Args) -> Any:
    text = require(args, "yaml", "function [yaml]")
    try:
        return yaml.load(str(text), Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ValueError(f"Invalid YAML in yaml(): {error}") from None


# jq programs run in-process and cannot be interrupted, so the builtins that read the
# environment or files, or that loop without end, are refused before compiling.
_JQ_FORBIDDEN = re.compile(
    r"\$ENV\b|\$__loc__\b|(?<![.$\w])(?:env|input|inputs|input_filename|input_line_number|import|include"
    r"|modulemeta|get_search_list|halt|halt_error|debug|stderr|repeat|while|until|range|def)\b"
)
_JQ_PLAIN_STRING = re.compile(r'"(?:[^"\\]|\\[^(])*"')


def _check_jq(expression: str) -> None:
    if _JQ_FORBIDDEN.search(_JQ_PLAIN_STRING.sub('""', expression)):
        raise ValueError(f"The jq expression [{expression}] uses a builtin that is not allowed here")


@pebble_filter("jq", "expression")
def _jq(value: Any, args: Args) -> Any:
    """Return every result of the jq program on value; a string is read as the JSON it holds.

    As Kestra's JqFilter: a loop value or an output that holds JSON text is queried as
    that JSON, a string that is not JSON fails, and null gives null.
    """
    expression = str(require(args, "expression", "filter [jq]"))
    _check_jq(expression)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"Unable to parse jq value '{value}': it is not JSON") from None
    try:
        program = jq.compile(expression)
        return program.input_text(to_json(value)).all()
    except ValueError as error:
        raise ValueError(f"Invalid jq expression [{expression}]: {error}") from None
