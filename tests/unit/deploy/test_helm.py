"""deploy/helm/flowmesh: linted and rendered by Helm's own engine (helm-python-sdk, Helm 4's Go
SDK: no helm binary is published on the registries this project reaches), every object
validated against Kubernetes' schemas (kubernetes-validate, strict), and each component's
command, settings and ports checked against the real command line and settings model."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from flowmesh.server import COMPONENTS
from tests.unit.deploy.checks import (
    DEPLOY,
    Container,
    check_nats_config,
    flowmesh_container,
    host_and_port,
    unknown_settings,
)

CHART = DEPLOY / "helm" / "flowmesh"
DSN = "postgresql://flowmesh:secret@postgres.db:5432/flowmesh"
DEFAULTS: dict[str, Any] = {"secretSettings": {"FLOWMESH_POSTGRES_DSN": DSN}}
# Another way to install it: NATS and the Secret of one's own, no autoscaling, more settings.
OWN: dict[str, Any] = {
    "existingSecret": "my-flowmesh",
    "nats": {"enabled": False, "url": "nats://nats.messaging:4222"},
    "components": {
        "worker": {"autoscaling": {"enabled": False}, "env": {"FLOWMESH_WORKER_GROUP": "gpu"}},
        "executor": {"autoscaling": {"enabled": False}},
    },
    "settings": {"FLOWMESH_STORAGE_S3_ENDPOINT_URL": "http://minio.storage:9000"},
}
# The oldest Kubernetes the chart declares (Chart.yaml's kubeVersion), and the newest known.
KUBERNETES = ["1.27.0", kubernetes_validate.utils.latest_version()]


@cache
def _render(values: str) -> list[dict[str, Any]]:
    manifests = helm.Chart.load(CHART).render(yaml.safe_load(values), name="fm", namespace="flowmesh")
    return [doc for text in manifests.values() for doc in yaml.safe_load_all(text) if doc]


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    return _render(yaml.safe_dump(values))


def objects(values: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in render(values) if doc["kind"] == kind}


def containers(
    values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, tuple[Container, dict[str, Any]]]:
    """Each Deployment's container, with the settings its ConfigMap, Secret and env give it."""
    shared: dict[str, str] = {}
    for config_map in objects(values, "ConfigMap").values():
        if config_map["metadata"]["name"].endswith("-settings"):
            shared.update(config_map["data"])
    for secret in objects(values, "Secret").values():
        shared.update(secret["stringData"])
    found = {}
    for deployment in objects(values, "Deployment").values():
        (spec,) = deployment["spec"]["template"]["spec"]["containers"]
        environment = {**shared, **{item["name"]: item["value"] for item in spec.get("env", [])}}
        container = flowmesh_container(spec["args"], environment, monkeypatch)
        found[container.component] = (container, spec)
    return found


@pytest.mark.parametrize("values", [DEFAULTS, OWN], ids=["defaults", "own-nats-and-secret"])
def test_helm_lints_the_chart_without_a_warning(values: dict[str, Any]) -> None:
    report = helm.lint(CHART, values, strict=True)
    assert report["errors"] == []
    assert [message for message in report["messages"] if message["severity"] > 1] == []


@pytest.mark.parametrize("version", KUBERNETES)
@pytest.mark.parametrize("values", [DEFAULTS, OWN], ids=["defaults", "own-nats-and-secret"])
def test_every_object_is_valid_for_kubernetes(values: dict[str, Any], version: str) -> None:
    for doc in render(values):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_does_refuse_a_bad_object() -> None:
    (deployment, *_) = objects(DEFAULTS, "Deployment").values()
    bad = yaml.safe_load(yaml.safe_dump(deployment))
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["port"] = "grpc"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES[0], strict=True)


def test_the_chart_needs_a_database_and_a_nats_url_when_it_runs_no_nats() -> None:
    with pytest.raises(helm.HelmError, match="FLOWMESH_POSTGRES_DSN is required"):
        render({})
    with pytest.raises(helm.HelmError, match=r"nats\.url is required"):
        render({**DEFAULTS, "nats": {"enabled": False}})


