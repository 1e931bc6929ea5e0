"""Kestra's conformance corpus (shared/kestra/conformance): its manifest, flows and expression cases."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

# The repository's parent holds shared/ (the work tree and CI's fresh clone alike).
CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "kestra" / "conformance"


def available() -> bool:
    return (CONFORMANCE / "manifest.yaml").is_file()


def require_corpus() -> None:
    """Skip the calling module when the corpus is not beside the repository."""
    if not available():
        pytest.skip(f"no conformance corpus at {CONFORMANCE}", allow_module_level=True)


@cache
def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((CONFORMANCE / "manifest.yaml").read_text(encoding="utf-8")))


@cache
def source(folder: str, name: str) -> str:
    """Return a flow's YAML text from flows/ or invalid/."""
    return (CONFORMANCE / folder / name).read_text(encoding="utf-8")


def cases() -> list[dict[str, Any]]:
    """Return the manifest's cases: flows to deploy, a run, steps, what to expect."""
    return list(manifest()["cases"])


def invalid_flows() -> list[dict[str, Any]]:
    """Return the manifest's flows that must be refused, with the messages expected."""
    return list(manifest()["invalid"])


@cache
def expression_cases() -> dict[str, dict[str, Any]]:
    """Return expressions.yaml's cases by id: their index, then the Java test class and method."""
    document = yaml.safe_load((CONFORMANCE / "expressions.yaml").read_text(encoding="utf-8"))
    found = {}
    for index, case in enumerate(document["cases"]):
        test = case.get("source", "").rsplit("/", 1)[-1].replace(".java", "").replace(" ", "-")
        found[f"{index:03d}-{test}"] = case
    return found


def server_environment() -> dict[str, str]:
    """Return the variables every case's `env` asks the server for (one server runs them all)."""
    environment: dict[str, str] = {}
    for case in cases() if available() else []:
        for name, value in (case.get("env") or {}).items():
            assert environment.get(name, value) == value, f"two cases want different {name}"
            environment[name] = str(value)
    return environment
