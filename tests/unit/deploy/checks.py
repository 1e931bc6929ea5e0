"""What every file of deploy/ is checked against: the real command line and settings model."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowmesh.cli import _parser, _settings
from flowmesh.config import Settings
from flowmesh.embedded._nats import _nats_server_exe

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


@dataclass(frozen=True)
class Container:
    """A flowmesh container as a deploy file runs it: its command, settings and ports."""

    command: str
    component: str
    settings: Settings

    @property
    def grpc_port(self) -> int:
        """Where its gRPC health service listens: the api's address, or the health port."""
        if self.component in ("api", "standalone"):
            return int(self.settings.api_address.rsplit(":", 1)[1])
        return self.settings.health_port


def unknown_settings(environment: Mapping[str, str]) -> list[str]:
    """Return the FLOWMESH_* variables of environment that name no setting."""
    prefix = str(Settings.model_config.get("env_prefix"))
    return [
        name
        for name in environment
        if name.startswith(prefix) and name.removeprefix(prefix).lower() not in Settings.model_fields
    ]


def flowmesh_container(
    argv: Sequence[str], environment: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> Container:
    """Parse argv (after `flowmesh`) with the real command line and load the settings that
    environment gives it, as the container would; fail on an unknown command or setting."""
    assert not unknown_settings(environment), f"not settings of flowmesh: {unknown_settings(environment)}"
    others = [name for name in environment if not name.startswith("FLOWMESH_") and name != "PYTHONUNBUFFERED"]
    assert not others, f"flowmesh is configured only by FLOWMESH_* variables, not {others}"
    args = _parser().parse_args(list(argv))
    with monkeypatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("FLOWMESH_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        settings = _settings(args) if args.command == "server" else Settings()
    return Container(args.command, getattr(args, "component", ""), settings)


def check_nats_config(text: str, environment: Mapping[str, str], tmp_path: Path) -> list[str]:
    """Check a NATS config with the real nats-server (`-t`); return the hosts of its routes."""
    assert re.search(r"^\s*sync_interval:\s*always\s*$", text, re.MULTILINE), (
        "JetStream must sync every write"
    )
    assert re.search(r"^\s*max_payload:\s*8MB\s*$", text, re.MULTILINE), "executions need 8 MB messages"
    path = tmp_path / "nats.conf"
    path.write_text(text)
    checked = subprocess.run(
        [_nats_server_exe(), "-t", "-c", str(path)],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    return re.findall(r"nats://([\w.-]+):6222", text)


def host_and_port(address: str) -> tuple[str, int]:
    """Split a URL or host:port into its host and port."""
    found = re.fullmatch(r"(?:\w+://)?(?:[^@/]*@)?([\w.-]+):(\d+)(?:/.*)?", address)
    assert found, f"no host:port in {address}"
    return found.group(1), int(found.group(2))


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """Return a Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_environment(arguments: str) -> dict[str, str]:
    """Return the variables of an ENV instruction's KEY=VALUE arguments."""
    return dict(word.split("=", 1) for word in shlex.split(arguments))


def exec_form(arguments: str) -> list[str]:
    """Return an instruction's JSON (exec) form, after its options (--interval=... CMD)."""
    form: list[str] = json.loads(arguments[arguments.index("[") :])
    return form
