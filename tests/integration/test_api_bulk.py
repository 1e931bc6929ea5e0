"""Deletion, force-run, change of status, the bulk operations and idempotent creation through the real api.

The api, an executor, a worker and the indexer run on the session's NATS with a fresh
PostgreSQL database; the executions' files are on disk under the test's folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from flowmesh.common.v1.state_pb2 import Label, StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import state_name
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from flowmesh.log.v1.log_messages_pb2 import ListLogsRequest
from flowmesh.log.v1.log_service_pb2_grpc import LogServiceStub
from flowmesh.storage import LocalStorage, execution_folder, uri_of
from tests.integration.running import api_channel
from tests.integration.test_api_operations import reason_of
from tests.waiting import eventually

pytestmark = pytest.mark.integration

NAMESPACE = "bulk.ops"
FLOWS = [
    f"""
id: writes
namespace: {NAMESPACE}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: something to delete
  - id: file
    type: io.kestra.plugin.core.storage.Write
    content: some bytes
    extension: .txt
""",
    f"""
id: fails
namespace: {NAMESPACE}
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
""",
    f"""
id: held
namespace: {NAMESPACE}
concurrency:
  limit: 1
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
""",
]
RUNNING = StateType.STATE_TYPE_RUNNING
SLOW = f"""
id: slow
namespace: {NAMESPACE}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: later
"""


@dataclass
class Api:
    executions: ExecutionServiceStub
    logs: LogServiceStub
    storage: LocalStorage

    async def run(self, flow_id: str, *, wait: bool = True) -> str:
        request = messages.CreateExecutionRequest(
            tenant="main", namespace=NAMESPACE, flow_id=flow_id, wait=wait
        )
        return (await self.executions.CreateExecution(request)).id

    async def state(self, execution_id: str) -> str:
        request = messages.GetExecutionRequest(tenant="main", execution_id=execution_id)
        return state_name((await self.executions.GetExecution(request)).state.current)

    async def reaches(self, execution_id: str, wanted: str) -> None:
        async def reached() -> bool:
            return await self.state(execution_id) == wanted

        await eventually(reached, within=20, what=f"{execution_id} is {wanted}")

    async def listed(self, execution_ids: list[str]) -> None:
        """Wait until the repository has indexed each execution as it is now."""

        async def indexed() -> bool:
            query = messages.ListExecutionsRequest(tenant="main", namespace=NAMESPACE, page_size=100)
            found = {
                execution.id: execution.state.current
                for execution in (await self.executions.ListExecutions(query)).executions
            }
            for execution_id in execution_ids:
                request = messages.GetExecutionRequest(tenant="main", execution_id=execution_id)
                if found.get(execution_id) != (await self.executions.GetExecution(request)).state.current:
                    return False
            return True

        await eventually(indexed, within=20, what=f"the repository lists {execution_ids}")


@pytest.fixture
async def api(nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path) -> AsyncIterator[Api]:
    components = ["api", "executor", "worker", "indexer"]
    async with api_channel(nats_server.url, pg_dsn_fresh, tmp_path, components, [*FLOWS, SLOW]) as channel:
        yield Api(ExecutionServiceStub(channel), LogServiceStub(channel), LocalStorage(tmp_path / "storage"))


def refused_ids(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """Return the field violations of a refused bulk operation, by field."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.update({v.field: v.description for v in bad.field_violations})
    return found


async def test_a_deleted_execution_goes_with_its_logs_and_files(api: Api) -> None:
    execution_id = await api.run("writes")
    folder = uri_of(execution_folder(NAMESPACE, "writes", execution_id))
    assert await api.storage.list_folder("main", folder), "the Write task stored a file"
    logs = ListLogsRequest(tenant="main", execution_id=execution_id)

    async def logged() -> bool:
        return bool((await api.logs.ListLogs(logs)).entries)

    await eventually(logged, within=20, what="the indexer has the execution's log lines")
    await api.listed([execution_id])

    await api.executions.DeleteExecution(
        operations.DeleteExecutionRequest(tenant="main", execution_id=execution_id)
    )

    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await api.state(execution_id)
    assert (gone.value.code(), reason_of(gone.value)) == (grpc.StatusCode.NOT_FOUND, "EXECUTION_NOT_FOUND")
    assert not (await api.logs.ListLogs(logs)).entries
    assert not await api.storage.list_folder("main", folder)
    search = messages.ListExecutionsRequest(tenant="main", namespace=NAMESPACE, flow_id="writes")
    assert execution_id not in [e.id for e in (await api.executions.ListExecutions(search)).executions]

    kept = await api.run("writes")
    keeping = operations.DeleteExecutionRequest(
        tenant="main", execution_id=kept, delete_logs=False, delete_storage=False
    )
    await api.executions.DeleteExecution(keeping)
    assert await api.storage.list_folder("main", uri_of(execution_folder(NAMESPACE, "writes", kept)))


