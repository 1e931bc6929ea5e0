"""Internal storage's behaviour, one suite for both backends (the `storage` fixture): disk and S3 (moto)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from flowmesh.storage import (
    CHUNK_SIZE,
    InvalidStoragePath,
    Storage,
    StoredFileNotFound,
    uri_of,
)
from flowmesh.storage import _s3 as s3_module

pytestmark = pytest.mark.integration


async def _stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _read(storage: Storage, uri: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open("main", uri)])


async def test_a_file_put_is_read_back_whole_and_in_chunks(storage: Storage) -> None:
    uri = await storage.put("main", "/ns/flow/a file.txt", b"one\ntwo\n")

    assert uri == "kestra:///ns/flow/a%20file.txt"
    assert await storage.get("main", uri) == b"one\ntwo\n"
    assert await _read(storage, uri) == b"one\ntwo\n"


async def test_a_stream_is_stored_in_order_and_read_back_in_bounded_chunks(storage: Storage) -> None:
    pieces = [bytes([n]) * (CHUNK_SIZE // 3 + n) for n in range(1, 8)]

    uri = await storage.put_stream("main", "/ns/flow/big.bin", _stream(*pieces))

    chunks = [chunk async for chunk in await storage.open("main", uri)]
    assert b"".join(chunks) == b"".join(pieces)
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    assert (await storage.metas("main", uri)).size == sum(len(piece) for piece in pieces)


async def test_a_stream_over_several_s3_parts_is_stored_whole(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S3's smallest part is 5 MiB: three and a half of them go up as a multipart upload.
    monkeypatch.setattr(s3_module, "PART_SIZE", 5 * 1024 * 1024)
    piece = bytes(range(256)) * 4096  # 1 MiB
    count = 17  # 17 MiB: 3 full parts and a short last one

    uri = await storage.put_stream("main", "/ns/flow/parts.bin", _stream(*[piece] * count))

    assert (await storage.metas("main", uri)).size == len(piece) * count
    assert await storage.get("main", uri) == piece * count


async def test_a_failing_stream_leaves_no_file(storage: Storage) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * 1024
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await storage.put_stream("main", "/ns/flow/half.bin", broken())

    assert not await storage.exists("main", "kestra:///ns/flow/half.bin")
    assert await storage.list_folder("main", "kestra:///ns/flow") == []


async def test_putting_again_replaces_the_file(storage: Storage) -> None:
    await storage.put("main", "/ns/f/file", b"a longer first version")
    uri = await storage.put("main", "/ns/f/file", b"second")

    assert await storage.get("main", uri) == b"second"


async def test_missing_files_raise_not_found_before_any_chunk(storage: Storage) -> None:
    uri = "kestra:///ns/f/none"

    with pytest.raises(StoredFileNotFound):
        await storage.get("main", uri)
    with pytest.raises(StoredFileNotFound):
        await storage.open("main", uri)
    with pytest.raises(StoredFileNotFound):
        await storage.metas("main", uri)
    assert not await storage.exists("main", uri)
    assert not await storage.delete("main", uri)


async def test_tenants_do_not_see_each_others_files(storage: Storage) -> None:
    uri = await storage.put("one", "/ns/file", b"of tenant one")

    assert not await storage.exists("other", uri)
    with pytest.raises(StoredFileNotFound):
        await storage.get("other", uri)


async def test_a_folder_lists_its_files_and_subfolders_by_name(storage: Storage) -> None:
    await storage.put("main", "/ns/_files/b.txt", b"bb")
    await storage.put("main", "/ns/_files/a.txt", b"a")
    await storage.put("main", "/ns/_files/sub/deep/c.txt", b"c")

    entries = await storage.list_folder("main", "kestra:///ns/_files")

    assert [(entry.name, entry.is_folder, entry.size) for entry in entries] == [
        ("a.txt", False, 1),
        ("b.txt", False, 2),
        ("sub", True, 0),
    ]
    assert all(entry.modified is not None for entry in entries if not entry.is_folder)
    assert await storage.list_folder("main", "kestra:///ns/nothing") == []


async def test_delete_removes_one_file_and_delete_prefix_a_whole_folder(storage: Storage) -> None:
    for name in ("a", "b", "sub/c"):
        await storage.put("main", f"/ns/flow/executions/e1/{name}", b"x")
    kept = await storage.put("main", "/ns/flow/executions/e10/a", b"kept")

    assert await storage.delete("main", "kestra:///ns/flow/executions/e1/a")
    assert not await storage.exists("main", "kestra:///ns/flow/executions/e1/a")
    assert await storage.delete_prefix("main", "kestra:///ns/flow/executions/e1") == 2
    assert not await storage.exists("main", "kestra:///ns/flow/executions/e1/sub/c")
    # A prefix is a folder: e1 takes nothing of e10.
    assert await storage.get("main", kept) == b"kept"


async def test_move_renames_a_file_or_a_whole_folder(storage: Storage) -> None:
    source = await storage.put("main", "/ns/_files/old.txt", b"text")
    await storage.put("main", "/ns/_files/dir/one", b"1")
    await storage.put("main", "/ns/_files/dir/two/three", b"3")

    moved = await storage.move("main", source, "/ns/_files/new.txt")
    await storage.move("main", "kestra:///ns/_files/dir", "/ns/_files/renamed")

    assert moved == uri_of("/ns/_files/new.txt")
    assert await storage.get("main", moved) == b"text"
    assert not await storage.exists("main", source)
    assert await storage.get("main", "kestra:///ns/_files/renamed/two/three") == b"3"
    assert [entry.name for entry in await storage.list_folder("main", "kestra:///ns/_files")] == [
        "new.txt",
        "renamed",
    ]
    with pytest.raises(StoredFileNotFound):
        await storage.move("main", "kestra:///ns/_files/none", "/ns/_files/x")


async def test_a_move_onto_itself_keeps_everything_and_one_into_itself_is_refused(storage: Storage) -> None:
    await storage.put("main", "/ns/_files/dir/one", b"1")
    await storage.put("main", "/ns/_files/file.txt", b"f")

    await storage.move("main", "kestra:///ns/_files/dir", "/ns/_files/dir")
    await storage.move("main", "kestra:///ns/_files/file.txt", "/ns/_files/file.txt")
    with pytest.raises(InvalidStoragePath, match="into itself"):
        await storage.move("main", "kestra:///ns/_files/dir", "/ns/_files/dir/inner")

    assert await storage.get("main", "kestra:///ns/_files/dir/one") == b"1"
    assert await storage.get("main", "kestra:///ns/_files/file.txt") == b"f"
    assert [e.name for e in await storage.list_folder("main", "kestra:///ns/_files/dir")] == ["one"]
    with pytest.raises(StoredFileNotFound):
        await storage.move("main", "kestra:///ns/_files/none", "/ns/_files/none")


@pytest.mark.parametrize("uri", ["kestra:///ns/../x", "file:///etc/passwd", "kestra://host/x"])
async def test_uris_that_are_not_internal_storage_or_escape_it_are_refused(
    storage: Storage, uri: str
) -> None:
    with pytest.raises(InvalidStoragePath):
        await storage.get("main", uri)
    with pytest.raises(InvalidStoragePath):
        await storage.list_folder("main", uri)


async def test_an_empty_folder_is_listed_moved_and_deleted_like_any(storage: Storage) -> None:
    uri = await storage.make_folder("main", "/ns/_files/empty/inner")

    assert uri == "kestra:///ns/_files/empty/inner"
    assert [(e.name, e.is_folder) for e in await storage.list_folder("main", "kestra:///ns/_files")] == [
        ("empty", True)
    ]
    assert [
        (e.name, e.is_folder) for e in await storage.list_folder("main", "kestra:///ns/_files/empty")
    ] == [("inner", True)]
    assert await storage.list_folder("main", uri) == []
    await storage.put("main", "/ns/_files/empty/inner/file", b"x")
    assert [e.name for e in await storage.list_folder("main", uri)] == ["file"]

    await storage.move("main", "kestra:///ns/_files/empty", "/ns/_files/full")
    assert await storage.get("main", "kestra:///ns/_files/full/inner/file") == b"x"
    assert await storage.delete_prefix("main", "kestra:///ns/_files/full") == 1
    assert await storage.list_folder("main", "kestra:///ns/_files") == []
