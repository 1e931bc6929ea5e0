"""Matchers and references of the manifest (`conventions.matchers`), on Kestra's JSON.

A reference names a value of the case: its main execution, a task run's id or output, an
execution a step made or an `expect.executions` entry found. A matcher compares a value
with what the manifest wants, references resolved first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.rest import Json, Tenant, state

# What lookup() returns for a key that is not there (None is a value).
MISSING = object()


@dataclass
class Seen:
    """What references name: the case's main execution, its first run, the executions steps made."""

    tenant: Tenant
    main: Json
    first: Json | None = None  # the main execution as it was before a restart or a replay
    named: dict[str, Json] = field(default_factory=dict)  # run_flow's `as` names
    found: list[Json | None] = field(default_factory=list)  # executions[i] of the expect being checked


def first_run(seen: Seen) -> Json:
    return seen.first or seen.main


# --------------------------------------------------------------------------- maps, matchers


def check_map(
    found: Mapping[str, Any], expected: Mapping[str, Any] | None, execution: Json, seen: Seen, *, exact: bool
) -> None:
    """Check flow outputs, labels or inputs against matchers (None: there must be none)."""
    if expected is None:
        assert not found, found
        return
    if exact:
        assert set(found) == set(expected), dict(found)
    for key, matcher in expected.items():
        value = found.get(key, MISSING)
        assert matches(value, matcher, execution, seen), (key, shown(value), matcher)


def matches(value: Any, matcher: Mapping[str, Any], execution: Json, seen: Seen) -> bool:
    """Return whether value satisfies every condition of a manifest matcher."""
    unknown = set(matcher) - set(_MATCHERS) - {"equalsRef", "containsRef", "equalsTemplate"}
    assert not unknown, f"matchers this harness does not know: {sorted(unknown)}"
    conditions = dict(matcher)
    if "equalsRef" in conditions:
        conditions.setdefault("equals", reference(conditions.pop("equalsRef"), execution, seen))
    if "containsRef" in conditions:
        conditions["containsAll"] = [
            *conditions.get("containsAll", []),
            str(reference(conditions.pop("containsRef"), execution, seen)),
        ]
    if "equalsTemplate" in conditions:
        conditions["equals"] = _TEMPLATE_REF.sub(
            lambda ref: str(reference(ref.group(1), execution, seen)), conditions.pop("equalsTemplate")
        )
    return all(_MATCHERS[name](value, expected) for name, expected in conditions.items())


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


_MATCHERS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda value, expected: value is not MISSING and value == expected,
    "contains": lambda value, expected: _is_text(value) and expected in value,
    "containsAll": lambda value, expected: _is_text(value) and all(text in value for text in expected),
    "matches": lambda value, expected: _is_text(value) and re.fullmatch(expected, value) is not None,
    "startsWith": lambda value, expected: _is_text(value) and value.startswith(expected),
    "endsWith": lambda value, expected: _is_text(value) and value.endswith(expected),
    "notNull": lambda value, expected: (value not in (None, MISSING)) == expected,
    "absent": lambda value, expected: (value is MISSING) == expected,
    "hasItems": lambda value, expected: isinstance(value, list) and all(item in value for item in expected),
    "hasKey": lambda value, expected: isinstance(value, dict) and expected in value,
    "in": lambda value, expected: value in expected,
}


def lookup(outputs: Mapping[str, Any], key: str) -> Any:
    """Return outputs[key] along a dotted path, or the first segment then the literal rest."""
    value: Any = outputs
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            break
        value = value[part]
    else:
        return value
    head, _, rest = key.partition(".")
    nested = outputs.get(head, MISSING)
    if rest and isinstance(nested, dict) and rest in nested:
        return nested[rest]
    return MISSING


def shown(value: Any) -> Any:
    return "<absent>" if value is MISSING else value


# ------------------------------------------------------------------------------ references

_TEMPLATE_REF = re.compile(r"\{([^{}]+)\}")
_TASK_RUN_REF = re.compile(
    r"taskRuns\.(?P<task>[^.\[]+)(?:\[(?P<values>[^\]]*)\])?\.(?P<what>id|outputs\.(?P<key>.+))"
)
_EXECUTIONS_REF = re.compile(r"executions\[(?P<index>\d+)\]\.(?P<what>id|state)")
_EXECUTION_REF = re.compile(r"execution\.(?P<what>id|flowId|namespace)")
_NAMED_REF = re.compile(r"(?P<name>[A-Za-z_][\w-]*)\.id")


def reference(ref: str, execution: Json, seen: Seen) -> Any:
    """Return what a reference names (`conventions.matchers` lists them).

    execution.* is the case's main execution; taskRuns.* is a task run of the execution checked.
    """
    if ref == "firstRun.id":
        return first_run(seen)["id"]
    if match := _EXECUTION_REF.fullmatch(ref):
        return seen.main[match["what"]]
    if match := _TASK_RUN_REF.fullmatch(ref):
        runs = execution["taskRunList"]
        chosen = [run for run in runs if run["taskId"] == match["task"]]
        if match["values"] is not None:
            chosen = [run for run in chosen if loop_values(runs, run) == match["values"].split("|")]
        assert len(chosen) == 1, f"{ref}: {len(chosen)} task runs"
        if match["what"] == "id":
            return chosen[0]["id"]
        return lookup(chosen[0].get("outputs") or {}, match["key"])
    if match := _EXECUTIONS_REF.fullmatch(ref):
        index = int(match["index"])
        found = seen.found[index] if index < len(seen.found) else None
        assert found is not None, f"{ref}: expect.executions[{index}] is not one execution"
        return found["id"] if match["what"] == "id" else state(found)
    if (match := _NAMED_REF.fullmatch(ref)) and match["name"] in seen.named:
        return seen.named[match["name"]]["id"]
    raise AssertionError(f"a reference this harness does not know: {ref}")


def loop_values(runs: list[Json], run: Json) -> list[str]:
    """Return the loop values of run and its enclosing task runs, outermost first."""
    by_id = {other["id"]: other for other in runs}
    values: list[str] = []
    current: Json | None = run
    while current is not None:
        if current.get("value") is not None:
            values.insert(0, str(current["value"]))
        current = by_id.get(current.get("parentTaskRunId") or "")
    return values