async def test_bulk_operations_change_none_when_one_is_refused_then_all(api: Api) -> None:
    paused = await api.run("held", wait=False)
    await api.reaches(paused, "PAUSED")
    queued = await api.run("held", wait=False)
    await api.reaches(queued, "QUEUED")
    failed = await api.run("fails")

    kill = operations.KillExecutionsByIdsRequest(
        tenant="main", execution_ids=[paused, "nope", failed, queued]
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.executions.KillExecutionsByIds(kill)
    assert (refused.value.code(), reason_of(refused.value)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "BULK_INVALID",
    )
    violations = refused_ids(refused.value)
    assert set(violations) == {"execution_ids[1]", "execution_ids[2]"}
    assert violations["execution_ids[1]"].startswith("nope: Execution nope not found")
    assert "already ended" in violations["execution_ids[2]"]
    assert await api.state(paused) == "PAUSED"
    with pytest.raises(grpc.aio.AioRpcError) as deleting_running:
        await api.executions.DeleteExecutionsByIds(
            operations.DeleteExecutionsByIdsRequest(tenant="main", execution_ids=[paused])
        )
    assert "only an ended one is deleted" in refused_ids(deleting_running.value)["execution_ids[0]"]

    labels = [Label(key="team", value="data")]
    labelled = await api.executions.SetExecutionsLabelsByIds(
        operations.SetExecutionsLabelsByIdsRequest(
            tenant="main", executions_id=[paused, failed, paused], execution_labels=labels
        )
    )
    assert labelled.total_items == 2
    assert labelled.operation_id

    killed = await api.executions.KillExecutionsByIds(
        operations.KillExecutionsByIdsRequest(tenant="main", execution_ids=[paused, queued])
    )
    assert killed.total_items == 2
    for execution_id in (paused, queued):
        await api.reaches(execution_id, "KILLED")
    found = await api.executions.GetExecution(
        messages.GetExecutionRequest(tenant="main", execution_id=paused)
    )
    assert [(label.key, label.value) for label in found.labels][-1] == ("team", "data")

    restarted = await api.executions.RestartExecutionsByIds(
        operations.RestartExecutionsByIdsRequest(tenant="main", execution_ids=[failed])
    )
    assert restarted.total_items == 1

    async def failed_twice() -> bool:
        request = messages.GetExecutionRequest(tenant="main", execution_id=failed)
        execution = await api.executions.GetExecution(request)
        return state_name(execution.state.current) == "FAILED" and len(execution.task_runs[0].attempts) == 2

    await eventually(failed_twice, within=20, what="the restarted execution fails again")


async def test_the_status_of_an_ended_execution_changes_and_nothing_else(api: Api) -> None:
    failed = await api.run("fails")
    changed = await api.executions.ChangeExecutionStatus(
        operations.ChangeExecutionStatusRequest(
            tenant="main", execution_id=failed, status=StateType.STATE_TYPE_SUCCESS
        )
    )
    assert state_name(changed.state.current) == "SUCCESS"
    await api.reaches(failed, "SUCCESS")
    execution = await api.executions.GetExecution(
        messages.GetExecutionRequest(tenant="main", execution_id=failed)
    )
    assert state_name(execution.task_runs[0].state.current) == "FAILED"
    assert [state_name(h.state) for h in execution.state.histories][-2:] == ["FAILED", "SUCCESS"]

    paused = await api.run("held", wait=False)
    await api.reaches(paused, "PAUSED")
    cases = [
        (failed, StateType.STATE_TYPE_RUNNING, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_STATE"),
        (
            failed,
            StateType.STATE_TYPE_SUCCESS,
            grpc.StatusCode.FAILED_PRECONDITION,
            "EXECUTION_STATE_UNCHANGED",
        ),
        (paused, StateType.STATE_TYPE_FAILED, grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_ENDED"),
    ]
    for execution_id, status, code, reason in cases:
        request = operations.ChangeExecutionStatusRequest(
            tenant="main", execution_id=execution_id, status=status
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await api.executions.ChangeExecutionStatus(request)
        assert (refused.value.code(), reason_of(refused.value)) == (code, reason)

    await api.listed([failed])
    by_query = operations.ChangeExecutionsStatusByQueryRequest(
        tenant="main",
        query=messages.ListExecutionsRequest(namespace=NAMESPACE, flow_id="fails"),
        new_status=StateType.STATE_TYPE_WARNING,
    )
    assert (await api.executions.ChangeExecutionsStatusByQuery(by_query)).total_items == 1
    await api.reaches(failed, "WARNING")
    await api.executions.KillExecution(messages.KillExecutionRequest(tenant="main", execution_id=paused))


async def test_force_run_takes_a_queued_execution_past_the_limit_and_resumes_a_paused_one(api: Api) -> None:
    first = await api.run("held", wait=False)
    await api.reaches(first, "PAUSED")
    second = await api.run("held", wait=False)
    await api.reaches(second, "QUEUED")

    forced = await api.executions.ForceRunExecution(
        operations.ForceRunExecutionRequest(tenant="main", execution_id=second)
    )
    assert state_name(forced.state.current) == "QUEUED"
    await api.reaches(second, "PAUSED")

    await api.listed([first, second])
    by_query = operations.ForceRunExecutionsByQueryRequest(
        tenant="main",
        query=messages.ListExecutionsRequest(
            namespace=NAMESPACE, flow_id="held", states=[StateType.STATE_TYPE_PAUSED]
        ),
    )
    assert (await api.executions.ForceRunExecutionsByQuery(by_query)).total_items == 2
    for execution_id in (first, second):
        await api.reaches(execution_id, "SUCCESS")

    with pytest.raises(grpc.aio.AioRpcError) as ended:
        await api.executions.ForceRunExecution(
            operations.ForceRunExecutionRequest(tenant="main", execution_id=first)
        )
    assert reason_of(ended.value) == "EXECUTION_ENDED"


async def test_the_same_request_id_answers_with_the_execution_it_created_first(api: Api) -> None:
    def create(request_id: str, *, wait: bool = False) -> messages.CreateExecutionRequest:
        return messages.CreateExecutionRequest(
            tenant="main", namespace=NAMESPACE, flow_id="fails", request_id=request_id, wait=wait
        )

    at_once = await asyncio.gather(*(api.executions.CreateExecution(create("once")) for _ in range(4)))
    assert len({execution.id for execution in at_once}) == 1
    (execution_id,) = {execution.id for execution in at_once}
    again = await api.executions.CreateExecution(create("once", wait=True))
    assert (again.id, state_name(again.state.current)) == (execution_id, "FAILED")
    other = await api.executions.CreateExecution(create("another"))
    assert other.id != execution_id
    without = [await api.run("fails", wait=False) for _ in range(2)]
    assert len(set(without)) == 2
    await api.listed([execution_id, other.id, *without])
    search = messages.ListExecutionsRequest(tenant="main", namespace=NAMESPACE, flow_id="fails")
    assert (await api.executions.ListExecutions(search)).total_size == 4


async def test_a_paused_execution_finishes_what_runs_and_starts_nothing_until_resumed(api: Api) -> None:
    execution_id = await api.run("slow", wait=False)
    get = messages.GetExecutionRequest(tenant="main", execution_id=execution_id)

    async def napping() -> bool:
        execution = await api.executions.GetExecution(get)
        return [state_name(run.state.current) for run in execution.task_runs] == ["RUNNING"]

    await eventually(napping, within=20, what="the Sleep task runs")
    pause = operations.PauseExecutionRequest(tenant="main", execution_id=execution_id)
    assert state_name((await api.executions.PauseExecution(pause)).state.current) == "RUNNING"
    await api.reaches(execution_id, "PAUSED")

    async def napped() -> bool:
        execution = await api.executions.GetExecution(get)
        return state_name(execution.task_runs[0].state.current) == "SUCCESS"

    await eventually(napped, within=20, what="the Sleep task ends while paused")
    held = await api.executions.GetExecution(get)
    assert [run.task_id for run in held.task_runs] == ["nap"]
    assert state_name(held.state.current) == "PAUSED"
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await api.executions.PauseExecution(pause)
    assert reason_of(again.value) == "EXECUTION_NOT_RUNNING"

    resume = messages.ResumeExecutionRequest(tenant="main", execution_id=execution_id)
    await api.executions.ResumeExecution(resume)
    await api.reaches(execution_id, "SUCCESS")
    ended = await api.executions.GetExecution(get)
    assert [run.task_id for run in ended.task_runs] == ["nap", "after"]
    refused = operations.PauseExecutionsByIdsRequest(tenant="main", execution_ids=[execution_id])
    with pytest.raises(grpc.aio.AioRpcError) as ended_already:
        await api.executions.PauseExecutionsByIds(refused)
    assert "only a RUNNING one pauses" in refused_ids(ended_already.value)["execution_ids[0]"]
