"""deploy/compose.yaml: parsed by the real docker compose (v2, its `config` needs no engine),
and each flowmesh service checked against the real command line and settings."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import compose
import pytest

from flowmesh.server import COMPONENTS
from tests.unit.deploy.checks import (
    DEPLOY,
    Container,
    check_nats_config,
    flowmesh_container,
    host_and_port,
)
from tests.unit.deploy.test_image import image_environment, instructions

COMPOSE = [str(Path(compose.__file__).parent / "docker-compose"), "-f", str(DEPLOY / "compose.yaml")]
# The secret settings, and which component needs each (the api, the indexer: the repository;
# the api, the workers: internal storage).
SECRET_SETTINGS = {
    "FLOWMESH_POSTGRES_DSN",
    "FLOWMESH_STORAGE_S3_SECRET_ACCESS_KEY",
    "FLOWMESH_AUTH_ADMIN_PASSWORD",
}
NEEDS = {
    "api": SECRET_SETTINGS,
    "indexer": {"FLOWMESH_POSTGRES_DSN"},
    "worker": {"FLOWMESH_STORAGE_S3_SECRET_ACCESS_KEY"},
    **{key: set[str]() for key in ["executor", "scheduler", "gateway"]},
}
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "MINIO_ROOT_PASSWORD": "minio-secret",
    "FLOWMESH_AUTH_ADMIN_PASSWORD": "a",
}


def run_compose(*argv: str, environment: dict[str, str] = SECRETS) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if name not in SECRETS}
    return subprocess.run(
        [*COMPOSE, *argv],
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@cache
def project(*profiles: str) -> dict[str, Any]:
    """The compose file as docker compose resolves it (anchors, variables, profiles)."""
    options = [option for profile in profiles for option in ("--profile", profile)]
    resolved = run_compose(*options, "config", "--format", "json")
    assert resolved.returncode == 0, resolved.stderr
    loaded: dict[str, Any] = json.loads(resolved.stdout)
    return loaded


def flowmesh_services() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in project()["services"].items() if "build" in service}


def container(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Container:
    (entrypoint,) = instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["flowmesh"]
    assert service.get("entrypoint") is None
    environment = {**image_environment(), **service["environment"]}
    return flowmesh_container(service["command"], environment, monkeypatch)


def test_docker_compose_parses_the_file_and_refuses_it_without_its_secrets() -> None:
    assert run_compose("config", "--quiet").returncode == 0
    refused = run_compose("config", "--quiet", environment={})
    assert refused.returncode != 0
    assert "is missing a value: set " in refused.stderr


def test_each_component_runs_as_a_service_of_its_own_built_from_the_one_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = flowmesh_services()
    components = {container(service, monkeypatch).component for service in services.values()}

    assert sorted(components) == sorted(COMPONENTS)
    assert {service["build"]["dockerfile"] for service in services.values()} == {"deploy/Dockerfile"}
    for name in ("executor", "worker"):
        assert services[name]["deploy"]["replicas"] >= 2


def test_every_setting_port_and_host_a_component_uses_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    services = project()["services"]
    containers = {name: container(service, monkeypatch) for name, service in flowmesh_services().items()}
    published = {
        name: {int(port["target"]) for port in service.get("ports", [])} for name, service in services.items()
    }
    api = containers["api"].settings

    assert published["api"] == {containers["api"].grpc_port} == {50051}
    assert published["gateway"] == {containers["gateway"].settings.port}
    for name, found in containers.items():
        settings = found.settings
        # What the image's health check asks: each component's gRPC health port.
        assert found.grpc_port == 50051, name
        assert host_and_port(settings.nats_url)[0] == "nats"
        secrets = {name for name in flowmesh_services()[name]["environment"] if name in SECRET_SETTINGS}
        assert secrets == SECRET_SETTINGS & NEEDS[found.component], name
        if "FLOWMESH_STORAGE_S3_SECRET_ACCESS_KEY" in secrets:
            assert settings.storage_type == "s3"
            assert settings.storage_s3_secret_access_key is not None
            assert settings.storage_s3_secret_access_key.get_secret_value() == SECRETS["MINIO_ROOT_PASSWORD"]
            assert host_and_port(settings.storage_s3_endpoint_url or "")[0] in services
        if "FLOWMESH_POSTGRES_DSN" in secrets:
            assert settings.postgres_dsn == "postgresql://flowmesh:pg-secret@postgres:5432/flowmesh"
        if name != "api":
            assert host_and_port(settings.api_address) == ("api", int(api.api_address.rsplit(":", 1)[1]))
    assert api.auth_admin_user == "admin"


def test_the_nats_cluster_is_three_nodes_that_route_to_each_other_and_sync_every_write(
    tmp_path: Path,
) -> None:
    services = project()["services"]
    nodes = sorted(name for name, service in services.items() if service.get("image", "").startswith("nats:"))
    config = (DEPLOY / "nats" / "nats.conf").read_text()

    assert nodes == ["nats-1", "nats-2", "nats-3"]
    for node in nodes:
        service = services[node]
        assert any(volume["source"] == str(DEPLOY / "nats" / "nats.conf") for volume in service["volumes"])
        assert "nats" in service["networks"]["default"]["aliases"]
        routes = check_nats_config(config, service["environment"], tmp_path)
        assert sorted(routes) == nodes
        assert service["environment"]["NATS_SERVER_NAME"] == node


def test_opensearch_is_a_profile_of_its_own() -> None:
    assert "opensearch" not in project()["services"]
    assert project("opensearch")["services"]["opensearch"]["profiles"] == ["opensearch"]
