"""docs/configuration.md is made from the settings model and kept up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowmesh.config import Settings
from flowmesh.config.reference import environment_variable, reference_markdown

ROOT = Path(__file__).resolve().parents[3]


def test_the_committed_configuration_reference_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "docs/configuration.md is stale: run `make docs`"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_described_with_its_variable_type_and_default(name: str) -> None:
    row = next(line for line in reference_markdown().splitlines() if line.startswith(f"| `{name}` |"))
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]

    assert cells[1] == f"`FLOWMESH_{name.upper()}`"
    assert all(cells), f"{name}: an empty column in {row}"
    assert Settings.model_fields[name].description, f"{name} has no docstring"


def test_the_variable_of_a_row_sets_that_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(environment_variable("worker_concurrency"), "3")
    monkeypatch.setenv(environment_variable("storage_type"), "s3")
    monkeypatch.setenv(environment_variable("storage_s3_bucket"), "b")

    settings = Settings()

    assert (settings.worker_concurrency, settings.storage_type, settings.storage_s3_bucket) == (3, "s3", "b")


def test_types_and_defaults_are_rendered_from_the_model() -> None:
    text = reference_markdown()

    assert "| `worker_concurrency` | `FLOWMESH_WORKER_CONCURRENCY` | integer ≥ 1 | `8` |" in text
    assert "| `storage_type` | `FLOWMESH_STORAGE_TYPE` | one of `local`, `s3` | `local` |" in text
    assert "| secret string (optional) | (none) |" in text
