from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from flowmesh.storage._errors import InvalidStoragePath, StoredFileNotFound
from flowmesh.storage._paths import check_move, check_segment, path_of, segments, uri_of
from flowmesh.storage._protocol import CHUNK_SIZE, Entry, FileMetas

_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalStorage:
    """Files on the local disk: `<root>/<tenant>/<path>`, as Kestra's local storage keeps them.

    A file appears whole or not at all (written aside, then renamed), so a task run
    redone after a crash replaces it and a reader never sees half of it. Disk calls run
    in threads: the event loop never waits on the disk.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    async def put(self, tenant: str, path: str, data: bytes) -> str:
        return await self.put_stream(tenant, path, _once(data))

    async def put_stream(self, tenant: str, path: str, chunks: AsyncIterable[bytes]) -> str:
        target = self._file(tenant, path)
        file, aside = await asyncio.to_thread(_aside, target)
        try:
            async for chunk in chunks:
                await asyncio.to_thread(file.write, chunk)
            await asyncio.to_thread(_settle, file, aside, target)
        except BaseException:
            file.close()
            aside.unlink(missing_ok=True)
            raise
        return uri_of(path)

    async def get(self, tenant: str, uri: str) -> bytes:
        target = self._file(tenant, path_of(uri))
        try:
            return await asyncio.to_thread(target.read_bytes)
        except _MISSING:
            raise StoredFileNotFound(f"No file stored at {uri}") from None

    async def open(self, tenant: str, uri: str) -> AsyncIterator[bytes]:
        target = self._file(tenant, path_of(uri))
        try:
            file = await asyncio.to_thread(target.open, "rb")
        except _MISSING:
            raise StoredFileNotFound(f"No file stored at {uri}") from None
        return file_chunks(file)

    async def metas(self, tenant: str, uri: str) -> FileMetas:
        target = self._file(tenant, path_of(uri))
        try:
            stat = await asyncio.to_thread(target.stat)
        except _MISSING:
            raise StoredFileNotFound(f"No file stored at {uri}") from None
        if not target.is_file():
            raise StoredFileNotFound(f"No file stored at {uri}")
        return FileMetas(size=stat.st_size, modified=datetime.fromtimestamp(stat.st_mtime, UTC))

    async def exists(self, tenant: str, uri: str) -> bool:
        return await asyncio.to_thread(self._file(tenant, path_of(uri)).is_file)

    async def make_folder(self, tenant: str, path: str) -> str:
        await asyncio.to_thread(self._file(tenant, path).mkdir, parents=True, exist_ok=True)
        return uri_of(path)

    async def list_folder(self, tenant: str, uri: str) -> list[Entry]:
        return await asyncio.to_thread(_entries, self._file(tenant, path_of(uri)))

    async def delete(self, tenant: str, uri: str) -> bool:
        target = self._file(tenant, path_of(uri))
        try:
            await asyncio.to_thread(target.unlink)
        except _MISSING:
            return False
        return True

    async def delete_prefix(self, tenant: str, uri: str) -> int:
        return await asyncio.to_thread(_delete_tree, self._file(tenant, path_of(uri)))

    async def move(self, tenant: str, uri: str, path: str) -> str:
        check_move(path_of(uri), path)
        source, target = self._file(tenant, path_of(uri)), self._file(tenant, path)
        if not await asyncio.to_thread(_move, source, target):
            raise StoredFileNotFound(f"Nothing stored at {uri}")
        return uri_of(path)

    async def close(self) -> None:
        """Hold nothing open: files are opened per call."""

    def _file(self, tenant: str, path: str) -> Path:
        """Return where path of tenant lives; raise InvalidStoragePath when that leaves the root."""
        check_segment(tenant, tenant)
        folder = self.root / tenant
        target = folder.joinpath(*segments(path))
        # Segments are plain already; this catches a symbolic link pointing outside.
        if not target.resolve().is_relative_to(folder.resolve()):
            raise InvalidStoragePath(f"Storage path {path!r} leads outside the storage")
        return target


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def file_chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    """Yield an open file's bytes from where it stands, in chunks read in a thread; close it at the end."""
    try:
        while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
            yield chunk
    finally:
        file.close()


def _aside(target: Path) -> tuple[BinaryIO, Path]:
    """Return a new file beside target (open, and its path), to be renamed onto it once whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, aside = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    return os.fdopen(handle, "wb"), Path(aside)


def _settle(file: BinaryIO, aside: Path, target: Path) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()
    os.replace(aside, target)


def _entries(folder: Path) -> list[Entry]:
    try:
        children = sorted(folder.iterdir())
    except _MISSING:
        return []
    entries = []
    for child in children:
        if child.name.startswith("."):  # a file being written (see _aside)
            continue
        if child.is_dir():
            entries.append(Entry(child.name, is_folder=True))
        else:
            stat = child.stat()
            entries.append(Entry(child.name, False, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return entries


def _delete_tree(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    count = sum(1 for item in folder.rglob("*") if item.is_file())
    shutil.rmtree(folder)
    return count


def _move(source: Path, target: Path) -> bool:
    """Move a file, or merge a folder into target file by file; return whether source existed."""
    if source == target:  # merged into itself, a folder would be deleted
        return source.exists()
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return True
    if not source.is_dir():
        return False
    if not target.exists():  # whole, empty folders included
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return True
    for item in sorted(source.rglob("*")):
        if item.is_file():
            destination = target / item.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, destination)
    shutil.rmtree(source)
    return True
