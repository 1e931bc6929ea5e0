"""The flowmesh-client wheel holds the generated code of libs/ and the client module, and stands alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBS = ROOT / "libs"
PACKAGE = ROOT / "sdk" / "python"


def _expected() -> set[str]:
    """Return the wheel paths of the generated code and of the client module, as the tree has them."""
    generated = LIBS.glob("flowmesh/*/v1/*_pb2*.py*")
    client = (path for path in LIBS.glob("flowmesh/client/**/*.py*") if "__pycache__" not in path.parts)
    return {str(path.relative_to(LIBS)) for path in [*generated, *client]}


def test_the_wheel_has_the_generated_code_and_the_client_and_imports_in_a_fresh_venv(tmp_path: Path) -> None:
    # setuptools copies into build/ first: a file left there by an older build would slip in.
    shutil.rmtree(PACKAGE / "build", ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(PACKAGE), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("flowmesh_client-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if not name.startswith("flowmesh_client-")}
    assert names == _expected()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    modules = sorted(
        name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        for name in names
        if name.endswith(".py")
    )
    # Every module imports with the wheel's dependencies alone, and no part of the server came along.
    script = (
        "import importlib, importlib.util, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert importlib.util.find_spec('flowmesh.engine') is None\n"
        "from flowmesh.flow.v1 import flow_service_pb2_grpc\n"
        "import grpc\n"
        "flow_service_pb2_grpc.FlowServiceStub(grpc.insecure_channel('127.0.0.1:1'))\n"
        "print(len(sys.modules))\n"
    )
    imported = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
