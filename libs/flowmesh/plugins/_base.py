from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import TaskRun
from flowmesh.log.v1.log_pb2 import LogEntry
from flowmesh.plugins._kv_access import KeyValues
from flowmesh.plugins._trigger_access import TriggerSwitches

if TYPE_CHECKING:
    from flowmesh.plugins.scripts import ScriptHost

TASK_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
# Kestra's TruthUtils: a condition rendering to anything else is true.
FALSE_VALUES = ("false", "0", "-0", "")

# Parses the raw tasks at a property path: the tasks, and whether none was lost to a violation.
ParseTasks = Callable[[Any, str], tuple[list["Task"], bool]]


def is_true(value: Any) -> bool:
    """Return whether a rendered condition holds, as Kestra's TruthUtils decides."""
    if value is None or value is False:
        return False
    return str(value).strip() not in FALSE_VALUES


# A worker group's name: a NATS subject token, and part of its workers' consumer name.
WORKER_GROUP_PATTERN = r"^[A-Za-z0-9_-]+$"


class WorkerGroup(BaseModel):
    """Kestra's `workerGroup`: the group of workers that runs the task's jobs.

    The key is a group name, or an expression the executor renders into one when
    it creates the job. When no worker of the group runs, the fallback says what
    becomes of the job: WAIT (the default) leaves it in the queue until one starts,
    FAIL fails its attempt, CANCEL cancels it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    fallback: Literal["WAIT", "FAIL", "CANCEL"] | None = None

    @model_validator(mode="after")
    def _a_group_name(self) -> WorkerGroup:
        if "{{" not in self.key and not re.match(WORKER_GROUP_PATTERN, self.key):
            raise ValueError(f"`{self.key}` is not a worker group name (letters, digits, _ and -)")
        return self


def _upper(value: Any) -> Any:
    # Java's Duration.parse takes `PT0.25s` as well as `PT0.25S`.
    return value.upper() if isinstance(value, str) else value


# An ISO-8601 duration (PT5S, P1DT2H), in either case as Java reads it.
IsoDuration = Annotated[timedelta, BeforeValidator(_upper)]


class _Retry(BaseModel):
    """Kestra's AbstractRetry: when a failed attempt is tried again, and how often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    maxAttempt: int | None = Field(default=None, ge=1)  # noqa: N815 - Kestra's property name
    # The name Kestra's current docs use; either may be given.
    maxAttempts: int | None = Field(default=None, ge=1)  # noqa: N815 - Kestra's property name
    maxDuration: IsoDuration | None = None  # noqa: N815 - Kestra's property name
    # A task run that succeeds after a retry ends WARNING.
    warningOnRetry: bool = False  # noqa: N815 - Kestra's property name
    behavior: Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"] = "RETRY_FAILED_TASK"

    @property
    def attempts_limit(self) -> int | None:
        """Return how many attempts at most (maxAttempts, or maxAttempt), None for no limit."""
        return self.maxAttempts if self.maxAttempts is not None else self.maxAttempt


class ConstantRetry(_Retry):
    """Retry after the same `interval` every time."""

    type: Literal["constant"]
    interval: IsoDuration


class ExponentialRetry(_Retry):
    """Retry after `interval` times `delayFactor` (2) to the power of the attempts so far - 1."""

    type: Literal["exponential"]
    interval: IsoDuration
    maxInterval: IsoDuration  # noqa: N815 - Kestra's property name
    delayFactor: float | None = None  # noqa: N815 - Kestra's property name


class RandomRetry(_Retry):
    """Retry after a delay between `minInterval` and `maxInterval`."""

    type: Literal["random"]
    minInterval: IsoDuration  # noqa: N815 - Kestra's property name
    maxInterval: IsoDuration  # noqa: N815 - Kestra's property name

    @model_validator(mode="after")
    def _ordered(self) -> RandomRetry:
        if self.minInterval > self.maxInterval:
            raise ValueError("'minInterval' must be less than 'maxInterval'")
        return self


Retry = Annotated[ConstantRetry | ExponentialRetry | RandomRetry, Field(discriminator="type")]


