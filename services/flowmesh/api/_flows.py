from __future__ import annotations

import grpc

from flowmesh.api._support import next_token, not_found, now, page, unary
from flowmesh.common.v1.state_pb2 import Label
from flowmesh.flow.v1 import flow_messages_pb2 as messages
from flowmesh.flow.v1.flow_pb2 import Flow, FlowValidation, FlowViolation
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceServicer
from flowmesh.language import FlowDefinition, FlowInvalid, load_document, parse_flow, split_documents
from flowmesh.repository import Repository
from flowmesh.rpc import ApiError
from flowmesh.state import FlowStore, StaleRevision


class FlowServicer(FlowServiceServicer):
    """Flows live in the flows bucket (latest revision); the repository answers searches."""

    def __init__(self, flows: FlowStore, repository: Repository) -> None:
        self._flows = flows
        self._repository = repository

    @unary
    async def CreateFlow(
        self, request: messages.CreateFlowRequest, context: grpc.aio.ServicerContext
    ) -> Flow:
        definition = parse_flow(request.source)
        latest = await self._flows.latest(request.tenant, definition.namespace, definition.id)
        if latest is not None and not latest[0].deleted:
            raise ApiError(
                grpc.StatusCode.ALREADY_EXISTS,
                "FLOW_EXISTS",
                f"Flow {definition.namespace}.{definition.id} already exists",
            )
        return await self._store(request.tenant, definition, latest)

    @unary
    async def UpdateFlow(
        self, request: messages.UpdateFlowRequest, context: grpc.aio.ServicerContext
    ) -> Flow:
        definition = parse_flow(request.source)
        if (definition.namespace, definition.id) != (request.namespace, request.id):
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "FLOW_ID_CHANGED",
                "Illegal flow id update",
                [("id", f"the source defines {definition.namespace}.{definition.id}")],
            )
        latest = await self._latest(request.tenant, request.namespace, request.id)
        if latest[0].source == request.source:
            return latest[0]
        return await self._store(request.tenant, definition, latest)

    @unary
    async def GetFlow(self, request: messages.GetFlowRequest, context: grpc.aio.ServicerContext) -> Flow:
        if request.revision == 0:
            return (await self._latest(request.tenant, request.namespace, request.id))[0]
        flow = await self._flows.revision(
            request.tenant, request.namespace, request.id, request.revision
        ) or await self._repository.get_flow(request.tenant, request.namespace, request.id, request.revision)
        if flow is None:
            raise not_found(
                "FLOW_NOT_FOUND", f"Flow {request.namespace}.{request.id} has no revision {request.revision}"
            )
        return flow

    @unary
    async def ListFlows(
        self, request: messages.ListFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListFlowsResponse:
        offset, limit = page(request.page_size, request.page_token)
        flows, total = await self._repository.list_flows(
            request.tenant, namespace=request.namespace, query=request.query, offset=offset, limit=limit
        )
        return messages.ListFlowsResponse(
            flows=flows, total_size=total, next_page_token=next_token(offset, len(flows), total)
        )

    @unary
    async def DeleteFlow(
        self, request: messages.DeleteFlowRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteFlowResponse:
        flow, kv_revision = await self._latest(request.tenant, request.namespace, request.id)
        deleted = Flow()
        deleted.CopyFrom(flow)
        deleted.revision += 1
        deleted.deleted = True
        deleted.updated.FromDatetime(now())
        try:
            await self._flows.put(deleted, kv_revision)
        except StaleRevision:
            raise _changed_meanwhile(request.namespace, request.id) from None
        return messages.DeleteFlowResponse()

    @unary
    async def ValidateFlows(
        self, request: messages.ValidateFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ValidateFlowsResponse:
        return messages.ValidateFlowsResponse(
            results=[
                _validate(index, document) for index, document in enumerate(split_documents(request.source))
            ]
        )

    async def _latest(self, tenant: str, namespace: str, flow_id: str) -> tuple[Flow, int]:
        latest = await self._flows.latest(tenant, namespace, flow_id)
        if latest is None or latest[0].deleted:
            raise not_found("FLOW_NOT_FOUND", f"Flow {namespace}.{flow_id} not found")
        return latest

    async def _store(self, tenant: str, definition: FlowDefinition, latest: tuple[Flow, int] | None) -> Flow:
        flow = Flow(
            tenant_id=tenant,
            namespace=definition.namespace,
            id=definition.id,
            revision=latest[0].revision + 1 if latest else 1,
            source=definition.source,
            description=definition.description or "",
            labels=[Label(key=key, value=value) for key, value in definition.labels.items()],
            disabled=definition.disabled,
        )
        flow.updated.FromDatetime(now())
        try:
            await self._flows.put(flow, latest[1] if latest else None)
        except StaleRevision:
            raise _changed_meanwhile(definition.namespace, definition.id) from None
        return flow


def _validate(index: int, document: str) -> FlowValidation:
    try:
        definition = parse_flow(document)
    except FlowInvalid as invalid:
        namespace, flow_id = _names(document)
        return FlowValidation(
            index=index,
            namespace=namespace,
            flow=flow_id,
            violations=[
                FlowViolation(path=v.path, line=v.line, column=v.column, message=v.message)
                for v in invalid.violations
            ],
        )
    return FlowValidation(index=index, namespace=definition.namespace, flow=definition.id)


def _names(document: str) -> tuple[str, str]:
    """Return the namespace and id a possibly invalid document declares, as far as it can be read."""
    try:
        data, _ = load_document(document)
    except FlowInvalid:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("namespace") or ""), str(data.get("id") or "")


def _changed_meanwhile(namespace: str, flow_id: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.ABORTED,
        "FLOW_CHANGED",
        f"Flow {namespace}.{flow_id} was changed by another request meanwhile; try again",
    )
