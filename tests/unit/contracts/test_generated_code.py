"""The generated Python in libs/ must be what `make proto` makes from protos/ now."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def _generated(tree: Path) -> dict[str, Path]:
    return {str(path.relative_to(tree)): path for path in tree.glob("flowmesh/*/v1/*_pb2*.py*")}


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    buf = shutil.which("buf", path=str(BIN))
    if buf is None:
        pytest.fail("buf is missing: run make setup")
    template = (ROOT / "buf.gen.yaml").read_text().replace("out: libs", f"out: {tmp_path}")
    (tmp_path / "buf.gen.yaml").write_text(template)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [buf, "generate", "--template", str(tmp_path / "buf.gen.yaml")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh, committed = _generated(tmp_path), _generated(ROOT / "libs")
    assert sorted(fresh) == sorted(committed), "run make proto: generated files differ in name"
    stale = [name for name in fresh if not filecmp.cmp(fresh[name], committed[name], shallow=False)]
    assert not stale, f"run make proto: stale generated code in {stale}"
