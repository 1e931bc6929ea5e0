"""The namespaces a request acts on, as the roles check sees them (requests naming no execution)."""

from __future__ import annotations

from typing import Any

from flowmesh.api._access import RequestNamespaces
from flowmesh.execution.v1 import execution_messages_pb2 as executions
from flowmesh.flow.v1 import flow_messages_pb2 as flows
from flowmesh.kv.v1 import kv_messages_pb2 as kv
from flowmesh.trigger.v1 import trigger_messages_pb2 as triggers
from flowmesh.trigger.v1.trigger_pb2 import TriggerRef


class _Unreachable:
    """Where executions are looked up: these requests name none, so nothing may be asked."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no execution lookup expected ({name})")


NAMESPACES = RequestNamespaces(_Unreachable(), _Unreachable())  # type: ignore[arg-type]
SOURCE = """
id: hello
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
"""


async def test_the_namespace_field_names_the_namespace() -> None:
    assert await NAMESPACES(kv.GetKeyValueRequest(tenant="main", namespace="company", key="k")) == {"company"}


async def test_a_request_naming_no_namespace_acts_on_all() -> None:
    assert await NAMESPACES(flows.ListFlowsRequest(tenant="main")) is None
    assert await NAMESPACES(executions.ListExecutionsRequest(tenant="main", flow_id="hello")) is None


async def test_a_flow_source_acts_on_the_namespace_it_declares_and_the_one_named_beside() -> None:
    assert await NAMESPACES(flows.CreateFlowRequest(tenant="main", source=SOURCE)) == {"company.team"}
    update = flows.UpdateFlowRequest(tenant="main", namespace="company", id="hello", source=SOURCE)
    assert await NAMESPACES(update) == {"company", "company.team"}


async def test_several_documents_act_on_each_one_s_namespace() -> None:
    other = SOURCE.replace("company.team", "other").replace("id: hello", "id: second")
    request = flows.ValidateFlowsRequest(tenant="main", source=f"{SOURCE}---\n{other}")
    assert await NAMESPACES(request) == {"company.team", "other"}


async def test_a_source_whose_namespace_cannot_be_read_acts_on_all() -> None:
    assert await NAMESPACES(flows.CreateFlowRequest(tenant="main", source="id: [")) is None
    no_namespace = SOURCE.replace("namespace: company.team\n", "")
    assert await NAMESPACES(flows.CreateFlowRequest(tenant="main", source=no_namespace)) is None
    # A document that is not a valid flow but names its namespace acts on it (the api then refuses it).
    broken = SOURCE.replace("tasks:", "taks:")
    assert await NAMESPACES(flows.CreateFlowRequest(tenant="main", source=broken)) == {"company.team"}


async def test_a_bulk_request_acts_on_each_item_s_namespace() -> None:
    request = triggers.UnlockTriggersRequest(
        tenant="main",
        triggers=[
            TriggerRef(namespace="company.team", flow_id="a", trigger_id="t"),
            TriggerRef(namespace="other", flow_id="b", trigger_id="t"),
            TriggerRef(namespace="other", flow_id="c", trigger_id="t"),
        ],
    )
    assert await NAMESPACES(request) == {"company.team", "other"}


async def test_a_bulk_item_naming_no_namespace_makes_the_request_act_on_all() -> None:
    request = triggers.UnlockTriggersRequest(
        tenant="main",
        triggers=[
            TriggerRef(namespace="company.team", flow_id="a", trigger_id="t"),
            TriggerRef(flow_id="b", trigger_id="t"),
        ],
    )
    assert await NAMESPACES(request) is None


async def test_following_dependencies_acts_on_all_namespaces_whatever_execution_it_names() -> None:
    request = executions.FollowExecutionDependenciesRequest(tenant="main", execution_id="some-execution")
    assert await NAMESPACES(request) is None
