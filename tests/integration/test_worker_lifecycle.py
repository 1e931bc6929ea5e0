"""A worker's life with the real executor on a nats-server: its group, kills, stopping, dying."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

import pytest
from nats.js.errors import NotFoundError

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import state_name
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.executor import Executor
from flowmesh.log.v1.log_pb2 import Level, LogEntry
from flowmesh.messaging import JOBS_STREAM, LOGS_STREAM, Broker, job_subject, log_subject
from flowmesh.queue.v1.queue_pb2 import ExecutorMessage, KillExecution
from flowmesh.state import ExecutionStore, KilledExecutions, Services
from flowmesh.worker import Worker
from tests.integration.queues import idle
from tests.integration.running import ended, in_state, started
from tests.waiting import eventually

pytestmark = pytest.mark.integration

SUCCESS = StateType.STATE_TYPE_SUCCESS
RUNNING = StateType.STATE_TYPE_RUNNING
KILLED = StateType.STATE_TYPE_KILLED


def napping(seconds: float, flow_id: str = "nap") -> str:
    """Return a flow that sleeps for seconds, then returns."""
    return f"""
id: {flow_id}
namespace: lifecycle
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT{seconds}S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


@pytest.fixture
async def nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    async with EmbeddedNats(tmp_path / "nats") as server:
        yield server


@pytest.fixture
async def broker(nats: EmbeddedNats) -> AsyncIterator[Broker]:
    connected = await Broker.connect(nats.url)
    await connected.ensure_topology()
    yield connected
    await connected.close()


@contextlib.asynccontextmanager
async def serving(*components: Executor | Worker) -> AsyncIterator[None]:
    """Run components until the block ends, then stop them."""
    stopping = asyncio.Event()
    tasks = [asyncio.create_task(component.run(stopping)) for component in components]
    try:
        yield
    finally:
        stopping.set()
        await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.contextmanager
def worker_process(
    folder: Path, nats_url: str, env: Mapping[str, str], *options: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `flowmesh server worker` against nats_url; kill it at the end if it still runs."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FLOWMESH_")}
    environment.update(env)
    log = folder / "worker.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flowmesh.cli",
                "server",
                "worker",
                "--nats-url",
                nats_url,
                "--data-dir",
                str(folder / "data"),
                *options,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


async def task_run_running(broker: Broker, execution_id: str, task_id: str) -> TaskRun:
    """Wait until a worker has reported that it runs task_id; return its task run."""
    store = ExecutionStore(broker)

    async def reported() -> TaskRun | None:
        stored = await store.get(execution_id)
        runs = stored.execution.task_runs if stored else []
        return next((run for run in runs if run.task_id == task_id and run.state.current == RUNNING), None)

    return await eventually(reported, within=15, what=f"{task_id} runs on a worker")


async def kill(broker: Broker, execution_id: str) -> None:
    await broker.to_executor(
        execution_id,
        ExecutorMessage(kill_execution=KillExecution(execution_id=execution_id)),
        msg_id=f"kill:{execution_id}",
    )


def workers(execution: Execution) -> dict[str, list[str]]:
    """Return the workers that ran each task's attempts, by task id."""
    return {run.task_id: [attempt.worker_id for attempt in run.attempts] for run in execution.task_runs}


async def log_lines(broker: Broker, execution_id: str) -> list[LogEntry]:
    """Return the log lines the stream holds for an execution (every one, this execution's only)."""
    try:
        last = await broker.js.get_last_msg(LOGS_STREAM, log_subject(execution_id))
    except NotFoundError:
        return []
    subscription = await broker.js.subscribe(
        log_subject(execution_id), stream=LOGS_STREAM, ordered_consumer=True
    )
    lines = []
    try:
        while True:
            msg = await subscription.next_msg(timeout=5)
            lines.append(LogEntry.FromString(msg.data))
            if msg.metadata.sequence.stream >= (last.seq or 0):
                return lines
    finally:
        await subscription.unsubscribe()


# ---------------------------------------------------------------------------- worker groups

GROUPS = """
id: groups
namespace: lifecycle
tasks:
  - {id: before, type: io.kestra.plugin.core.debug.Return, format: a}
  - {id: on-gpu, type: io.kestra.plugin.core.debug.Return, format: b, workerGroup: {key: gpu}}
  - {id: after, type: io.kestra.plugin.core.debug.Return, format: c}
"""


