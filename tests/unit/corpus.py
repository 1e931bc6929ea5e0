"""Kestra's conformance corpus (shared/kestra/conformance), and what of it flowmesh can run now.

A flow is within reach when every task type, flow key, task property and input
it uses is one flowmesh has; cases outside are skipped with the reason, so that
the count of conformance cases run grows as the language grows.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2 import TemplateSyntaxError, nodes

# The expression environment itself, to see which functions and filters it has.
from flowmesh.expressions._render import _environment
from flowmesh.language._inputs import INPUT_PROPERTIES, INPUT_TYPES
from flowmesh.language._parse import SUPPORTED_KEYS
from flowmesh.plugins import Task, task_class

# The repository's parent holds shared/ (the work tree and CI's fresh clone alike).
CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "kestra" / "conformance"

# Properties every Kestra task has (Task.java); those flowmesh's Task lacks are out of reach.
KESTRA_TASK_PROPERTIES = {
    "retry", "timeout", "disabled", "allowFailure", "allowWarning", "runIf", "logLevel",
    "logToFile", "workerGroup", "taskCache", "description", "version",
}  # fmt: skip

# Input types flowmesh accepts without all of Kestra's behaviour: SECRET values are not masked in logs yet.
PARTIAL_INPUT_TYPES = {"SECRET"}


def require_corpus() -> None:
    """Skip the calling module when the corpus is not beside the repository."""
    if not (CONFORMANCE / "manifest.yaml").is_file():
        pytest.skip(f"no conformance corpus at {CONFORMANCE}", allow_module_level=True)


@cache
def manifest() -> dict[str, Any]:
    return yaml.safe_load((CONFORMANCE / "manifest.yaml").read_text())


@cache
def source(folder: str, name: str) -> str:
    return (CONFORMANCE / folder / name).read_text()


@cache
def out_of_reach(document: str) -> list[str]:
    """Return what in this flow source flowmesh does not have yet (empty: all of it is there)."""
    data = yaml.safe_load(document)
    if not isinstance(data, dict):
        return []
    reasons = [f"flow key `{key}`" for key in data if key not in SUPPORTED_KEYS]
    for task in _tasks(data):
        cls = task_class(str(task.get("type")))
        if cls is None:
            reasons.append(f"task type {task.get('type')}")
            continue
        missing = (set(task) & KESTRA_TASK_PROPERTIES) - set(Task.model_fields)
        reasons += [f"task property `{name}`" for name in sorted(missing)]
    reasons += _input_gaps(data.get("inputs"))
    # A Pause's onResume inputs are inputs too.
    reasons += [gap for task in _tasks(data) for gap in _input_gaps(task.get("onResume"))]
    reasons += _expression_gaps(data)
    return sorted(set(reasons))


def _input_gaps(inputs: Any) -> list[str]:
    """Return the input types and properties of inputs that flowmesh lacks."""
    reasons = []
    for item in inputs if isinstance(inputs, list) else []:
        if isinstance(item, dict):
            if "type" in item and (item["type"] not in INPUT_TYPES or item["type"] in PARTIAL_INPUT_TYPES):
                reasons.append(f"input type {item['type']}")
            reasons += [f"input property `{name}`" for name in sorted(set(item) - INPUT_PROPERTIES)]
    return reasons


def _expression_gaps(data: Any) -> list[str]:
    """Return the expression syntax, functions and filters in data that flowmesh lacks."""
    env = _environment()
    reasons = []
    for text in _strings(data):
        if "{{" not in text and "{%" not in text:
            continue
        try:
            tree = env.parse(text)
        except TemplateSyntaxError as error:
            reasons.append(f"expression syntax ({error.message})")
            continue
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name not in env.globals:
                reasons.append(f"expression function {call.node.name}()")
        reasons += [
            f"expression filter {f.name}" for f in tree.find_all(nodes.Filter) if f.name not in env.filters
        ]
    return reasons


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for value in data.values() for text in _strings(value)]
    if isinstance(data, list):
        return [text for item in data for text in _strings(item)]
    return []


def _tasks(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every task map under tasks, errors, finally and afterExecution, nested ones included."""
    found: list[dict[str, Any]] = []
    pending: list[Any] = [data.get(key) for key in ("tasks", "errors", "finally", "afterExecution")]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict) and "." in str(item.get("type")):  # a class name, not an input type
            found.append(item)
            pending.extend(value for value in item.values() if isinstance(value, list))
    return found
