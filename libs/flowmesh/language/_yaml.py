"""YAML loading that keeps where each value came from and refuses unsafe input."""

from __future__ import annotations

from typing import Any

import yaml

from flowmesh.language._model import FlowInvalid, Violation

MAX_SOURCE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 10_000

Positions = dict[str, tuple[int, int]]

_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def load_document(text: str) -> tuple[Any, Positions]:
    """Return the document's data and the (line, column) of every property path.

    Raise FlowInvalid for YAML syntax errors, duplicate keys, aliases, tags and
    documents too large or too deep to be a flow.
    """
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise FlowInvalid([Violation("", f"the flow is larger than {MAX_SOURCE_BYTES} bytes")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise FlowInvalid([Violation("", f"invalid YAML: {error.problem}", line, column)]) from None
    except yaml.YAMLError as error:
        raise FlowInvalid([Violation("", f"invalid YAML: {error}")]) from None
    if node is None:
        return None, {}
    walker = _Walker()
    return walker.convert(node, "", 0), walker.positions


class _Walker:
    """Turn a composed node tree into plain data, recording positions and checking limits."""

    def __init__(self) -> None:
        self.positions: Positions = {}
        self._seen: set[int] = set()
        self._constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str, depth: int) -> Any:
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.positions[path] = where
        if id(node) in self._seen:
            raise _invalid(path, "YAML aliases are not allowed", where)
        self._seen.add(id(node))
        if len(self._seen) > MAX_NODES:
            raise _invalid(path, f"the flow has more than {MAX_NODES} values", where)
        if depth > MAX_DEPTH:
            raise _invalid(path, f"nested deeper than {MAX_DEPTH} levels", where)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node, path))
                child = f"{path}.{key}" if path else key
                if key in result:
                    mark = key_node.start_mark
                    raise _invalid(child, "duplicate key", (mark.line + 1, mark.column + 1))
                result[key] = self.convert(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.convert(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(node.value)
            ]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: str) -> Any:
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        if not isinstance(node, yaml.ScalarNode):
            raise _invalid(path, "keys must be plain values", where)
        if node.tag == _TIMESTAMP:
            return node.value  # dates stay text, as expressions expect
        if node.tag not in _PLAIN_TAGS:
            raise _invalid(path, f"YAML tag {node.tag} is not allowed", where)
        return self._constructor.construct_object(node)


def _invalid(path: str, message: str, where: tuple[int, int]) -> FlowInvalid:
    return FlowInvalid([Violation(path, message, *where)])
