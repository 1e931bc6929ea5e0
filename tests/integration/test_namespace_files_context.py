"""A task's way to a namespace's files (namespaceFiles) and to a file's size (storage.Size):
JobContext on each storage backend."""

from __future__ import annotations

from typing import Any, cast

import pytest

from flowmesh.plugins import TaskFailed
from flowmesh.queue.v1.queue_pb2 import WorkerJob
from flowmesh.storage import Storage
from flowmesh.worker._context import JobContext

pytestmark = pytest.mark.integration


def _context(storage: Storage) -> JobContext:
    # Namespace files need no broker nor KV store: neither is touched here.
    job = WorkerJob(tenant_id="main", namespace="io.kestra.tests", flow_id="f", execution_id="e1")
    return JobContext(
        cast(Any, None),
        job,
        {},
        "worker-1",
        storage,
        kv=cast(Any, None),
        states=cast(Any, None),
        triggers=cast(Any, None),
    )


async def test_a_task_lists_and_reads_every_file_of_a_namespace(storage: Storage) -> None:
    await storage.put("main", "/io/kestra/tests/_files/main.py", b"print(1)")
    await storage.put("main", "/io/kestra/tests/_files/lib/util/helpers.py", b"X = 1")
    await storage.put("main", "/io/kestra/tests/other/executions/e1/a.txt", b"not a namespace file")
    context = _context(storage)

    paths = await context.namespace_files("io.kestra.tests")

    assert paths == ["/lib/util/helpers.py", "/main.py"]
    assert await context.read_namespace_file("io.kestra.tests", "/lib/util/helpers.py") == b"X = 1"
    assert await context.namespace_files("io.kestra.empty") == []


async def test_bad_or_missing_namespace_files_fail_the_task_with_a_reason(storage: Storage) -> None:
    context = _context(storage)

    with pytest.raises(TaskFailed, match="No file stored"):
        await context.read_namespace_file("io.kestra.tests", "/none.py")
    with pytest.raises(TaskFailed, match="not allowed"):
        await context.read_namespace_file("io.kestra.tests", "/../../secrets")


async def test_a_task_learns_a_file_size_from_storage_without_reading_it(storage: Storage) -> None:
    uri = await storage.put("main", "/io/kestra/tests/f/executions/e1/tasks/t/tr1/a.bin", b"x" * 3000)
    context = _context(storage)

    assert await context.size(uri) == 3000
    with pytest.raises(TaskFailed, match="No file stored"):
        await context.size(f"{uri}.missing")