@pytest.mark.parametrize("values", [DEFAULTS, OWN], ids=["defaults", "own-nats-and-secret"])
def test_each_component_is_a_deployment_whose_command_settings_and_ports_exist(
    values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    found = containers(values, monkeypatch)
    services = objects(values, "Service")

    assert sorted(found) == sorted(COMPONENTS)
    for component, (container, spec) in found.items():
        settings = container.settings
        ports = {port["name"]: port["containerPort"] for port in spec["ports"]}
        assert ports["grpc"] == container.grpc_port, component
        assert ports["metrics"] == settings.metrics_port != 0, component
        # Both probes ask the component's gRPC health service.
        assert (
            spec["readinessProbe"]["grpc"] == spec["livenessProbe"]["grpc"] == {"port": container.grpc_port}
        )
        assert settings.host == "0.0.0.0"
        api_host, api_port = host_and_port(settings.api_address)
        if component == "gateway":
            assert ports["http"] == settings.port
            assert services[api_host]["spec"]["ports"] == [
                {"name": "grpc", "port": api_port, "targetPort": "grpc", "appProtocol": "grpc"}
            ]
    if values is DEFAULTS:
        assert found["indexer"][0].settings.postgres_dsn == DSN


def test_every_variable_the_values_name_is_a_setting_even_those_left_empty() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    named = [*values["settings"], *values["secretSettings"]]
    named += [name for component in values["components"].values() for name in component["env"]]
    assert named
    assert not unknown_settings(dict.fromkeys(named, ""))
    assert sorted(values["components"]) == sorted(COMPONENTS)


def test_extra_settings_of_a_component_and_an_own_secret_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    found = containers(OWN, monkeypatch)
    assert found["worker"][0].settings.worker_group == "gpu"
    assert found["executor"][0].settings.worker_group == "default"
    assert found["api"][0].settings.storage_s3_endpoint_url == "http://minio.storage:9000"
    assert found["api"][0].settings.nats_url == "nats://nats.messaging:4222"
    for _, spec in found.values():
        assert {"secretRef": {"name": "my-flowmesh"}} in spec["envFrom"]
    assert objects(OWN, "Secret") == {}


def test_pods_run_as_non_root_with_limits_and_disruption_budgets() -> None:
    deployments = objects(DEFAULTS, "Deployment")
    budgets = objects(DEFAULTS, "PodDisruptionBudget")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]["memory"]
        assert budgets[name]["spec"]["selector"] == deployment["spec"]["selector"]
    # A stopping worker's grace period (25 s) fits in the time Kubernetes gives it.
    worker = deployments["fm-flowmesh-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > 25


def test_workers_and_executors_scale_horizontally() -> None:
    autoscalers = objects(DEFAULTS, "HorizontalPodAutoscaler")
    deployments = objects(DEFAULTS, "Deployment")
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers.values()}

    assert targets == {"fm-flowmesh-worker", "fm-flowmesh-executor"}
    for name in targets:
        assert "replicas" not in deployments[name]["spec"]
        assert autoscalers[name]["spec"]["minReplicas"] >= 2
    assert objects(OWN, "HorizontalPodAutoscaler") == {}
    assert objects(OWN, "Deployment")["fm-flowmesh-worker"]["spec"]["replicas"] == 2


def test_the_nats_statefulset_is_a_three_node_cluster_that_syncs_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nats,) = objects(DEFAULTS, "StatefulSet").values()
    name = nats["metadata"]["name"]
    config = objects(DEFAULTS, "ConfigMap")[name]["data"]["nats.conf"]
    headless = nats["spec"]["serviceName"]

    assert nats["spec"]["replicas"] == 3
    routes = check_nats_config(config, {"POD_NAME": f"{name}-0"}, tmp_path)
    assert routes == [f"{name}-{i}.{headless}.flowmesh.svc" for i in range(3)]
    assert objects(DEFAULTS, "Service")[headless]["spec"]["clusterIP"] == "None"
    (api, _) = containers(DEFAULTS, monkeypatch)["api"]
    assert host_and_port(api.settings.nats_url) == (name, 4222)
    assert name in objects(DEFAULTS, "Service")
    assert name in objects(DEFAULTS, "PodDisruptionBudget")
    assert objects(OWN, "StatefulSet") == {}