class Task(BaseModel):
    """Properties every task has. Subclasses add their own and name their types."""

    # Numbers are text where text is expected (`message: 42`), as Kestra's Jackson reads them.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True)

    # The first name is the type's own; the others are Kestra's older aliases.
    type_names: ClassVar[tuple[str, ...]] = ()
    # Properties the executor acts on; workers never see them.
    executor_properties: ClassVar[frozenset[str]] = frozenset(
        {"description", "disabled", "allowFailure", "allowWarning", "runIf", "workerGroup", "retry"}
    )
    # Properties the worker leaves as written: the task renders them itself, with variables
    # only it knows (a script's `{{ workingDir }}`).
    rendered_by_task: ClassVar[frozenset[str]] = frozenset()

    id: str = Field(pattern=TASK_ID_PATTERN, max_length=256)
    type: str
    description: str | None = None
    disabled: bool = False
    # A failure of this task run does not fail its parent: it counts as WARNING.
    allowFailure: bool = False  # noqa: N815 - Kestra's property name
    # A WARNING of this task run (or an allowed failure) counts as SUCCESS.
    allowWarning: bool = False  # noqa: N815 - Kestra's property name
    # Rendered by the executor when the task run is created: falsy skips it.
    runIf: str | bool | None = None  # noqa: N815 - Kestra's property name
    # Rendered and applied by workers, as the task's other properties are.
    logLevel: str | None = None  # noqa: N815 - Kestra's property name
    # Applied by workers: the attempt's log lines go to a file in internal storage (the attempt's
    # logFile) instead of the log stream.
    logToFile: bool = False  # noqa: N815 - Kestra's property name
    workerGroup: WorkerGroup | None = None  # noqa: N815 - Kestra's property name
    # Applied by the executor: a failed attempt is tried again. On a flowable task, it applies to
    # the failed task runs under it that have no retry of their own.
    retry: Retry | None = None
    # Applied by the worker: an attempt running longer fails (task runs that workers run only).
    timeout: IsoDuration | None = None

    @model_validator(mode="after")
    def _retry_and_timeout_on_workers_only(self) -> Task:
        # Pause overrides this rule, by its name.
        if not isinstance(self, RunnableTask | FlowableTask | ExecutableTask) and self.retry is not None:
            raise ValueError(f"`retry` is not supported by flowmesh yet on a {self.type} task")
        if not isinstance(self, RunnableTask) and self.timeout is not None:
            raise ValueError(f"`timeout` is not supported by flowmesh yet on a {self.type} task")
        return self


