"""Every List and Search RPC of the api pages with page_size and page_token (AIP-158).

Except the few whose REST form is one of Kestra's whole lists, named here with why: the
gateway would have to gather all their pages to keep Kestra's shape. A new List or Search
RPC without paging fails here, and so does an exception that has since been paged.
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor

from flowmesh.gateway._app import SERVICES

WHOLE_LISTS = {
    "flowmesh.log.v1.LogService.ListLogs": "GET /logs/{executionId} answers all of an execution's logs",
    "flowmesh.kv.v1.KvService.ListKeys": "GET /namespaces/{namespace}/kv answers every key",
    "flowmesh.file.v1.FileService.ListNamespaceDirectory": "GET /namespaces/{namespace}/files/directory",
    "flowmesh.file.v1.FileService.SearchNamespaceFiles": "GET /namespaces/{namespace}/files/search",
    "flowmesh.execution.v1.ExecutionService.ListExecutableNamespaces": "GET /executions/namespaces",
    "flowmesh.execution.v1.ExecutionService.ListExecutableFlows": "GET /executions/namespaces/{ns}/flows",
    "flowmesh.auth.v1.AuthService.ListApiTokens": "GET /me/api-tokens answers a user's every token",
    "flowmesh.auth.v1.AuthService.ListUsers": "GET /users answers every user (not paged yet)",
    "flowmesh.flow.v1.FlowService.ListFlowRevisions": "GET /flows/{namespace}/{id}/revisions",
    "flowmesh.flow.v1.FlowService.ListNamespaceFlows": "GET /flows/{namespace}",
    "flowmesh.flow.v1.FlowService.ListDistinctNamespaces": "GET /flows/distinct-namespaces",
}


def _listing_methods() -> dict[str, MethodDescriptor]:
    return {
        method.full_name: method
        for service in SERVICES
        for method in service.methods
        if method.name.startswith(("List", "Search")) and not method.server_streaming
    }


def _paged(method: MethodDescriptor) -> bool:
    request, response = method.input_type.fields_by_name, method.output_type.fields_by_name
    return (
        "page_size" in request
        and request["page_size"].type == FieldDescriptor.TYPE_INT32
        and "page_token" in request
        and request["page_token"].type == FieldDescriptor.TYPE_STRING
        and "next_page_token" in response
        and response["next_page_token"].type == FieldDescriptor.TYPE_STRING
    )


def test_every_list_and_search_rpc_pages_with_tokens() -> None:
    methods = _listing_methods()
    unpaged = sorted(
        name for name, method in methods.items() if not _paged(method) and name not in WHOLE_LISTS
    )
    assert not unpaged, f"List/Search RPCs without page_size, page_token and next_page_token: {unpaged}"


def test_the_exceptions_are_listing_rpcs_that_still_answer_whole_lists() -> None:
    methods = _listing_methods()
    assert set(WHOLE_LISTS) <= set(methods), set(WHOLE_LISTS) - set(methods)
    paged_now = sorted(name for name in WHOLE_LISTS if _paged(methods[name]))
    assert not paged_now, f"paged now: take them out of WHOLE_LISTS: {paged_now}"