async def test_a_task_of_a_worker_group_waits_for_a_worker_of_that_group_and_runs_there(
    broker: Broker,
) -> None:
    async with serving(Executor(broker), Worker(broker, worker_id="plain")):
        execution = await started(broker, GROUPS)
        await eventually(
            lambda: broker.js.get_last_msg(JOBS_STREAM, job_subject("gpu")),
            ignore=(NotFoundError,),
            within=15,
            what="the gpu job is queued",
        )
        await eventually(lambda: idle(broker, JOBS_STREAM, "worker-default"), within=10, what="worker idle")

        # The default worker took what it could; the gpu job waits in the stream (Kestra's WAIT).
        waiting = await ExecutionStore(broker).get(execution.id)
        assert waiting is not None
        assert waiting.execution.state.current == RUNNING
        assert [(run.task_id, run.state.current) for run in waiting.execution.task_runs] == [
            ("before", SUCCESS),
            ("on-gpu", StateType.STATE_TYPE_CREATED),
        ]
        assert (await broker.js.get_last_msg(JOBS_STREAM, job_subject("gpu"))).data

        async with serving(Worker(broker, group="gpu", worker_id="gpu-1")):
            done = await ended(broker, execution.id)

    assert done.state.current == SUCCESS
    assert workers(done) == {"before": ["plain"], "on-gpu": ["gpu-1"], "after": ["plain"]}
    assert (
        Level.LEVEL_INFO,
        "No workers are available for worker group 'gpu', waiting for one to be available.",
    ) in [(line.level, line.message) for line in await log_lines(broker, execution.id)]


FALLBACK = """
id: fallback
namespace: lifecycle
tasks:
  - id: on-gpu
    type: io.kestra.plugin.core.debug.Return
    format: b
    workerGroup: {key: gpu, fallback: FALLBACK}
  - {id: after, type: io.kestra.plugin.core.debug.Return, format: c}
"""


@pytest.mark.parametrize(
    ("fallback", "runs", "message"),
    [
        # A failed task run fails the execution; a cancelled one lets the next task run.
        (
            "FAIL",
            [("on-gpu", "FAILED")],
            "No workers are available for worker group 'gpu', failing the task.",
        ),
        (
            "CANCEL",
            [("on-gpu", "CANCELLED"), ("after", "SUCCESS")],
            "No workers are available for worker group 'gpu', canceling the task.",
        ),
    ],
)
async def test_a_task_whose_group_has_no_worker_ends_as_its_fallback_says(
    broker: Broker, fallback: str, runs: list[tuple[str, str]], message: str
) -> None:
    # A worker of the gpu group ran once, and stopped.
    async with serving(Worker(broker, group="gpu")):
        await eventually(lambda: Services(broker).has_worker("gpu"), within=5, what="the gpu worker is seen")
    assert not await Services(broker).has_worker("gpu")
    async with serving(Executor(broker), Worker(broker, worker_id="plain")):
        execution = await started(broker, FALLBACK.replace("FALLBACK", fallback))
        done = await ended(broker, execution.id)

    assert [(run.task_id, state_name(run.state.current)) for run in done.task_runs] == runs
    assert message in [line.message for line in await log_lines(broker, execution.id)]
    if fallback == "FAIL":
        assert done.state.current == StateType.STATE_TYPE_FAILED


# ------------------------------------------------------------------------------- kills


async def test_each_kill_made_while_following_is_heard_once_and_earlier_ones_are_only_known(
    broker: Broker,
) -> None:
    heard: list[str] = []
    killed = KilledExecutions(broker, on_kill=heard.append)
    await killed.record("before")
    stopping = asyncio.Event()
    following = asyncio.create_task(killed.follow(stopping))
    try:

        async def known(execution_id: str) -> bool:
            return execution_id in killed

        await eventually(lambda: known("before"), within=5, what="the earlier kill is known")
        await killed.record("after")
        await eventually(lambda: known("after"), within=5, what="the new kill is known")
        # Killed again (restarted meanwhile): news again.
        await killed.record("after")

        async def heard_twice() -> bool:
            return len(heard) == 2

        await eventually(heard_twice, within=5, what="the second kill is heard")
    finally:
        stopping.set()
        await following

    assert heard == ["after", "after"]


# ------------------------------------------------------------------------- kill while queued


async def test_a_job_queued_behind_a_busy_worker_never_runs_once_its_execution_is_killed(
    broker: Broker,
) -> None:
    """Kestra #19730: a job of an execution killed while it waited is dropped, not run."""
    queued = """
id: queued
namespace: lifecycle
tasks:
  - {id: speak, type: io.kestra.plugin.core.log.Log, message: must never run}
"""
    async with serving(Executor(broker), Worker(broker, concurrency=1, worker_id="busy")):
        busy = await started(broker, napping(60))
        await task_run_running(broker, busy.id, "nap")
        waiting = await started(broker, queued)
        await in_state(broker, waiting.id, RUNNING)
        await kill(broker, waiting.id)
        killed = await in_state(broker, waiting.id, KILLED)

        # Its job is still in the stream, behind the nap: free the worker by killing that too.
        assert (await broker.js.consumer_info(JOBS_STREAM, "worker-default")).num_pending == 1
        await kill(broker, busy.id)
        await eventually(
            lambda: idle(broker, JOBS_STREAM, "worker-default"), within=10, what="both jobs settled"
        )

        assert [line.message for line in await log_lines(broker, waiting.id)] == []
        after = await ExecutionStore(broker).get(waiting.id)
        assert after is not None
        assert after.execution == killed


# ------------------------------------------------------------------------------ stopping


