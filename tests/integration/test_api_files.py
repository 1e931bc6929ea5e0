"""The api's file contract over gRPC, as any gRPC client uses it: upload in chunks, then name the upload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct

from flowmesh.embedded import EmbeddedNats
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from flowmesh.file.v1.file_messages_pb2 import UploadFileRequest
from flowmesh.file.v1.file_service_pb2_grpc import FileServiceStub
from flowmesh.storage import LocalStorage, path_of
from tests.integration.running import api_channel

pytestmark = pytest.mark.integration

FLOW = """
id: sized
namespace: ops
inputs:
  - id: data
    type: FILE
  - id: size
    type: INT
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.size }}"
"""


@dataclass
class Api:
    files: FileServiceStub
    executions: ExecutionServiceStub
    storage: LocalStorage


@pytest.fixture
async def api(nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path) -> AsyncIterator[Api]:
    components = ["api", "executor", "worker"]
    async with api_channel(nats_server.url, pg_dsn_fresh, tmp_path, components, [FLOW]) as channel:
        yield Api(FileServiceStub(channel), ExecutionServiceStub(channel), LocalStorage(tmp_path / "storage"))


async def _requests(*messages: UploadFileRequest) -> AsyncIterator[UploadFileRequest]:
    for message in messages:
        yield message


async def _upload(api: Api, name: str, *chunks: bytes) -> str:
    first = UploadFileRequest(tenant="main", filename=name)
    answer = await api.files.UploadFile(_requests(first, *(UploadFileRequest(chunk=c) for c in chunks)))
    assert answer.size == sum(len(chunk) for chunk in chunks)
    return str(answer.uri)


def _inputs(**values: object) -> Struct:
    struct = Struct()
    struct.update(values)
    return struct


async def test_an_upload_named_as_a_file_input_moves_into_the_execution(api: Api) -> None:
    uri = await _upload(api, "in.bin", b"one ", b"two ", b"three")
    stray = await _upload(api, "stray.bin", b"no input is called so")

    execution = await api.executions.CreateExecution(
        messages.CreateExecutionRequest(
            tenant="main", namespace="ops", flow_id="sized", inputs=_inputs(data=uri, size=3, typo=stray)
        )
    )

    stored = execution.inputs.fields["data"].string_value
    assert path_of(stored) == f"/ops/sized/executions/{execution.id}/inputs/data/in.bin"
    assert await api.storage.get("main", stored) == b"one two three"
    assert not await api.storage.exists("main", uri)
    assert await api.storage.list_folder("main", "kestra:///_uploads") == []


async def test_a_refused_execution_leaves_no_upload_behind(api: Api) -> None:
    uri = await _upload(api, "in.bin", b"data")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.executions.CreateExecution(
            messages.CreateExecutionRequest(
                tenant="main", namespace="ops", flow_id="sized", inputs=_inputs(data=uri, size="many")
            )
        )

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await api.storage.list_folder("main", "kestra:///_uploads") == []


@pytest.mark.parametrize(
    ("first", "message"),
    [
        (UploadFileRequest(tenant="main"), "the first message must give the file's name (`filename`)"),
        (UploadFileRequest(tenant="main", filename="../x"), "'../x' is not a plain file name"),
        (UploadFileRequest(filename="a.txt"), "the first message must give the tenant"),
    ],
)
async def test_an_upload_without_a_plain_file_name_is_refused(
    api: Api, first: UploadFileRequest, message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.files.UploadFile(_requests(first, UploadFileRequest(chunk=b"x")))

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == message
