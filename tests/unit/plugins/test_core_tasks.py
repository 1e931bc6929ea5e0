"""The core task models, what each one does when run, and the registry of task types."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.plugins import (
    FlowableTask,
    RunnableTask,
    Task,
    TaskFailed,
    _registry,
    is_true,
    task_class,
    task_types,
)
from flowmesh.plugins.core import TASKS, Echo, Fail, Log, OutputValues, Parallel, Return, Sequential, Sleep


class Context:
    def __init__(self, variables: dict[str, Any] | None = None) -> None:
        self.variables = variables or {}
        self.lines: list[tuple[str, str]] = []

    def render(self, value: Any) -> Any:
        return value

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))


def log_task(**properties: Any) -> Log:
    return Log.model_validate({"id": "t", "type": "io.kestra.plugin.core.log.Log", **properties})


# -- runnable tasks -------------------------------------------------------------------------


async def test_log_writes_its_message_at_info_by_default() -> None:
    context = Context()

    outputs = await log_task(message="hello").run(context)

    assert outputs == {}
    assert context.lines == [("INFO", "hello")]


async def test_log_writes_each_message_of_a_list_at_its_level() -> None:
    context = Context()

    await log_task(message=["one", "two"], level="warn").run(context)

    assert context.lines == [("WARN", "one"), ("WARN", "two")]


async def test_log_refuses_an_unknown_level() -> None:
    context = Context()

    with pytest.raises(TaskFailed, match="level: must be one of TRACE, DEBUG, INFO, WARN, ERROR"):
        await log_task(message="hello", level="LOUD").run(context)
    assert context.lines == []


async def test_return_outputs_its_format_as_value() -> None:
    task = Return(id="r", type="io.kestra.plugin.core.debug.Return", format="rendered text")

    assert await task.run(Context()) == {"value": "rendered text"}
    assert await Return(id="r", type="x").run(Context()) == {"value": None}


async def test_output_values_outputs_its_values() -> None:
    task = OutputValues(id="o", type="io.kestra.plugin.core.output.OutputValues", values={"a": 1, "b": [2]})

    assert await task.run(Context()) == {"values": {"a": 1, "b": [2]}}
    assert await OutputValues(id="o", type="x").run(Context()) == {"values": {}}


async def test_fail_without_condition_always_fails_with_its_message() -> None:
    with pytest.raises(TaskFailed, match=r"^Task failure$"):
        await Fail(id="f", type="io.kestra.plugin.core.execution.Fail").run(Context())
    with pytest.raises(TaskFailed, match=r"^custom reason$"):
        await Fail(id="f", type="x", errorMessage="custom reason").run(Context())


@pytest.mark.parametrize("condition", ["true", "1", "yes", "fail", "False ", "TRUE"])
async def test_fail_fails_when_its_condition_is_truthy(condition: str) -> None:
    with pytest.raises(TaskFailed):
        await Fail(id="f", type="x", condition=condition).run(Context())


@pytest.mark.parametrize("condition", ["false", "0", "-0", ""])
async def test_fail_succeeds_when_its_condition_is_falsy_as_kestra_sees_it(condition: str) -> None:
    assert await Fail(id="f", type="x", condition=condition).run(Context()) == {}


async def test_sleep_waits_for_its_iso_duration_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[float] = []
    pause = asyncio.sleep

    async def sleep(delay: float) -> None:
        asked.append(delay)
        await pause(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    task = Sleep.model_validate(
        {"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT1M2.5S"}
    )

    context = Context()

    assert task.duration == timedelta(minutes=1, seconds=2.5)
    assert await task.run(context) == {}
    assert asked == [62.5]
    # Kestra's Sleep logs one line at INFO, which log.Fetch counts among the execution's logs.
    assert context.lines == [("INFO", "Waiting for PT1M2.5S")]


# -- models ---------------------------------------------------------------------------------


def test_task_models_refuse_unknown_properties_and_bad_ids() -> None:
    with pytest.raises(ValidationError) as unknown:
        log_task(message="hi", colour="blue")
    assert unknown.value.errors()[0]["type"] == "extra_forbidden"

    for bad in ("", "has space", "-dash", "dot.ted", "x" * 257):
        with pytest.raises(ValidationError):
            Log(id=bad, type="x", message="hi")
    assert Log(id="A_b-9", type="x", message="hi").id == "A_b-9"


def test_task_models_are_frozen() -> None:
    task = log_task(message="hi")

    with pytest.raises(ValidationError):
        task.message = "changed"  # type: ignore[misc]


def test_numbers_are_text_where_text_is_expected() -> None:
    assert log_task(message=42).message == "42"
    assert Return(id="r", type="x", format=1.5).format == "1.5"


def test_common_properties_have_kestra_defaults() -> None:
    task = log_task(message="hi")

    assert (task.disabled, task.description, task.level) == (False, None, "INFO")
    assert Fail(id="f", type="x").errorMessage == "Task failure"


def test_flowables_list_their_children_from_every_task_list() -> None:
    a, b, c = (log_task(message=name).model_copy(update={"id": name}) for name in "abc")

    sequential = Sequential(id="s", type="x", tasks=[a, b], errors=[c])

    assert sequential.children() == [a, b, c]
    assert Parallel(id="p", type="x", tasks=[a]).children() == [a]


@pytest.mark.parametrize("cls", [Sequential, Parallel])
def test_flowables_need_at_least_one_task(cls: type[FlowableTask]) -> None:
    with pytest.raises(ValidationError):
        cls(id="f", type="x", tasks=[])


def test_parallel_concurrent_is_zero_or_more() -> None:
    a = log_task(message="a")

    assert Parallel(id="p", type="x", tasks=[a]).concurrent == 0
    with pytest.raises(ValidationError):
        Parallel(id="p", type="x", tasks=[a], concurrent=-1)


class RecordingResolver:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def sequence(
        self, tasks: list[Task], errors: list[Task], parent: TaskRun | None
    ) -> StateType.ValueType | None:
        self.calls.append(("sequence", tasks, errors, parent))
        return None

    def concurrently(
        self, tasks: list[Task], errors: list[Task], parent: TaskRun | None, limit: int
    ) -> StateType.ValueType | None:
        self.calls.append(("concurrently", tasks, errors, parent, limit))
        return StateType.STATE_TYPE_SUCCESS


def test_sequential_and_parallel_hand_their_children_to_the_resolver() -> None:
    a, b = log_task(message="a"), log_task(message="b").model_copy(update={"id": "b"})
    run = TaskRun(id="parent")
    resolver = RecordingResolver()

    assert Sequential(id="s", type="x", tasks=[a], errors=[b]).resolve(resolver, run) is None
    state = Parallel(id="p", type="x", tasks=[a, b], concurrent=2).resolve(resolver, run)

    assert state == StateType.STATE_TYPE_SUCCESS
    assert resolver.calls == [("sequence", [a], [b], run), ("concurrently", [a, b], [], run, 2)]


async def test_base_classes_leave_the_work_to_subclasses() -> None:
    with pytest.raises(NotImplementedError):
        await RunnableTask(id="r", type="x").run(Context())
    with pytest.raises(NotImplementedError):
        FlowableTask(id="f", type="x").resolve(RecordingResolver(), TaskRun())


# -- the registry -------------------------------------------------------------------------------


def test_the_core_tasks_are_registered_under_their_names_and_aliases() -> None:
    types = task_types()

    for cls in TASKS:
        assert cls.type_names, cls
        assert cls.type_names[0].startswith("io.kestra.plugin.core."), cls
        for name in cls.type_names:
            assert types[name] is cls
            assert task_class(name) is cls
    assert task_class("io.kestra.core.tasks.log.Log") is Log
    assert task_class("io.kestra.plugin.core.debug.Missing") is None


def test_no_type_name_belongs_to_two_core_tasks() -> None:
    names = [name for cls in TASKS for name in cls.type_names]

    assert len(names) == len(set(names))


class Greet(RunnableTask):
    type_names: ClassVar[tuple[str, ...]] = ("com.example.Greet",)

    async def run(self, context: Any) -> dict[str, Any]:
        return {"greeting": "hi"}


EXTRA_TASKS = [Greet]


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    _registry.task_types.cache_clear()
    yield
    _registry.task_types.cache_clear()


@pytest.mark.usefixtures("fresh_registry")
def test_third_party_task_types_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    core = EntryPoint(name="core", value="flowmesh.plugins.core:TASKS", group=_registry.ENTRY_POINT_GROUP)
    extra = EntryPoint(name="greet", value=f"{__name__}:EXTRA_TASKS", group=_registry.ENTRY_POINT_GROUP)
    groups: list[str] = []

    def entry_points(*, group: str) -> list[EntryPoint]:
        groups.append(group)
        return [core, extra]

    monkeypatch.setattr(_registry, "entry_points", entry_points)

    assert task_class("com.example.Greet") is Greet
    assert task_class("io.kestra.plugin.core.log.Log") is Log
    assert groups == ["flowmesh.tasks"]


def test_the_installed_package_declares_the_core_entry_point() -> None:
    from importlib.metadata import entry_points

    found = {point.name: point for point in entry_points(group="flowmesh.tasks")}

    assert found["core"].load() is TASKS


async def test_echo_logs_its_format_at_its_level() -> None:
    context = Context()
    echo = Echo.model_validate(
        {"id": "t", "type": "io.kestra.plugin.core.debug.Echo", "format": "hi", "level": "WARN"}
    )

    assert await echo.run(context) == {}
    assert context.lines == [("WARN", "hi")]


FALSY: list[Any] = [None, False, "false", "0", "-0", "", " false "]
TRUTHY: list[Any] = [True, "true", "1", "no", 2]


@pytest.mark.parametrize(("value", "expected"), [(v, False) for v in FALSY] + [(v, True) for v in TRUTHY])
def test_conditions_are_true_as_kestra_truth_utils_decide(value: Any, expected: bool) -> None:
    assert is_true(value) is expected
