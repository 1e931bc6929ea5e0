"""YAML loading that keeps where each value came from and refuses unsafe input."""

from __future__ import annotations

from typing import Any

import yaml

from flowmesh.language._model import FlowInvalid, Violation

MAX_SOURCE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 10_000

Positions = dict[str, tuple[int, int]]

# libyaml when installed: the pure Python scanner takes seconds on a 1 MiB source.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"


def load_document(text: str) -> tuple[Any, Positions]:
    """Return the document's data and the (line, column) of every property path.

    Raise FlowInvalid for YAML syntax errors, duplicate keys, aliases, tags and
    documents too large or too deep to be a flow.
    """
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise FlowInvalid([Violation("", f"the flow is larger than {MAX_SOURCE_BYTES} bytes")])
    try:
        # Shape first, on the event stream: composing nodes is recursive and would
        # expand aliases, so depth, size and aliases are refused before it runs.
        _check_shape(text)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise FlowInvalid([Violation("", f"invalid YAML: {error.problem}", line, column)]) from None
    except yaml.YAMLError as error:
        raise FlowInvalid([Violation("", f"invalid YAML: {error}")]) from None
    if node is None:
        return None, {}
    walker = _Walker()
    return walker.convert(node, ""), walker.positions


def _check_shape(text: str) -> None:
    """Refuse aliases, nesting deeper than MAX_DEPTH and more than MAX_NODES values."""
    # One frame per open collection: [path, next index] for a sequence,
    # [path, current key, expecting a key] for a mapping.
    frames: list[list[Any]] = []
    nodes = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionEndEvent):
            frames.pop()
            _node_done(frames)
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        path = _child_path(frames)
        assert event.start_mark is not None  # the parser marks every event it makes
        where = (event.start_mark.line + 1, event.start_mark.column + 1)
        nodes += 1
        if isinstance(event, yaml.AliasEvent):
            raise _invalid(path, "YAML aliases are not allowed", where)
        if nodes > MAX_NODES:
            raise _invalid(path, f"the flow has more than {MAX_NODES} values", where)
        if len(frames) > MAX_DEPTH:
            raise _invalid(path, f"nested deeper than {MAX_DEPTH} levels", where)
        if isinstance(event, yaml.SequenceStartEvent):
            frames.append([path, 0])
        elif isinstance(event, yaml.MappingStartEvent):
            frames.append([path, None, True])
        else:
            assert isinstance(event, yaml.ScalarEvent)  # the one node event left
            if frames and len(frames[-1]) == 3 and frames[-1][2]:
                frames[-1][1] = event.value
            _node_done(frames)


def _child_path(frames: list[list[Any]]) -> str:
    if not frames:
        return ""
    frame = frames[-1]
    if len(frame) == 2:
        return f"{frame[0]}[{frame[1]}]"
    if frame[2]:  # a key: errors on it are reported at its mapping
        return str(frame[0])
    return f"{frame[0]}.{frame[1]}" if frame[0] else str(frame[1])


def _node_done(frames: list[list[Any]]) -> None:
    if not frames:
        return
    frame = frames[-1]
    if len(frame) == 2:
        frame[1] += 1
    else:
        frame[2] = not frame[2]


class _Walker:
    """Turn a composed node tree into plain data, recording positions and refusing tags."""

    def __init__(self) -> None:
        self.positions: Positions = {}
        self._constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str) -> Any:
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.positions[path] = where
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise _invalid(path, f"YAML tag {node.tag} is not allowed", where)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node, path))
                child = f"{path}.{key}" if path else key
                if key in result:
                    mark = key_node.start_mark
                    raise _invalid(child, "duplicate key", (mark.line + 1, mark.column + 1))
                result[key] = self.convert(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: str) -> Any:
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        if not isinstance(node, yaml.ScalarNode):
            raise _invalid(path, "keys must be plain values", where)
        if node.tag == _TIMESTAMP:
            return node.value  # dates stay text, as expressions expect
        if node.tag == _BOOL and node.value.lower() not in ("true", "false"):
            return node.value  # YAML 1.1's yes, no, on, off, y, n stay words (`id: on` is an id)
        if node.tag not in _PLAIN_TAGS:
            raise _invalid(path, f"YAML tag {node.tag} is not allowed", where)
        return self._constructor.construct_object(node)


def _invalid(path: str, message: str, where: tuple[int, int]) -> FlowInvalid:
    return FlowInvalid([Violation(path, message, *where)])
