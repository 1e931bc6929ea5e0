"""log.Fetch with a fake run context: which lines it keeps, in what order, and the Ion file it writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.plugins import TaskFailed, task_class
from flowmesh.plugins.core import Fetch
from flowmesh.values import ion_loads

NAMESPACE = "io.kestra.tests"
FLOW = "get-log"
AT = datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


def entry(task_id: str, level: str, message: str, **fields: Any) -> LogEntry:
    made = LogEntry(
        id=f"{task_id}:{message}",
        tenant_id="main",
        namespace=fields.pop("namespace", NAMESPACE),
        flow_id=fields.pop("flow_id", FLOW),
        task_id=task_id,
        execution_id=fields.pop("execution_id", "e1"),
        task_run_id=f"run-{task_id}",
        attempt_number=1,
        level=Level.Value(f"LEVEL_{level}"),
        thread="worker-1",
        message=message,
        **fields,
    )
    made.timestamp.FromDatetime(AT)
    return made


LINES = [
    entry("t1", "INFO", "task 1"),
    entry("t1", "DEBUG", "details of t1"),
    entry("t2", "ERROR", "t2 broke"),
    entry("t2", "INFO", "task 2"),
    entry("t3", "WARN", "careful"),
    entry("t3", "TRACE", "every step"),
]


class Context:
    """Logs by execution id, and the files stored, as a worker's context would hold them."""

    def __init__(self, logs: dict[str, list[LogEntry]]) -> None:
        self.variables: dict[str, Any] = {
            "flow": {"namespace": NAMESPACE, "id": FLOW},
            "execution": {"id": "e1"},
        }
        self._logs = logs
        self.asked: list[str] = []
        self.files: dict[str, bytes] = {}

    def render(self, value: Any) -> Any:
        return value

    def log(self, level: str, message: str) -> None:
        raise AssertionError("Fetch writes no log line")

    async def logs(self, execution_id: str) -> list[LogEntry]:
        self.asked.append(execution_id)
        return self._logs.get(execution_id, [])

    async def store(self, name: str, data: bytes) -> str:
        uri = f"kestra:///io/kestra/tests/get-log/executions/e1/tasks/fetch/run-fetch/{name}"
        self.files[uri] = data
        return uri


def fetch(**properties: Any) -> Fetch:
    return Fetch.model_validate({"id": "fetch", "type": "io.kestra.plugin.core.log.Fetch", **properties})


def rows(context: Context, outputs: dict[str, Any]) -> list[dict[str, Any]]:
    text = context.files[outputs["uri"]].decode()
    return [ion_loads(line) for line in text.splitlines()]


async def test_by_default_it_fetches_this_execution_at_info_and_above_in_stored_order() -> None:
    context = Context({"e1": LINES})

    outputs = await fetch().run(context)

    assert context.asked == ["e1"]
    assert outputs["size"] == 4
    assert [row["message"] for row in rows(context, outputs)] == ["task 1", "t2 broke", "task 2", "careful"]


async def test_the_file_has_one_ion_struct_per_line_shaped_as_kestra_log_entries() -> None:
    context = Context({"e1": LINES[:1]})

    outputs = await fetch().run(context)

    assert outputs["uri"].startswith("kestra:///io/kestra/tests/get-log/executions/e1/tasks/fetch/run-fetch/")
    assert outputs["uri"].endswith(".ion")
    text = context.files[outputs["uri"]].decode()
    assert text.endswith("\n")
    assert text.count("\n") == 1
    assert rows(context, outputs) == [
        {
            "tenantId": "main",
            "namespace": NAMESPACE,
            "flowId": FLOW,
            "taskId": "t1",
            "executionId": "e1",
            "taskRunId": "run-t1",
            "attemptNumber": 1,
            "timestamp": AT,
            "level": "INFO",
            "thread": "worker-1",
            "message": "task 1",
            "deleted": False,
        }
    ]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("ERROR", ["t2 broke"]),
        ("WARN", ["t2 broke", "careful"]),
        ("debug", ["task 1", "details of t1", "t2 broke", "task 2", "careful"]),
        ("TRACE", [line.message for line in LINES]),
    ],
)
async def test_level_is_the_lowest_level_fetched(level: str, expected: list[str]) -> None:
    context = Context({"e1": LINES})

    outputs = await fetch(level=level).run(context)

    assert [row["message"] for row in rows(context, outputs)] == expected
    assert outputs["size"] == len(expected)


async def test_tasks_id_keeps_those_tasks_lines_task_after_task() -> None:
    context = Context({"e1": LINES})

    outputs = await fetch(tasksId=["t3", "t1"], level="TRACE").run(context)

    assert [row["message"] for row in rows(context, outputs)] == [
        "careful",
        "every step",
        "task 1",
        "details of t1",
    ]


async def test_tasks_id_may_be_rendered_json_text() -> None:
    context = Context({"e1": LINES})

    outputs = await fetch(tasksId='["t2"]').run(context)

    assert [row["message"] for row in rows(context, outputs)] == ["t2 broke", "task 2"]


async def test_tasks_id_that_is_no_list_of_ids_fails() -> None:
    with pytest.raises(TaskFailed, match="tasksId"):
        await fetch(tasksId="t2").run(Context({"e1": LINES}))


async def test_an_unknown_level_fails_and_names_the_levels() -> None:
    with pytest.raises(TaskFailed, match="level: must be one of TRACE, DEBUG, INFO, WARN, ERROR"):
        await fetch(level="LOUD").run(Context({"e1": LINES}))


async def test_execution_id_fetches_another_execution_of_this_flow() -> None:
    other = [entry("t1", "INFO", "from e2", execution_id="e2")]
    context = Context({"e1": LINES, "e2": other})

    outputs = await fetch(executionId="e2").run(context)

    assert context.asked == ["e2"]
    assert [row["message"] for row in rows(context, outputs)] == ["from e2"]


async def test_lines_of_another_flow_are_fetched_only_when_namespace_and_flow_id_name_it() -> None:
    other = [entry("t1", "INFO", "elsewhere", namespace="company.team", flow_id="other", execution_id="e2")]
    context = Context({"e2": other})

    unnamed = await fetch(executionId="e2").run(context)
    named = await fetch(executionId="e2", namespace="company.team", flowId="other").run(context)

    assert unnamed["size"] == 0
    assert context.files[unnamed["uri"]] == b""
    assert [row["message"] for row in rows(context, named)] == ["elsewhere"]


async def test_an_execution_without_lines_gives_an_empty_file() -> None:
    context = Context({})

    outputs = await fetch().run(context)

    assert outputs["size"] == 0
    assert context.files[outputs["uri"]] == b""


def test_fetch_is_registered_under_kestra_names() -> None:
    assert task_class("io.kestra.plugin.core.log.Fetch") is Fetch
    assert task_class("io.kestra.core.tasks.log.Fetch") is Fetch
