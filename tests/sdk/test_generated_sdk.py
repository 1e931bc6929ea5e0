"""The TypeScript and Go clients in sdk/ must be what `make sdk` makes from protos/ now."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sdk import golang, typescript

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Where each generator writes, in buf.gen.sdk.yaml, and the files it writes there.
OUTPUTS = {"sdk/typescript/src/gen": "**/*.ts", "sdk/go": "flowmesh/**/*.go"}


def _files(tree: Path, pattern: str) -> dict[str, Path]:
    return {str(path.relative_to(tree)): path for path in tree.glob(pattern)}


def test_the_sdks_match_the_protos(tmp_path: Path) -> None:
    typescript.node_modules()
    missing = [name for name in ("protoc-gen-go", "protoc-gen-go-grpc") if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: `make sdk-tools` installs them")
    template = (ROOT / "buf.gen.sdk.yaml").read_text()
    for out in OUTPUTS:
        template = template.replace(f"out: {out}\n", f"out: {tmp_path / out}\n")
    (tmp_path / "buf.gen.yaml").write_text(template)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        ["buf", "generate", "--template", str(tmp_path / "buf.gen.yaml")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    for out, pattern in OUTPUTS.items():
        fresh, committed = _files(tmp_path / out, pattern), _files(ROOT / out, pattern)
        assert fresh, f"buf generated nothing into {out}"
        assert sorted(fresh) == sorted(committed), f"run make sdk: {out} differs in file names"
        stale = [name for name in fresh if not filecmp.cmp(fresh[name], committed[name], shallow=False)]
        assert not stale, f"run make sdk: stale generated code in {out}: {stale}"


def test_the_go_client_compiles_against_debians_go_libraries(tmp_path: Path) -> None:
    """go vet sdk/go (the client and its example) with grpc, protobuf and genproto from Debian."""
    done = golang.go(tmp_path, "vet", "./...")
    assert done.returncode == 0, done.stderr
