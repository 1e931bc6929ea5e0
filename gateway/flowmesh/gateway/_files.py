"""Files through the gateway: multipart parts streamed up to the api, downloads streamed back.

The gateway never writes internal storage itself: each file part goes to the api's
UploadFile (client-streaming gRPC) in chunks, and the URI it answers takes the part's
place in the request. So the gateway needs no storage settings, a gRPC client can upload
the same way, and the api alone decides where files live.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from flowmesh.file.v1 import file_messages_pb2 as messages
from flowmesh.gateway._client import ApiClient, Metadata
from flowmesh.gateway._errors import GatewayError

UPLOAD_RPC = "/flowmesh.file.v1.FileService/UploadFile"
# Starlette has spooled the part to a temporary file; it goes up in pieces of this size.
UPLOAD_CHUNK = 256 * 1024
FILE_CHUNK = "flowmesh.file.v1.FileChunk"


async def upload(client: ApiClient, tenant: str, part: UploadFile, metadata: Metadata) -> str:
    """Send one multipart file part to the api in chunks; return the URI it is stored under."""
    if not part.filename:
        raise GatewayError("a file part needs a file name", parameter=part.filename or "file")

    async def requests() -> AsyncIterator[Message]:
        yield messages.UploadFileRequest(tenant=tenant, filename=part.filename or "")
        while chunk := await part.read(UPLOAD_CHUNK):
            yield messages.UploadFileRequest(chunk=chunk)

    answer = await client.upload(UPLOAD_RPC, requests(), messages.UploadFileResponse, metadata=metadata)
    assert isinstance(answer, messages.UploadFileResponse)
    return answer.uri


async def download(
    client: ApiClient, path: str, request: Message, *, metadata: Metadata
) -> StreamingResponse:
    """Answer with the file the RPC streams as FileChunk messages, as an attachment.

    The first chunk is awaited before answering, so a refusal (no such file, a bad path)
    is an HTTP error rather than a broken download.
    """
    call = client.stream(path, request, messages.FileChunk, metadata=metadata)
    try:
        first = await call.read()
    except BaseException:
        client.end_stream(call)
        raise
    if first is grpc.aio.EOF:
        client.end_stream(call)
        raise GatewayError("the api sent no file", http_status=502, status="UNAVAILABLE")
    assert isinstance(first, messages.FileChunk)

    async def body() -> AsyncIterator[bytes]:
        try:
            yield first.data
            while (chunk := await call.read()) is not grpc.aio.EOF:
                assert isinstance(chunk, messages.FileChunk)
                yield chunk.data
        finally:
            client.end_stream(call)

    disposition = f"attachment; filename*=UTF-8''{quote(first.filename, safe='')}"
    return StreamingResponse(
        body(),
        media_type=first.content_type or "application/octet-stream",
        headers={"Content-Disposition": disposition},
    )


def file_metas(message: Any) -> dict[str, Any]:
    """Kestra's FileMetas: the size as a number (proto3 JSON would make an int64 a string)."""
    return {"size": int(message.size)}


def file_attributes(message: Any) -> dict[str, Any]:
    """Kestra's FileAttributes: times as epoch milliseconds."""
    return {
        "fileName": message.file_name,
        "type": message.type,
        "size": int(message.size),
        "lastModifiedTime": _millis(message, "last_modified_time"),
        "creationTime": _millis(message, "creation_time"),
        "metadata": {},
    }


def file_preview(message: Any) -> dict[str, Any]:
    """Kestra's file preview: `{extension, type, content, truncated}`."""
    return {
        "extension": message.extension,
        "type": message.type,
        "content": json_format.MessageToDict(message.content) if message.HasField("content") else None,
        "truncated": message.truncated,
    }


def _millis(message: Any, field: str) -> int | None:
    if not message.HasField(field):
        return None
    return int(getattr(message, field).ToMilliseconds())
