from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import grpc

from flowmesh.api._file_inputs import uploads_cleared
from flowmesh.api._flow_checks import validate_document, validate_part
from flowmesh.api._flow_graphs import expanded_graph
from flowmesh.api._flow_reads import FlowReader
from flowmesh.api._flow_sets import (
    Document,
    below,
    check_import_size,
    check_namespace,
    documents_of,
    parse_all,
    read_import,
    with_property,
    write_archive,
)
from flowmesh.api._flow_topology import topology
from flowmesh.api._support import (
    csv_chunk,
    find_execution,
    next_token,
    not_found,
    now,
    page,
    streaming,
    unary,
)
from flowmesh.auth import scope
from flowmesh.common.v1.state_pb2 import Label
from flowmesh.file.v1.file_messages_pb2 import FileChunk
from flowmesh.flow.v1 import flow_messages_pb2 as messages
from flowmesh.flow.v1.flow_pb2 import Flow, FlowRef, FlowValidation
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceServicer
from flowmesh.flow.v1.graph_pb2 import FlowGraph
from flowmesh.graph import task_properties
from flowmesh.language import FlowDefinition, FlowInvalid, parse_flow, split_documents
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.state import ExecutionStore, FlowStore, StaleRevision
from flowmesh.storage import Storage, is_upload

# Exports are sent in pieces of this size.
EXPORT_CHUNK = 256 * 1024


