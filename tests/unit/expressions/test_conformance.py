"""Kestra's own Pebble test cases (shared/kestra/conformance/expressions.yaml), run against render."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowmesh.expressions import ExpressionError, render

CASES_FILE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "kestra" / "conformance" / "expressions.yaml"
)

if not CASES_FILE.exists():
    pytest.skip(f"no conformance cases at {CASES_FILE}", allow_module_level=True)

# Functions that reach outside the expression (storage, secrets, KV store, logs) belong
# to the worker and executor, not to this package.
OUTSIDE_SYSTEMS = {
    "secret": "the secret store",
    "kv": "the KV store",
    "read": "internal storage",
    "fileURI": "internal storage",
    "fileExists": "internal storage",
    "fileSize": "internal storage",
    "isFileEmpty": "internal storage",
    "errorLogs": "the execution's logs",
    "http": "the network",
}

# Cases whose expected value depends on Java types Python does not have.
JAVA_ONLY = {
    "1.1230000257492065e0": "the variable is a Java 32-bit float; Python numbers are 64-bit doubles",
}


def _skip_reason(case: dict[str, Any]) -> str | None:
    for name, system in OUTSIDE_SYSTEMS.items():
        if re.search(rf"\b{name}\(", case["template"]):
            return f"{name}() needs {system}, outside the expression package"
    for marker, reason in JAVA_ONLY.items():
        if marker in str(case.get("expected", "")):
            return reason
    return None


def _cases() -> list[Any]:
    document = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    params = []
    for index, case in enumerate(document["cases"]):
        source = case.get("source", "").rsplit("/", 1)[-1].replace(".java", "")
        case_id = f"{index:03d}-{source.replace(' ', '-')}"
        reason = _skip_reason(case)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(case, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    template, variables = case["template"], case.get("variables") or {}
    recursive = bool(case.get("recursive"))

    if "error" in case:
        with pytest.raises(ExpressionError) as caught:
            render(template, variables, recursive=recursive)
        assert case["error"] in str(caught.value)
        return

    result = render(template, variables, recursive=recursive)

    if "contains" in case:
        assert case["contains"] in result
    else:
        assert result == case["expected"]