async def test_a_stopping_worker_finishes_its_running_task_and_takes_no_new_job(broker: Broker) -> None:
    async with serving(Executor(broker)):
        stopping = asyncio.Event()
        first = asyncio.create_task(Worker(broker, worker_id="first", grace_period=30).run(stopping))
        execution = await started(broker, napping(1.5))
        await task_run_running(broker, execution.id, "nap")

        stopping.set()
        await asyncio.wait_for(first, timeout=10)

        # The nap ended on the stopping worker; the task after it waits for another one.
        store = ExecutionStore(broker)
        stored = await store.get(execution.id)
        assert stored is not None
        nap = stored.execution.task_runs[0]
        assert (nap.task_id, nap.state.current) == ("nap", SUCCESS)
        assert stored.execution.state.current == RUNNING
        async with serving(Worker(broker, worker_id="second")):
            done = await ended(broker, execution.id)

    assert done.state.current == SUCCESS
    assert workers(done) == {"nap": ["first"], "after": ["second"]}


async def test_on_sigterm_a_worker_finishes_what_ends_within_its_grace_hands_back_the_rest_and_exits_0(
    tmp_path: Path, nats: EmbeddedNats, broker: Broker
) -> None:
    short, long = napping(1.5, "short"), napping(6, "long")
    async with serving(Executor(broker)):
        ids = [
            (await started(broker, source, execution_id=f"{name}-{n}")).id
            for name, source in (("short", short), ("long", long))
            for n in (1, 2)
        ]
        with worker_process(tmp_path, nats.url, {}, "--worker-grace-period", "2.5") as process:
            first = f":{process.pid}"
            for execution_id in ids:
                run = await task_run_running(broker, execution_id, "nap")
                assert run.attempts[-1].worker_id.endswith(first)

            process.send_signal(signal.SIGTERM)
            # Within the grace period and a second or two of winding down, well before the long naps end.
            assert await asyncio.to_thread(process.wait, 5) == 0

        # Handed back, the long naps run at once on the next worker: the same attempt, to its end.
        async with serving(Worker(broker, worker_id="second")):
            done = [await ended(broker, execution_id) for execution_id in ids]

    assert all(execution.state.current == SUCCESS for execution in done)
    short_naps = [workers(execution)["nap"] for execution in done[:2]]
    assert all(len(ran) == 1 and ran[0].endswith(first) for ran in short_naps)
    assert [workers(execution)["nap"] for execution in done[2:]] == [["second"], ["second"]]
    # Both runs' lines are kept: the second's are not taken for duplicates of the first's.
    assert [line.message for line in await log_lines(broker, "long-1")] == [
        "Waiting for PT6S",
        "Handed back to another worker: this worker is stopping",
        "Waiting for PT6S",
    ]


# ------------------------------------------------------------------------------ dying


ACK_WAIT = 2.0


async def nap_of_a_dead_worker(folder: Path, nats: EmbeddedNats, broker: Broker) -> str:
    """Start a 2 s nap, let a worker process take it, SIGKILL the worker mid-task; return the execution id."""
    execution = await started(broker, napping(2))
    env = {"FLOWMESH_WORKER_ACK_WAIT_SECONDS": str(ACK_WAIT)}
    with worker_process(folder, nats.url, env) as process:
        await task_run_running(broker, execution.id, "nap")
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 5)
    return execution.id


async def test_the_job_of_a_worker_killed_mid_task_is_run_by_another_within_the_ack_deadline(
    tmp_path: Path, nats: EmbeddedNats, broker: Broker
) -> None:
    async with serving(Executor(broker)):
        execution_id = await nap_of_a_dead_worker(tmp_path, nats, broker)
        loop = asyncio.get_running_loop()
        died = loop.time()

        async with serving(Worker(broker, ack_wait=ACK_WAIT, worker_id="rescuer")):
            done = await ended(broker, execution_id)
            # Redelivered once the ack deadline passed, then run whole (2 s), and the Return after it.
            assert loop.time() - died < ACK_WAIT + 2 + 3

    assert done.state.current == SUCCESS
    assert workers(done) == {"nap": ["rescuer"], "after": ["rescuer"]}


async def test_the_job_of_a_dead_worker_is_not_run_again_once_its_execution_is_killed(
    tmp_path: Path, nats: EmbeddedNats, broker: Broker
) -> None:
    """Kestra #19730: a kill wins over the resubmission of a dead worker's job."""
    async with serving(Executor(broker)):
        execution_id = await nap_of_a_dead_worker(tmp_path, nats, broker)
        await kill(broker, execution_id)
        killed = await in_state(broker, execution_id, KILLED)

        async with serving(Worker(broker, ack_wait=ACK_WAIT, worker_id="rescuer")):
            await eventually(
                lambda: idle(broker, JOBS_STREAM, "worker-default"),
                within=ACK_WAIT + 5,
                what="the job is dropped",
            )

        after = await ExecutionStore(broker).get(execution_id)
    assert after is not None
    assert after.execution == killed
    # Only the dead worker's line: the nap never started again.
    assert [line.message for line in await log_lines(broker, execution_id)] == ["Waiting for PT2S"]
