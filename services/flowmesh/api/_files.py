"""Files through the api: uploads, the files of an execution, and namespace files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import quote

import grpc
from google.protobuf import empty_pb2

from flowmesh.api._file_inputs import uploads_cleared
from flowmesh.api._ion_json import json_lines
from flowmesh.api._preview import preview
from flowmesh.api._support import find_execution, streaming, unary
from flowmesh.file.v1 import file_messages_pb2 as messages
from flowmesh.file.v1.file_service_pb2_grpc import FileServiceServicer
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.state import ExecutionStore
from flowmesh.storage import (
    InvalidStoragePath,
    Storage,
    execution_file_folders,
    is_upload,
    namespace_files,
    path_of,
    upload_path,
    uri_of,
    walk_files,
)
from flowmesh.values import from_struct, to_struct

_OCTET_STREAM = "application/octet-stream"


class FileServicer(FileServiceServicer):
    """Reads and writes internal storage for REST and gRPC clients; never holds a file whole."""

    def __init__(self, storage: Storage, executions: ExecutionStore, repository: RepositoryBackend) -> None:
        self._storage = storage
        self._executions = executions
        self._repository = repository

    @unary
    async def UploadFile(
        self, requests: AsyncIterator[messages.UploadFileRequest], context: grpc.aio.ServicerContext
    ) -> messages.UploadFileResponse:
        first = await anext(aiter(requests), None)
        if first is None or not first.filename:
            raise _bad("filename", "the first message must give the file's name (`filename`)")
        if not first.tenant:
            raise _bad("tenant", "the first message must give the tenant")
        size = len(first.chunk)

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal size
            yield first.chunk
            async for request in requests:
                size += len(request.chunk)
                yield request.chunk

        try:
            path = upload_path(first.filename)
        except InvalidStoragePath:
            raise _bad("filename", f"{first.filename!r} is not a plain file name") from None
        uri = await self._storage.put_stream(first.tenant, path, chunks())
        return messages.UploadFileResponse(uri=uri, size=size)

    @streaming
    async def DownloadExecutionFile(
        self, request: messages.DownloadExecutionFileRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[messages.FileChunk]:
        uri = await self._execution_file(request.tenant, request.execution_id, request.path)
        jsonl = request.format == messages.FILE_FORMAT_JSONL
        try:
            async for chunk in _download(self._storage, request.tenant, uri, jsonl=jsonl):
                yield chunk
        except ValueError as error:  # not Ion, for JSONL
            raise _bad("format", f"{uri} cannot be read as Ion records: {error}") from None

    @unary
    async def GetExecutionFileMetas(
        self, request: messages.GetExecutionFileMetasRequest, context: grpc.aio.ServicerContext
    ) -> messages.FileMetas:
        uri = await self._execution_file(request.tenant, request.execution_id, request.path)
        metas = await self._storage.metas(request.tenant, uri)
        return messages.FileMetas(size=metas.size)

    @unary
    async def PreviewExecutionFile(
        self, request: messages.PreviewExecutionFileRequest, context: grpc.aio.ServicerContext
    ) -> messages.FilePreview:
        uri = await self._execution_file(request.tenant, request.execution_id, request.path)
        if request.max_rows < 0:
            raise _bad("max_rows", "must be 0 or more")
        chunks = await self._storage.open(request.tenant, uri)
        try:
            shown = await preview(path_of(uri), chunks, request.max_rows, request.encoding)
        except LookupError:
            raise _bad("encoding", f"unknown encoding {request.encoding!r}") from None
        except ValueError as error:
            raise _bad("path", f"the file cannot be previewed: {error}") from None
        answer = messages.FilePreview(extension=shown.extension, type=shown.type, truncated=shown.truncated)
        answer.content.CopyFrom(to_struct({"content": shown.content}).fields["content"])
        return answer

    @streaming
    async def GetNamespaceFile(
        self, request: messages.GetNamespaceFileRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[messages.FileChunk]:
        uri = _namespace_uri(request.namespace, request.path)
        async for chunk in _download(self._storage, request.tenant, uri):
            yield chunk

    @unary
    async def GetNamespaceFileStats(
        self, request: messages.GetNamespaceFileStatsRequest, context: grpc.aio.ServicerContext
    ) -> messages.FileAttributes:
        uri = _namespace_uri(request.namespace, request.path)
        if uri == uri_of(namespace_files(request.namespace)):
            return _attributes("_files", "Directory", 0, None)
        folder, name = uri.rsplit("/", 1)
        for entry in await self._storage.list_folder(request.tenant, folder):
            if quote(entry.name) == name:
                kind = "Directory" if entry.is_folder else "File"
                return _attributes(entry.name, kind, entry.size, entry.modified)
        raise ApiError(grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", f"No namespace file at {request.path}")

    @unary
    async def ListNamespaceDirectory(
        self, request: messages.ListNamespaceDirectoryRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListNamespaceDirectoryResponse:
        uri = _namespace_uri(request.namespace, request.path or "/")
        entries = await self._storage.list_folder(request.tenant, uri)
        return messages.ListNamespaceDirectoryResponse(
            files=[
                _attributes(e.name, "Directory" if e.is_folder else "File", e.size, e.modified)
                for e in entries
            ]
        )

    @unary
    async def SearchNamespaceFiles(
        self, request: messages.SearchNamespaceFilesRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchNamespaceFilesResponse:
        paths = await walk_files(self._storage, request.tenant, _namespace_uri(request.namespace, "/"))
        return messages.SearchNamespaceFilesResponse(paths=[path for path in paths if request.q in path])

    @unary
    async def CreateNamespaceFile(
        self, request: messages.CreateNamespaceFileRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        target = _namespace_path(request.namespace, request.path)
        if not is_upload(request.file_content):
            raise _bad("file_content", "must be the URI of an upload (multipart part `fileContent`)")
        async with uploads_cleared(self._storage, request.tenant, {"fileContent": request.file_content}):
            await self._storage.move(request.tenant, request.file_content, target)
        return empty_pb2.Empty()

    @unary
    async def CreateNamespaceDirectory(
        self, request: messages.CreateNamespaceDirectoryRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        await self._storage.make_folder(request.tenant, _namespace_path(request.namespace, request.path))
        return empty_pb2.Empty()

    @unary
    async def MoveNamespaceFile(
        self, request: messages.MoveNamespaceFileRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        source = _namespace_uri(request.namespace, getattr(request, "from"))
        await self._storage.move(request.tenant, source, _namespace_path(request.namespace, request.to))
        return empty_pb2.Empty()

    @unary
    async def DeleteNamespaceFile(
        self, request: messages.DeleteNamespaceFileRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        uri = _namespace_uri(request.namespace, request.path)
        if not await self._storage.delete(request.tenant, uri):
            await self._storage.delete_prefix(request.tenant, uri)
        return empty_pb2.Empty()

    async def _execution_file(self, tenant: str, execution_id: str, uri: str) -> str:
        """Return uri when it names a file of the execution (or of its parent); else raise."""
        execution = await find_execution(self._executions, self._repository, tenant, execution_id)
        if not uri:
            raise _bad("path", "a `kestra:///...` URI is required")
        folders = execution_file_folders(
            {"namespace": execution.namespace, "id": execution.flow_id},
            {"id": execution.id},
            from_struct(execution.trigger.variables),
        )
        if not any(path_of(uri).startswith(folder) for folder in folders):
            raise _bad("path", f"{uri} is not a file of the execution {execution.id}")
        return uri


async def _download(
    storage: Storage, tenant: str, uri: str, *, jsonl: bool = False
) -> AsyncIterator[messages.FileChunk]:
    """Yield the file as chunks, the first naming it (empty files send one chunk).

    With jsonl, an Ion file's records as JSON Lines (`<name>.jsonl`), as Kestra offers.
    """
    chunks = await storage.open(tenant, uri)
    filename = path_of(uri).rsplit("/", 1)[1]
    content_type = _OCTET_STREAM
    if jsonl:
        chunks, content_type = json_lines(chunks), "application/x-ndjson"
        filename = filename.rsplit(".", 1)[0] + ".jsonl"
    first: messages.FileChunk | None = messages.FileChunk(filename=filename, content_type=content_type)
    async for data in chunks:
        if first is not None:
            first.data = data
            yield first
            first = None
        else:
            yield messages.FileChunk(data=data)
    if first is not None:
        yield first


def _namespace_uri(namespace: str, path: str) -> str:
    """Return the URI of path (`/a/b.txt` or `a/b.txt`) inside namespace's files."""
    return uri_of(_namespace_path(namespace, path))


def _namespace_path(namespace: str, path: str) -> str:
    """Return the stored path of path (`/a/b.txt` or `a/b.txt`) inside namespace's files."""
    if not namespace:
        raise _bad("namespace", "a namespace is required")
    if not path:
        raise _bad("path", "a path is required")
    relative = path.strip("/")
    folder = namespace_files(namespace)
    return f"{folder}/{relative}" if relative else folder


def _attributes(name: str, kind: str, size: int, modified: datetime | None) -> messages.FileAttributes:
    attributes = messages.FileAttributes(file_name=name, type=kind, size=size)
    if modified is not None:
        attributes.last_modified_time.FromDatetime(modified)
        attributes.creation_time.FromDatetime(modified)
    return attributes


def _bad(field: str, message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, "FILE_REQUEST_INVALID", message, [(field, message)])
