"""The TypeScript client of sdk/typescript, installed and compiled for the tests that run it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "typescript"
# npm ci writes this file last; Make uses it as the mark of an install too.
INSTALLED = SDK / "node_modules" / ".package-lock.json"


def node_modules() -> Path:
    """Install sdk/typescript's npm packages from its package-lock.json unless they are; return the SDK dir.

    Skips the calling test when Node.js or npm is absent: nothing else can run the client.
    """
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("Node.js and npm are not installed: the TypeScript client cannot run here")
    lock = SDK / "package-lock.json"
    if not INSTALLED.exists() or INSTALLED.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=SDK, check=True, capture_output=True, timeout=300
        )
        INSTALLED.touch()
    return SDK


def built() -> Path:
    """Compile the client and its examples with tsc into sdk/typescript/dist; return the dist dir."""
    sdk = node_modules()
    done = subprocess.run(
        [str(sdk / "node_modules" / ".bin" / "tsc"), "-p", str(sdk)],
        cwd=sdk,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"tsc failed:\n{done.stdout}{done.stderr}"
    return sdk / "dist"