class TaskFailed(Exception):
    """Raised by a task to fail its attempt with a message the user will read.

    outputs: what the failed attempt still reports (a script's `exitCode`).
    """

    def __init__(self, message: str, outputs: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.outputs = outputs or {}


@dataclass(frozen=True)
class Warned:
    """Returned by a task whose run ends WARNING rather than SUCCESS, with its outputs."""

    outputs: dict[str, Any]


class RunContext(Protocol):
    """What a runnable task can use while it runs on a worker."""

    variables: dict[str, Any]
    # The tenant's KV store (kv.* tasks), and its state store (state.* tasks).
    kv: KeyValues
    states: KeyValues
    # The triggers of the tenant's flows (the Toggle task).
    triggers: TriggerSwitches
    # The directory a WorkingDirectory shares between its children, None outside one: a task
    # that needs a directory then makes a fresh one of its own (see task_directory).
    working_dir: Path | None

    def render(self, value: Any) -> Any:
        """Render the expressions in value against the task run's variables."""
        ...

    def log(self, level: str, message: str) -> None:
        """Write one line to the task run's log."""
        ...

    async def logs(self, execution_id: str) -> list[LogEntry]:
        """Return the log lines of an execution of this tenant stored so far, in their order.

        Raise TaskFailed when execution_id cannot name an execution.
        """
        ...

    async def store(self, name: str, data: bytes) -> str:
        """Store data as the file name of this task run in internal storage; return its URI.

        Raise TaskFailed when the worker has no internal storage.
        """
        ...

    async def store_stream(self, name: str, chunks: AsyncIterator[bytes]) -> str:
        """Store the chunks, in order, as the file name of this task run; return its URI.

        The chunks are written out as they come: a task never needs to hold the whole file.
        Raise TaskFailed when the worker has no internal storage.
        """
        ...

    async def read(self, uri: str) -> bytes:
        """Return the file internal storage holds under uri (a `kestra://` URI) for this tenant.

        Raise TaskFailed when the URI is not internal storage's or names no file.
        """
        ...

    async def size(self, uri: str) -> int:
        """Return the size in bytes of the file internal storage holds under uri, without reading it.

        Raise TaskFailed when the URI is not internal storage's or names no file.
        """
        ...

    async def delete(self, uri: str) -> bool:
        """Delete the file internal storage holds under uri for this tenant; return whether there was one.

        Raise TaskFailed when the URI is not internal storage's.
        """
        ...

    async def purge_execution(self) -> list[str]:
        """Delete every file of internal storage that this execution's task runs wrote; return their URIs."""
        ...

    async def namespace_files(self, namespace: str) -> list[str]:
        """Return the paths of every file of namespace's files (`/scripts/main.py`), sorted.

        Read one with read_namespace_file. Raise TaskFailed when the worker has no storage.
        """
        ...

    async def read_namespace_file(self, namespace: str, path: str) -> bytes:
        """Return the namespace file at path (as namespace_files gives it).

        Raise TaskFailed when the path is bad or names no file.
        """
        ...

    def scripts(self) -> ScriptHost:
        """Return where script tasks run their commands (confined processes, cached venvs).

        Raise TaskFailed when this worker runs no scripts.
        """
        ...


class RunnableTask(Task):
    """A task that a worker runs; it returns its outputs."""

    async def run(self, context: RunContext) -> dict[str, Any] | Warned:
        raise NotImplementedError


class RenderFailed(Exception):
    """An expression a flowable task needed could not be rendered; the message says why."""


class Resolver(Protocol):
    """What a flowable task can ask of the executor while it decides its children.

    Each method returns the terminal state of the branch it runs, or None while
    the branch is still running.
    """

    def sequence(self, tasks: list[Task], errors: list[Task], parent: TaskRun | None) -> StateType | None:
        """Run tasks one after the other under parent, then errors if one failed."""
        ...

    def concurrently(
        self, tasks: list[Task], errors: list[Task], parent: TaskRun | None, limit: int
    ) -> StateType | None:
        """Run tasks side by side under parent (at most limit at once, 0 for no limit)."""
        ...

    def each(
        self,
        tasks: list[Task],
        errors: list[Task],
        parent: TaskRun,
        values: list[str],
        limit: int,
        *,
        together: bool = False,
    ) -> StateType | None:
        """Run tasks once per value, the value on each child task run.

        The values' rounds run side by side, at most limit at once (0 for no
        limit); within a round the tasks run one after the other, or all
        together (each task of each value is then a round of its own).
        """
        ...

    def dependent(
        self, tasks: list[tuple[Task, list[str]]], errors: list[Task], parent: TaskRun, limit: int
    ) -> StateType | None:
        """Run each task once the tasks it depends on (by id) have succeeded."""
        ...

    def iterate(self, tasks: list[Task], parent: TaskRun, iteration: int) -> StateType | None:
        """Run tasks one after the other under parent, their task runs carrying iteration."""
        ...

    def on_one_worker(self, tasks: list[Task], errors: list[Task], parent: TaskRun) -> StateType | None:
        """Return the state of tasks that parent's one job ran on a worker, then run errors if one failed.

        The worker reports each child task run as it goes, then the job's own
        end; errors run as usual after it, task runs the executor sends.
        """
        ...

    def children(self, parent: TaskRun) -> list[TaskRun]:
        """Return the task runs whose parent is parent, in creation order."""
        ...

    @property
    def now(self) -> datetime:
        """The time of the decision being taken."""
        ...

    def started(self, tasks: list[Task], parent: TaskRun) -> bool:
        """Return whether any of tasks already has a task run under parent."""
        ...

    def render(self, run: TaskRun, value: Any) -> Any:
        """Render value against run's variables; raise RenderFailed."""
        ...

    def fail(self, run: TaskRun, message: str) -> StateType:
        """Report why run fails (logged as an ERROR on it); return FAILED."""
        ...

    def set_outputs(self, run: TaskRun, outputs: dict[str, Any]) -> None:
        """Store the outputs of a flowable task run."""
        ...


class ExecutionUpdater(Protocol):
    """What an execution-updating task can change, applied by the executor itself."""

    def render(self, run: TaskRun, value: Any) -> Any:
        """Render value against run's variables; raise RenderFailed."""
        ...

    def labels(self) -> dict[str, str]:
        """Return the execution's labels."""
        ...

    def set_labels(self, labels: dict[str, str]) -> None:
        """Add labels to the execution, replacing the values of keys it has."""
        ...

    def variables(self) -> dict[str, Any]:
        """Return the variables expressions see as `vars`: the flow's, then those set since."""
        ...

    def set_variables(self, variables: dict[str, Any]) -> None:
        """Set execution variables, replacing those of the same names."""
        ...

    def unset_variables(self, names: list[str]) -> None:
        """Remove execution variables."""
        ...

    def exit(self, run: TaskRun, state: StateType) -> None:
        """End the execution in state, run and its parents with it; stop everything else."""
        ...


class ExecutionUpdatingTask(Task):
    """A task the executor applies to the execution itself (Kestra's ExecutionUpdatableTask).

    No worker runs it: its task run is created, applied and ended in the same decision.
    """

    def update(self, updater: ExecutionUpdater, run: TaskRun) -> None:
        """Change the execution through updater; raise TaskFailed or RenderFailed to fail run."""
        raise NotImplementedError


@dataclass(frozen=True)
class SubflowCall:
    """The execution an executable task asks for: which flow, with what (all rendered)."""

    namespace: str
    flow_id: str
    # None for the flow's latest revision.
    revision: int | None
    inputs: dict[str, Any]
    labels: dict[str, str]
    # Whether the execution gets the labels of the one starting it as well.
    inherit_labels: bool
    # Whether the task run waits for the execution's end; if not, it ends once the execution starts.
    wait: bool


class ExecutableTask(Task):
    """A task the executor runs by starting an execution of a flow (Kestra's ExecutableTask).

    Its task run runs until that execution has started (or, when the task waits,
    ended); then ended() says how the task run ends.
    """

    def call(self, render: Callable[[Any], Any]) -> SubflowCall:
        """Return the execution to start; render renders in the task run's context."""
        raise NotImplementedError

    def calls(self, namespace: str, flow_id: str) -> bool:
        """Return whether the task always starts namespace/flow_id (as written, before rendering)."""
        raise NotImplementedError

    def ended(
        self, state: StateType, outputs: dict[str, Any], render: Callable[[Any], Any]
    ) -> tuple[StateType, dict[str, Any]]:
        """Return the task run's state and outputs once the execution ended in state.

        outputs are the execution's flow outputs; render renders in its context.
        Raise RenderFailed to fail the task run.
        """
        raise NotImplementedError


class GroupContext(RunContext, Protocol):
    """What the worker part of a group (GroupOnWorker) can use besides a task's RunContext."""

    async def cached(self) -> bytes | None:
        """Return the file this group task keeps between executions of its flow, None when none."""
        ...

    async def keep_cached(self, data: bytes) -> None:
        """Keep data as the file this group task keeps between executions (see cached)."""
        ...


class GroupOnWorker(BaseModel):
    """What a worker applies of a task whose children it runs together (FlowableTask.worker_part).

    The executor sends one job for the whole group: the worker prepares a
    directory, runs the children one after the other in it, then concludes.
    """

    async def prepare(self, context: GroupContext, directory: Path) -> None:
        """Fill directory before the first child runs."""

    async def conclude(self, context: GroupContext, directory: Path) -> dict[str, Any]:
        """Act on directory once the children have run, failed or not; return the group's outputs."""
        return {}


class BatchLauncher(ExecutableTask):
    """An executable task that starts one execution per batch of a file (Kestra's ForEachItem).

    The batches are the `uris` outputs of the task batches_from() names, run
    before it under the same parent. call() is asked once per batch, its render
    seeing `taskrun.items` (the batch's URI) and `taskrun.iteration` (1-based);
    ended() once per batch. The task run ends once every batch has: FAILED when
    one of them ended FAILED or KILLED, SUCCESS otherwise.
    """

    def batches_from(self) -> str:
        """Return the id of the task whose outputs `uris` list the batches' files."""
        raise NotImplementedError


class FlowableTask(Task):
    """A task whose children the executor schedules; it does no work of its own."""

    # Names of the properties that hold lists of child tasks.
    task_lists: ClassVar[tuple[str, ...]] = ()

    def resolve(self, resolver: Resolver, run: TaskRun) -> StateType | None:
        """Create the next child task runs; return the terminal state once decided."""
        raise NotImplementedError

    def children(self) -> list[Task]:
        """Return every child task, in every list."""
        found: list[Task] = []
        for name in self.task_lists:
            found.extend(getattr(self, name) or [])
        return found

    # For a task a worker runs whole (WorkingDirectory): the model of the properties the worker
    # applies, without its child lists. None: the executor decides the children one by one.
    worker_part: ClassVar[type[GroupOnWorker] | None] = None

    def worker_children(self) -> list[Task]:
        """Return the children a worker runs together, in order (a group's: see worker_part)."""
        return []

    @classmethod
    def parse_children(cls, values: dict[str, Any], path: str, parse: ParseTasks) -> set[str]:
        """Replace the raw child tasks in values by parsed ones.

        Return the properties that lost a task to a violation (already reported).
        """
        incomplete: set[str] = set()
        for name in cls.task_lists:
            if name in values:
                values[name], complete = parse(values[name], f"{path}.{name}")
                if not complete:
                    incomplete.add(name)
        return incomplete