class FlowServicer(FlowServiceServicer):
    """Flows live in the flows bucket (latest revision); the repository answers searches."""

    def __init__(
        self, flows: FlowStore, repository: RepositoryBackend, storage: Storage, executions: ExecutionStore
    ) -> None:
        self._flows = flows
        self._read = FlowReader(flows, repository)
        self._repository = repository
        self._storage = storage
        self._executions = executions

    # ------------------------------------------------------------------------- one flow

    @unary
    async def CreateFlow(
        self, request: messages.CreateFlowRequest, context: grpc.aio.ServicerContext
    ) -> Flow:
        definition = parse_flow(request.source)
        latest = await self._flows.latest(request.tenant, definition.namespace, definition.id)
        if latest is not None and not latest[0].deleted:
            repeated = latest[0].request_id == request.request_id and latest[0].source == request.source
            if request.request_id and repeated:
                return latest[0]
            raise ApiError(
                grpc.StatusCode.ALREADY_EXISTS,
                "FLOW_EXISTS",
                f"Flow {definition.namespace}.{definition.id} already exists",
            )
        return await self._store(request.tenant, definition, latest, request.request_id)

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
        latest = await self._read.latest(request.tenant, request.namespace, request.id)
        return await self._update(request.tenant, definition, latest)

    @unary
    async def GetFlow(self, request: messages.GetFlowRequest, context: grpc.aio.ServicerContext) -> Flow:
        if request.revision == 0:
            return (await self._read.latest(request.tenant, request.namespace, request.id))[0]
        return await self._read.revision(request.tenant, request.namespace, request.id, request.revision)

    @unary
    async def ListFlows(
        self, request: messages.ListFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListFlowsResponse:
        offset, limit = page(request.page_size, request.page_token)
        readable = scope()
        if readable.nothing:
            return messages.ListFlowsResponse()
        flows, total = await self._repository.list_flows(
            request.tenant,
            namespace=request.namespace,
            query=request.query,
            labels=[(label.key, label.value) for label in request.labels],
            offset=offset,
            limit=limit,
            readable_namespaces=readable.namespaces,
        )
        return messages.ListFlowsResponse(
            flows=flows, total_size=total, next_page_token=next_token(offset, len(flows), total)
        )

    @unary
    async def DeleteFlow(
        self, request: messages.DeleteFlowRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteFlowResponse:
        await self._delete(*await self._read.latest(request.tenant, request.namespace, request.id))
        return messages.DeleteFlowResponse()

    @unary
    async def ValidateFlows(
        self, request: messages.ValidateFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ValidateFlowsResponse:
        return messages.ValidateFlowsResponse(
            results=[
                validate_document(index, document)
                for index, document in enumerate(split_documents(request.source))
            ]
        )

    @unary
    async def ValidateTask(
        self, request: messages.ValidateTaskRequest, context: grpc.aio.ServicerContext
    ) -> FlowValidation:
        return validate_part(request.source, request.section)

    @unary
    async def ValidateTrigger(
        self, request: messages.ValidateTriggerRequest, context: grpc.aio.ServicerContext
    ) -> FlowValidation:
        return validate_part(request.source, messages.TaskSection.TASK_SECTION_TRIGGERS)

    # ---------------------------------------------------------------------- revisions

    @unary
    async def ListFlowRevisions(
        self, request: messages.ListFlowRevisionsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListFlowRevisionsResponse:
        revisions = await self._read.revisions(request.tenant, request.namespace, request.id)
        if not request.allow_delete:
            revisions = [flow for flow in revisions if not flow.deleted]
        return messages.ListFlowRevisionsResponse(flows=revisions)

    @unary
    async def DeleteFlowRevisions(
        self, request: messages.DeleteFlowRevisionsRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteFlowRevisionsResponse:
        if not request.revisions:
            raise _bad("revisions", "name at least one revision")
        latest, kv_revision = await self._read.any_latest(request.tenant, request.namespace, request.id)
        if latest.revision in request.revisions:
            raise _bad("revisions", f"{latest.revision} is the latest revision: delete the flow instead")
        kept = {
            flow.revision
            for flow in await self._read.revisions(request.tenant, request.namespace, request.id)
        }
        for revision in request.revisions:
            if revision not in kept:
                raise not_found(
                    "FLOW_REVISION_NOT_FOUND",
                    f"Flow {request.namespace}.{request.id} has no revision {revision}",
                )
        marked = Flow()
        marked.CopyFrom(latest)
        marked.deleted_revisions.extend(sorted(set(request.revisions)))
        try:
            await self._flows.put(marked, kv_revision)
        except StaleRevision:
            raise _changed_meanwhile(request.namespace, request.id) from None
        return messages.DeleteFlowRevisionsResponse()

    # ------------------------------------------------------------------------- graphs

    @unary
    async def GetFlowGraph(
        self, request: messages.GetFlowGraphRequest, context: grpc.aio.ServicerContext
    ) -> FlowGraph:
        if request.revision == 0:
            flow = (await self._read.latest(request.tenant, request.namespace, request.id))[0]
        else:
            flow = await self._read.revision(request.tenant, request.namespace, request.id, request.revision)
        return await expanded_graph(self._flows, request.tenant, parse_flow(flow.source), request.subflows)

    @unary
    async def GenerateFlowGraph(
        self, request: messages.GenerateFlowGraphRequest, context: grpc.aio.ServicerContext
    ) -> FlowGraph:
        return await expanded_graph(self._flows, request.tenant, parse_flow(request.source), request.subflows)

    @unary
    async def GetExecutionGraph(
        self, request: messages.GetExecutionGraphRequest, context: grpc.aio.ServicerContext
    ) -> FlowGraph:
        execution = await find_execution(
            self._executions, self._repository, request.tenant, request.execution_id
        )
        flow = await self._read.revision(
            request.tenant, execution.namespace, execution.flow_id, execution.flow_revision, deleted_too=True
        )
        return await expanded_graph(
            self._flows,
            request.tenant,
            parse_flow(flow.source),
            request.subflows,
            execution.task_runs,
            execution.id,
        )

    @unary
    async def GetFlowTask(
        self, request: messages.GetFlowTaskRequest, context: grpc.aio.ServicerContext
    ) -> messages.FlowTask:
        if request.revision == 0:
            flow = (await self._read.latest(request.tenant, request.namespace, request.id))[0]
        else:
            flow = await self._read.revision(request.tenant, request.namespace, request.id, request.revision)
        try:
            task = parse_flow(flow.source).task(request.task_id)
        except KeyError:
            raise not_found(
                "TASK_NOT_FOUND", f"Flow {request.namespace}.{request.id} has no task {request.task_id}"
            ) from None
        answer = messages.FlowTask()
        answer.task.update(task_properties(task))
        return answer

    @unary
    async def GetFlowDependencies(
        self, request: messages.GetFlowDependenciesRequest, context: grpc.aio.ServicerContext
    ) -> messages.FlowTopology:
        await self._read.latest(request.tenant, request.namespace, request.id)
        return topology(
            request.tenant,
            await self._read.definitions(request.tenant),
            [(request.namespace, request.id)],
            destination_only=request.destination_only,
            expand=request.expand_all,
        )

    @unary
    async def GetNamespaceDependencies(
        self, request: messages.GetNamespaceDependenciesRequest, context: grpc.aio.ServicerContext
    ) -> messages.FlowTopology:
        definitions = await self._read.definitions(request.tenant)
        start = [
            (d.namespace, d.id)
            for d in definitions
            if d.namespace == request.namespace or below(d.namespace, request.namespace)
        ]
        return topology(
            request.tenant, definitions, start, destination_only=request.destination_only, expand=False
        )

    # ------------------------------------------------------------------- sets of flows

    @unary
    async def BulkUpdateFlows(
        self, request: messages.BulkUpdateFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.UpdateFlowsResponse:
        definitions = parse_all(documents_of(request.source))
        if request.namespace:
            check_namespace(definitions, request.namespace, children=request.allow_namespace_child)
        delete = request.namespace and (not request.HasField("delete") or request.delete)
        scope = request.namespace if request.allow_namespace_child else None
        return await self._replace(request.tenant, definitions, request.namespace if delete else None, scope)

    @unary
    async def UpdateNamespaceFlows(
        self, request: messages.UpdateNamespaceFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.UpdateFlowsResponse:
        documents = documents_of(request.source)
        if request.override:
            documents = [
                Document(d.name, with_property(d.source, "namespace", request.namespace)) for d in documents
            ]
        definitions = parse_all(documents)
        check_namespace(definitions, request.namespace, children=False)
        delete = not request.HasField("delete") or request.delete
        return await self._replace(request.tenant, definitions, request.namespace if delete else None, None)

    @unary
    async def ListNamespaceFlows(
        self, request: messages.ListNamespaceFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListNamespaceFlowsResponse:
        flows = [f for f in await self._flows.deployed(request.tenant) if f.namespace == request.namespace]
        flows.sort(key=lambda flow: flow.id)
        return messages.ListNamespaceFlowsResponse(flows=flows)

    @unary
    async def ListDistinctNamespaces(
        self, request: messages.ListDistinctNamespacesRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListDistinctNamespacesResponse:
        text = request.query.lower()
        readable = scope()
        namespaces = {
            f.namespace for f in await self._flows.deployed(request.tenant) if readable.covers(f.namespace)
        }
        return messages.ListDistinctNamespacesResponse(
            namespaces=sorted(n for n in namespaces if text in n.lower())
        )

    @unary
    async def ImportFlows(
        self, request: messages.ImportFlowsRequest, context: grpc.aio.ServicerContext
    ) -> messages.ImportFlowsResponse:
        if not is_upload(request.file_upload):
            raise _bad("file_upload", "must be the URI of an upload (multipart part `fileUpload`)")
        async with uploads_cleared(self._storage, request.tenant, {"fileUpload": request.file_upload}):
            check_import_size((await self._storage.metas(request.tenant, request.file_upload)).size)
            data = await self._storage.get(request.tenant, request.file_upload)
        # Inflating a ZIP takes a while: not on the event loop.
        documents = await asyncio.to_thread(read_import, data)
        if request.fail_on_error:
            valid = list(zip(documents, parse_all(documents), strict=True))
        else:
            valid = []
            for document in documents:
                try:
                    valid.append((document, parse_flow(document.source)))
                except FlowInvalid:
                    continue
        for _, definition in valid:
            latest = await self._flows.latest(request.tenant, definition.namespace, definition.id)
            await self._update(request.tenant, definition, latest)
        imported = {document.name for document, _ in valid}
        return messages.ImportFlowsResponse(failed=[d.name for d in documents if d.name not in imported])

    @streaming
    async def ExportFlowsByIds(
        self, request: messages.ExportFlowsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        flows = [flow for flow, _ in await self._read.named(request.tenant, request.flows)]
        for chunk in _chunks(await asyncio.to_thread(write_archive, flows)):
            yield chunk

    @streaming
    async def ExportFlowsByQuery(
        self, request: messages.ExportFlowsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        flows = await self._read.found(request.tenant, request.namespace, request.query, request.labels)
        for chunk in _chunks(await asyncio.to_thread(write_archive, flows)):
            yield chunk

    @streaming
    async def ExportFlowsCsv(
        self, request: messages.ExportFlowsCsvRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[FileChunk]:
        flows = await self._read.found(request.tenant, request.namespace, request.query, request.labels)
        rows = (
            (
                flow.namespace,
                flow.id,
                flow.revision,
                str(flow.disabled).lower(),
                flow.updated.ToJsonString() if flow.HasField("updated") else "",
            )
            for flow in flows
        )
        yield csv_chunk("flows", ("namespace", "id", "revision", "disabled", "updated"), rows)

    @unary
    async def DeleteFlowsByIds(
        self, request: messages.DeleteFlowsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        named = await self._read.named(request.tenant, request.flows)
        for flow, kv_revision in named:
            await self._delete(flow, kv_revision)
        return messages.BulkFlowsResponse(count=len(named))

    @unary
    async def DeleteFlowsByQuery(
        self, request: messages.DeleteFlowsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        flows = await self._read.found(request.tenant, request.namespace, request.query, request.labels)
        for flow in flows:
            await self._delete(*await self._read.latest(request.tenant, flow.namespace, flow.id))
        return messages.BulkFlowsResponse(count=len(flows))

    @unary
    async def DisableFlowsByIds(
        self, request: messages.DisableFlowsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        return await self._set_disabled(
            request.tenant, await self._read.named(request.tenant, request.flows), True
        )

    @unary
    async def EnableFlowsByIds(
        self, request: messages.EnableFlowsByIdsRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        return await self._set_disabled(
            request.tenant, await self._read.named(request.tenant, request.flows), False
        )

    @unary
    async def DisableFlowsByQuery(
        self, request: messages.DisableFlowsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        found = await self._read.found(request.tenant, request.namespace, request.query, request.labels)
        return await self._set_disabled(
            request.tenant, await self._read.named(request.tenant, _refs(found)), True
        )

    @unary
    async def EnableFlowsByQuery(
        self, request: messages.EnableFlowsByQueryRequest, context: grpc.aio.ServicerContext
    ) -> messages.BulkFlowsResponse:
        found = await self._read.found(request.tenant, request.namespace, request.query, request.labels)
        return await self._set_disabled(
            request.tenant, await self._read.named(request.tenant, _refs(found)), False
        )

    # ------------------------------------------------------------------------ helpers

    async def _replace(
        self,
        tenant: str,
        definitions: list[FlowDefinition],
        delete_in: str | None,
        children_of: str | None,
    ) -> messages.UpdateFlowsResponse:
        """Store every definition, then delete the other flows of delete_in (and below it,
        when children_of names it too)."""
        stored = []
        for definition in definitions:
            latest = await self._flows.latest(tenant, definition.namespace, definition.id)
            stored.append(await self._update(tenant, definition, latest))
        deleted = []
        if delete_in is not None:
            given = {(d.namespace, d.id) for d in definitions}
            for flow in await self._flows.deployed(tenant):
                inside = flow.namespace == delete_in or (
                    children_of is not None and below(flow.namespace, children_of)
                )
                if inside and (flow.namespace, flow.id) not in given:
                    deleted.append(
                        await self._delete(*await self._read.latest(tenant, flow.namespace, flow.id))
                    )
        return messages.UpdateFlowsResponse(flows=[*stored, *deleted])

    async def _set_disabled(
        self, tenant: str, named: list[tuple[Flow, int]], disabled: bool
    ) -> messages.BulkFlowsResponse:
        for flow, kv_revision in named:
            if flow.disabled != disabled:
                source = with_property(flow.source, "disabled", "true" if disabled else "false")
                await self._store(tenant, parse_flow(source), (flow, kv_revision))
        return messages.BulkFlowsResponse(count=len(named))

    async def _update(self, tenant: str, definition: FlowDefinition, latest: tuple[Flow, int] | None) -> Flow:
        """Store definition as the flow's next revision, unless its source is the latest's."""
        if latest is not None and not latest[0].deleted and latest[0].source == definition.source:
            return latest[0]
        return await self._store(tenant, definition, latest)

    async def _delete(self, flow: Flow, kv_revision: int) -> Flow:
        deleted = Flow()
        deleted.CopyFrom(flow)
        deleted.revision += 1
        deleted.deleted = True
        deleted.request_id = ""
        deleted.updated.FromDatetime(now())
        try:
            await self._flows.put(deleted, kv_revision)
        except StaleRevision:
            raise _changed_meanwhile(flow.namespace, flow.id) from None
        return deleted

    async def _store(
        self, tenant: str, definition: FlowDefinition, latest: tuple[Flow, int] | None, request_id: str = ""
    ) -> Flow:
        flow = Flow(
            tenant_id=tenant,
            namespace=definition.namespace,
            id=definition.id,
            revision=latest[0].revision + 1 if latest else 1,
            source=definition.source,
            description=definition.description or "",
            labels=[Label(key=key, value=value) for key, value in definition.labels.items()],
            disabled=definition.disabled,
            request_id=request_id,
            deleted_revisions=latest[0].deleted_revisions if latest else [],
        )
        flow.updated.FromDatetime(now())
        try:
            await self._flows.put(flow, latest[1] if latest else None)
        except StaleRevision:
            raise _changed_meanwhile(definition.namespace, definition.id) from None
        return flow


def _refs(flows: Iterable[Flow]) -> list[FlowRef]:
    return [FlowRef(namespace=flow.namespace, id=flow.id) for flow in flows]


def _chunks(data: bytes) -> list[FileChunk]:
    """Return a ZIP as chunks, the first naming it."""
    pieces = [data[start : start + EXPORT_CHUNK] for start in range(0, len(data), EXPORT_CHUNK)] or [b""]
    first = FileChunk(filename="flows.zip", content_type="application/octet-stream", data=pieces[0])
    return [first, *(FileChunk(data=piece) for piece in pieces[1:])]


def _bad(field: str, message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, "FLOW_REQUEST_INVALID", message, [(field, message)])


def _changed_meanwhile(namespace: str, flow_id: str) -> ApiError:
    return ApiError(
        grpc.StatusCode.ABORTED,
        "FLOW_CHANGED",
        f"Flow {namespace}.{flow_id} was changed by another request meanwhile; try again",
    )
