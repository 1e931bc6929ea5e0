"""deploy/Dockerfile: the one flowmesh image, checked against the project it packages.

No Docker engine runs here, so the image is not built: its instructions are read and what
they name (commands, settings, ports, extras, source trees) is checked to exist."""

from __future__ import annotations

import re
import tomllib

import pytest

from flowmesh.server import COMPONENTS
from tests.unit.deploy.checks import (
    DEPLOY,
    ROOT,
    dockerfile_environment,
    dockerfile_instructions,
    exec_form,
    flowmesh_container,
    host_and_port,
)

INSTRUCTIONS = dockerfile_instructions(DEPLOY / "Dockerfile")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def instructions(keyword: str) -> list[str]:
    return [arguments for found, arguments in INSTRUCTIONS if found == keyword]


def image_environment() -> dict[str, str]:
    environment: dict[str, str] = {}
    for arguments in instructions("ENV"):
        environment.update(dockerfile_environment(arguments))
    return environment


def test_the_image_is_python_3_11_slim_and_runs_as_a_user_that_is_not_root() -> None:
    images = [arguments.split()[0] for arguments in instructions("FROM")]
    assert images[-1] == "python:3.11-slim"
    assert set(images) == {"python:3.11-slim", "node:20-slim"}  # node builds the UI only
    (user,) = instructions("USER")
    assert user.split(":")[0] not in ("0", "root")


def test_the_image_installs_the_wheel_of_the_trees_the_project_packages_with_a_real_extra() -> None:
    copied = {arguments.split()[0] for arguments in instructions("COPY")}
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert set(wheel["sources"]) <= copied
    assert {"pyproject.toml", "README.md"} <= {word for line in instructions("COPY") for word in line.split()}
    extras = {
        extra
        for arguments in instructions("ARG")
        if arguments.startswith("EXTRAS=")
        for extra in arguments.split("=", 1)[1].split(",")
    }
    assert extras
    assert extras <= set(PYPROJECT["project"]["optional-dependencies"])
    assert any('"flowmesh[${EXTRAS}]"' in arguments for arguments in instructions("RUN"))


def test_the_entrypoint_is_the_flowmesh_command_and_components_are_chosen_by_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    assert exec_form(entrypoint) == ["flowmesh"]
    assert "flowmesh" in PYPROJECT["project"]["scripts"]
    for component in ["standalone", *COMPONENTS]:
        container = flowmesh_container(["server", component], image_environment(), monkeypatch)
        assert (container.command, container.component) == ("server", component)


def test_the_image_settings_exist_and_the_exposed_ports_are_the_ones_they_give(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = image_environment()
    gateway = flowmesh_container(["server", "gateway"], environment, monkeypatch).settings
    exposed = {int(port) for arguments in instructions("EXPOSE") for port in arguments.split()}

    assert gateway.host == "0.0.0.0"
    assert exposed == {gateway.port, gateway.health_port, gateway.metrics_port}
    # The api serves health with its own services: the compose file and chart give it this port.
    assert gateway.health_port == 50051


def test_the_health_check_is_flowmesh_health_on_the_port_every_component_serves_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (healthcheck,) = instructions("HEALTHCHECK")
    command = exec_form(healthcheck)
    environment = image_environment()
    assert command[0] == "flowmesh"

    check = flowmesh_container(command[1:], environment, monkeypatch)
    assert check.command == "health"
    address = command[command.index("--server") + 1]
    _, port = host_and_port(address)
    for component in ["standalone", *COMPONENTS]:
        component_environment = dict(environment)
        if component == "api":
            component_environment["FLOWMESH_API_ADDRESS"] = f"0.0.0.0:{port}"
        container = flowmesh_container(["server", component], component_environment, monkeypatch)
        assert container.grpc_port == port, component


def test_the_wheel_carries_the_ui_built_where_vite_puts_it() -> None:
    vite = (ROOT / "ui" / "vite.config.ts").read_text()
    out_dir = re.search(r'outDir: "\.\./([^"]+)"', vite)
    assert out_dir is not None
    built = f"/src/{out_dir.group(1)}"
    assert [f"--from=ui {built} {out_dir.group(1)}"] == [
        line for line in instructions("COPY") if line.startswith("--from=ui")
    ]
