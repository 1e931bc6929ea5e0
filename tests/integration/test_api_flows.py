"""The Flows API over gRPC against the real api, NATS and PostgreSQL: revisions older than the
flows bucket keeps, imports through uploads, exports as streams, and rich errors."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from flowmesh.embedded import EmbeddedNats
from flowmesh.file.v1.file_messages_pb2 import UploadFileRequest
from flowmesh.file.v1.file_service_pb2_grpc import FileServiceStub
from flowmesh.flow.v1 import flow_messages_pb2 as messages
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceStub
from tests.integration.running import api_channel
from tests.waiting import eventually

pytestmark = pytest.mark.integration

# The flows bucket keeps this many revisions of a flow (see messaging's topology).
BUCKET_HISTORY = 64


@dataclass
class Api:
    flows: FlowServiceStub
    files: FileServiceStub
    # NATS outlives a test: each test has namespaces of its own.
    namespace: str


def flow(flow_id: str, namespace: str, message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n"
        f"  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


@pytest.fixture
async def api(nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with api_channel(nats_server.url, pg_dsn_fresh, tmp_path, ["api", "indexer"]) as channel:
        yield Api(FlowServiceStub(channel), FileServiceStub(channel), f"it.{uuid.uuid4().hex[:12]}")


def violations_of(error: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return [violation.field for violation in bad.field_violations]
    return []


async def test_revisions_older_than_the_buckets_history_come_from_the_repository(api: Api) -> None:
    total = BUCKET_HISTORY + 6
    await api.flows.CreateFlow(
        messages.CreateFlowRequest(tenant="main", source=flow("long", api.namespace, "m1"))
    )
    for revision in range(2, total + 1):
        await api.flows.UpdateFlow(
            messages.UpdateFlowRequest(
                tenant="main",
                namespace=api.namespace,
                id="long",
                source=flow("long", api.namespace, f"m{revision}"),
            )
        )
    request = messages.ListFlowRevisionsRequest(tenant="main", namespace=api.namespace, id="long")

    async def all_listed() -> list[int] | None:
        answer = await api.flows.ListFlowRevisions(request)
        revisions = [f.revision for f in answer.flows]
        return revisions if len(revisions) == total else None

    revisions = await eventually(all_listed, within=30, what="every revision indexed")
    assert revisions == list(range(1, total + 1))
    oldest = await api.flows.GetFlow(
        messages.GetFlowRequest(tenant="main", namespace=api.namespace, id="long", revision=1)
    )
    assert "m1" in oldest.source

    await api.flows.DeleteFlowRevisions(
        messages.DeleteFlowRevisionsRequest(
            tenant="main", namespace=api.namespace, id="long", revisions=[1, 2]
        )
    )
    answer = await api.flows.ListFlowRevisions(request)
    assert [f.revision for f in answer.flows][:2] == [3, 4]
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await api.flows.GetFlow(
            messages.GetFlowRequest(tenant="main", namespace=api.namespace, id="long", revision=1)
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def _upload(api: Api, name: str, data: bytes) -> str:
    async def requests() -> AsyncIterator[UploadFileRequest]:
        yield UploadFileRequest(tenant="main", filename=name)
        yield UploadFileRequest(chunk=data)

    answer = await api.files.UploadFile(requests())
    return str(answer.uri)


async def test_an_upload_imports_and_an_export_streams_a_zip(api: Api) -> None:
    documents = flow("a", api.namespace) + "---\n" + flow("b", api.namespace) + "---\nid: broken\n"
    uri = await _upload(api, "flows.yml", documents.encode())
    answer = await api.flows.ImportFlows(messages.ImportFlowsRequest(tenant="main", file_upload=uri))
    assert list(answer.failed) == ["2"]

    chunks = [
        chunk
        async for chunk in api.flows.ExportFlowsByQuery(
            messages.ExportFlowsByQueryRequest(tenant="main", namespace=api.namespace)
        )
    ]
    assert chunks[0].filename == "flows.zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(chunk.data for chunk in chunks))) as archive:
        assert sorted(archive.namelist()) == [f"{api.namespace}.a.yml", f"{api.namespace}.b.yml"]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.flows.ImportFlows(
            messages.ImportFlowsRequest(tenant="main", file_upload="kestra:///elsewhere.yml")
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(refused.value) == ["file_upload"]


async def test_a_bad_bulk_is_refused_with_the_documents_field_and_changes_nothing(api: Api) -> None:
    await api.flows.CreateFlow(messages.CreateFlowRequest(tenant="main", source=flow("kept", api.namespace)))
    source = (
        flow("new", api.namespace)
        + "---\n"
        + flow("bad", api.namespace).replace("message: hi", "level: INFO")
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.flows.BulkUpdateFlows(
            messages.BulkUpdateFlowsRequest(tenant="main", source=source, namespace=api.namespace)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(refused.value) == ["documents[1].tasks[0].message"]
    listed = await api.flows.ListNamespaceFlows(
        messages.ListNamespaceFlowsRequest(tenant="main", namespace=api.namespace)
    )
    assert [(f.id, f.revision, f.deleted) for f in listed.flows] == [("kept", 1, False)]


async def test_a_create_repeated_with_its_request_id_answers_the_first_flow(api: Api) -> None:
    request = messages.CreateFlowRequest(
        tenant="main", source=flow("once", api.namespace), request_id="req-1"
    )
    first = await api.flows.CreateFlow(request)
    assert await api.flows.CreateFlow(request) == first
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.flows.CreateFlow(messages.CreateFlowRequest(tenant="main", source=request.source))
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
