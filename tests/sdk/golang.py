"""The Go client of sdk/go, built offline in GOPATH mode against Debian's Go libraries."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Where Debian's golang-*-dev packages put the sources of grpc, protobuf and genproto.
GOCODE = Path("/usr/share/gocode")
# sdk/go's module path, which is its import path in a GOPATH.
MODULE = "flowmesh/sdk/go"


def go(gopath: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `go args` in sdk/go, seen at MODULE under gopath, with no module download.

    Skips the calling test when Go or Debian's Go libraries are absent.
    """
    binary = shutil.which("go")
    if binary is None or not GOCODE.is_dir():
        pytest.skip("Go and Debian's Go libraries are not installed: `make sdk-tools` installs them")
    package = gopath / "src" / MODULE
    if not package.exists():
        package.parent.mkdir(parents=True)
        package.symlink_to(ROOT / "sdk" / "go")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": f"{gopath}{os.pathsep}{GOCODE}", "GOFLAGS": ""}
    return subprocess.run([binary, *args], cwd=package, env=env, capture_output=True, text=True, timeout=600)
