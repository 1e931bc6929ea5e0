"""Every RPC of every flowmesh service declares the action it performs (the api refuses the others)."""

from __future__ import annotations

import importlib
from pathlib import Path

from google.protobuf.descriptor import ServiceDescriptor

from flowmesh.auth import action_of, action_of_path
from flowmesh.auth._permissions import scoped_of, scoped_of_path
from flowmesh.auth.v1.auth_pb2 import Action

ROOT = Path(__file__).resolve().parents[3]
# Public methods need no credentials: each one here is a decision, said in the README.
PUBLIC = {
    "flowmesh.execution.v1.ExecutionService.TriggerWebhook",  # its key is its credential
    # Whether callers must sign in: what the login page asks before anyone has.
    "flowmesh.instance.v1.InstanceService.GetLoginConfiguration",
}


def _services() -> list[ServiceDescriptor]:
    """Return the services of every protos/flowmesh/*/v1/*_service.proto, from their generated modules."""
    services = []
    for proto in sorted(ROOT.glob("protos/flowmesh/*/v1/*_service.proto")):
        area = proto.parent.parent.name
        module = importlib.import_module(f"flowmesh.{area}.v1.{proto.stem}_pb2")
        services += module.DESCRIPTOR.services_by_name.values()
    return services


def test_the_walk_sees_every_service_file() -> None:
    protos = list(ROOT.glob("protos/flowmesh/*/v1/*_service.proto"))
    names = {service.full_name for service in _services()}
    assert len(protos) >= 9
    assert {"flowmesh.flow.v1.FlowService", "flowmesh.auth.v1.AuthService"} <= names


def test_every_method_declares_an_action() -> None:
    undeclared = [
        method.full_name
        for service in _services()
        for method in service.methods
        if action_of(method) == Action.ACTION_UNSPECIFIED
    ]
    assert not undeclared, f"declare (flowmesh.auth.v1.action) on {undeclared}"


def test_only_the_methods_meant_to_be_public_are() -> None:
    public = {
        method.full_name
        for service in _services()
        for method in service.methods
        if action_of(method) == Action.ACTION_PUBLIC
    }
    assert public == PUBLIC


def test_the_action_of_a_call_path_is_its_method_s_and_an_unknown_path_declares_none() -> None:
    assert action_of_path("/flowmesh.kv.v1.KvService/SetKeyValue") == Action.ACTION_WRITE
    assert action_of_path("/flowmesh.flow.v1.FlowService/GetFlow") == Action.ACTION_READ
    assert action_of_path("/flowmesh.kv.v1.KvService/NoSuchMethod") == Action.ACTION_UNSPECIFIED
    assert action_of_path("/no.such.Service/Method") == Action.ACTION_UNSPECIFIED
    assert action_of_path("garbage") == Action.ACTION_UNSPECIFIED


def test_scoped_methods_act_on_namespaces_and_are_the_searches_and_bulk_queries() -> None:
    scoped = {
        method.full_name: action_of(method)
        for service in _services()
        for method in service.methods
        if scoped_of(method)
    }
    on_namespaces = {Action.ACTION_READ, Action.ACTION_WRITE, Action.ACTION_EXECUTE}
    assert set(scoped.values()) <= on_namespaces
    names = {name.rsplit(".", 1)[1] for name in scoped}
    assert {"ListFlows", "ListExecutions", "SearchLogs", "SearchTriggers", "SearchNamespaces"} <= names
    by_query = {
        method.name for service in _services() for method in service.methods if "ByQuery" in method.name
    }
    assert {name for name in names if "ByQuery" in name} == by_query
    assert scoped_of_path("/flowmesh.log.v1.LogService/SearchLogs")
    assert not scoped_of_path("/flowmesh.flow.v1.FlowService/GetFlow")
    assert not scoped_of_path("/no.such.Service/Method")
