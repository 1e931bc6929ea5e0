from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any

import aioboto3
from botocore.exceptions import ClientError

from flowmesh.storage._errors import StorageError, StoredFileNotFound
from flowmesh.storage._paths import check_move, check_segment, path_of, segments, uri_of
from flowmesh.storage._protocol import CHUNK_SIZE, Entry, FileMetas

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import ObjectIdentifierTypeDef

# S3 refuses multipart parts under 5 MiB (but the last); smaller streams go in one request.
PART_SIZE = 8 * 1024 * 1024
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys


class S3Storage:
    """Files in an S3 (or S3-compatible) bucket: key `<prefix>/<tenant>/<path>`.

    Streams go up as multipart uploads of PART_SIZE parts, so a big file is never held
    whole; an upload that fails midway is aborted and leaves no object. One client is
    opened on first use and kept until close().
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._session = aioboto3.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self._endpoint_url = endpoint_url
        self._client: S3Client | None = None
        self._exits = contextlib.AsyncExitStack()
        self._opening = asyncio.Lock()

    async def put(self, tenant: str, path: str, data: bytes) -> str:
        client = await self._s3()
        await client.put_object(Bucket=self.bucket, Key=self._key(tenant, path), Body=data)
        return uri_of(path)

    async def put_stream(self, tenant: str, path: str, chunks: AsyncIterable[bytes]) -> str:
        key = self._key(tenant, path)
        parts = _parts(chunks)
        first = await anext(parts, b"")
        second = await anext(parts, None)
        client = await self._s3()
        if second is None:
            await client.put_object(Bucket=self.bucket, Key=key, Body=first)
            return uri_of(path)
        upload = await client.create_multipart_upload(Bucket=self.bucket, Key=key)
        upload_id = upload["UploadId"]
        try:
            done: list[Any] = []
            number = 0
            async for part in _chain(first, second, parts):
                number += 1
                sent = await client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                done.append({"ETag": sent["ETag"], "PartNumber": number})
            await client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException:
            await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return uri_of(path)

    async def get(self, tenant: str, uri: str) -> bytes:
        return b"".join([chunk async for chunk in await self.open(tenant, uri)])

    async def open(self, tenant: str, uri: str) -> AsyncIterator[bytes]:
        client = await self._s3()
        try:
            answer = await client.get_object(Bucket=self.bucket, Key=self._key(tenant, path_of(uri)))
        except ClientError as error:
            raise _missing(error, uri) from None
        return _body_chunks(answer["Body"])

    async def metas(self, tenant: str, uri: str) -> FileMetas:
        client = await self._s3()
        try:
            head = await client.head_object(Bucket=self.bucket, Key=self._key(tenant, path_of(uri)))
        except ClientError as error:
            raise _missing(error, uri) from None
        return FileMetas(size=head["ContentLength"], modified=head["LastModified"])

    async def exists(self, tenant: str, uri: str) -> bool:
        try:
            await self.metas(tenant, uri)
        except StoredFileNotFound:
            return False
        return True

    async def make_folder(self, tenant: str, path: str) -> str:
        """Put a marker object `<key>/`, as S3 consoles do: S3 has no folders of its own."""
        client = await self._s3()
        await client.put_object(Bucket=self.bucket, Key=self._key(tenant, path) + "/", Body=b"")
        return uri_of(path)

    async def list_folder(self, tenant: str, uri: str) -> list[Entry]:
        folder = self._key(tenant, path_of(uri)) + "/"
        client = await self._s3()
        entries: list[Entry] = []
        async for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder, Delimiter="/"
        ):
            entries.extend(
                Entry(common["Prefix"][len(folder) :].rstrip("/"), is_folder=True)
                for common in page.get("CommonPrefixes", [])
            )
            entries.extend(
                Entry(item["Key"][len(folder) :], False, item["Size"], item["LastModified"])
                for item in page.get("Contents", [])
                if item["Key"] != folder  # the folder's own marker (make_folder)
            )
        return sorted(entries, key=lambda entry: entry.name)

    async def delete(self, tenant: str, uri: str) -> bool:
        if not await self.exists(tenant, uri):
            return False
        client = await self._s3()
        await client.delete_object(Bucket=self.bucket, Key=self._key(tenant, path_of(uri)))
        return True

    async def delete_prefix(self, tenant: str, uri: str) -> int:
        keys = await self._keys_below(self._key(tenant, path_of(uri)) + "/")
        client = await self._s3()
        for start in range(0, len(keys), _DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start : start + _DELETE_BATCH]
            ]
            await client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return sum(1 for key in keys if not key.endswith("/"))  # folder markers are no files

    async def move(self, tenant: str, uri: str, path: str) -> str:
        check_move(path_of(uri), path)
        source, target = self._key(tenant, path_of(uri)), self._key(tenant, path)
        if await self.exists(tenant, uri):
            moves = [(source, target)]
        else:
            below = await self._keys_below(source + "/")
            if not below:
                raise StoredFileNotFound(f"Nothing stored at {uri}")
            moves = [(key, target + key[len(source) :]) for key in below]
        if source == target:  # copied onto itself then deleted, it would be lost
            return uri
        client = await self._s3()
        for old, new in moves:
            await client.copy_object(
                Bucket=self.bucket, Key=new, CopySource={"Bucket": self.bucket, "Key": old}
            )
            await client.delete_object(Bucket=self.bucket, Key=old)
        return uri_of(path)

    async def close(self) -> None:
        await self._exits.aclose()
        self._client = None

    async def _s3(self) -> S3Client:
        async with self._opening:
            if self._client is None:
                client = self._session.client("s3", endpoint_url=self._endpoint_url)
                self._client = await self._exits.enter_async_context(client)
            return self._client

    async def _keys_below(self, folder: str) -> list[str]:
        client = await self._s3()
        keys: list[str] = []
        async for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def _key(self, tenant: str, path: str) -> str:
        check_segment(tenant, tenant)
        return "/".join([*([self.prefix] if self.prefix else []), tenant, *segments(path)])


def _missing(error: ClientError, uri: str) -> StorageError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _NOT_FOUND:
        return StoredFileNotFound(f"No file stored at {uri}")
    return StorageError(f"S3 refused to read {uri}: {code or error}")


async def _parts(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Regroup chunks into parts of PART_SIZE bytes (the last one shorter)."""
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= PART_SIZE:
            yield bytes(pending[:PART_SIZE])
            del pending[:PART_SIZE]
    if pending:
        yield bytes(pending)


async def _chain(first: bytes, second: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    yield second
    async for part in rest:
        yield part


async def _body_chunks(body: Any) -> AsyncIterator[bytes]:
    async with body:
        while chunk := await body.read(CHUNK_SIZE):
            yield chunk
