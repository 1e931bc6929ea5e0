"""Execution operations through the real api: what each answers when it cannot apply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.embedded import EmbeddedNats
from flowmesh.engine import state_name
from flowmesh.execution.v1 import execution_messages_pb2 as messages
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from tests.integration.running import api_channel
from tests.waiting import eventually

pytestmark = pytest.mark.integration

FLOWS = {
    "fails": "id: fails\nnamespace: ops\ntasks:\n"
    "  - id: boom\n    type: io.kestra.plugin.core.execution.Fail\n",
    "works": "id: works\nnamespace: ops\ntasks:\n"
    "  - id: fine\n    type: io.kestra.plugin.core.debug.Return\n    format: ok\n",
    "limited": """
id: limited
namespace: ops
concurrency:
  limit: 1
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
""",
    "checked": """
id: checked
namespace: ops
inputs:
  - id: size
    type: INT
checks:
  - condition: "{{ inputs.size < 100 }}"
    message: size must stay under 100
  - condition: "{{ inputs.size != 13 }}"
    message: 13 brings bad luck
    behavior: FAIL_EXECUTION
  - condition: "{{ inputs.size != 7 }}"
    message: seven is only a warning
    behavior: CREATE_EXECUTION
    style: WARNING
tasks:
  - id: fine
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.size }}"
""",
}


@pytest.fixture
async def api(
    nats_server: EmbeddedNats, pg_dsn_fresh: str, tmp_path: Path
) -> AsyncIterator[ExecutionServiceStub]:
    components = ["api", "executor", "worker"]
    async with api_channel(nats_server.url, pg_dsn_fresh, tmp_path, components, FLOWS.values()) as channel:
        yield ExecutionServiceStub(channel)


async def run(api: ExecutionServiceStub, flow_id: str) -> str:
    execution = await api.CreateExecution(
        messages.CreateExecutionRequest(tenant="main", namespace="ops", flow_id=flow_id, wait=True)
    )
    return execution.id


def reason_of(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


async def test_refused_operations_answer_with_a_code_and_a_reason(api: ExecutionServiceStub) -> None:
    succeeded = await run(api, "works")
    cases = [
        (api.RestartExecution(messages.RestartExecutionRequest(tenant="main", execution_id="nope")),
         grpc.StatusCode.NOT_FOUND),
        (api.RestartExecution(messages.RestartExecutionRequest(tenant="main", execution_id=succeeded)),
         grpc.StatusCode.FAILED_PRECONDITION),
        (api.ResumeExecution(messages.ResumeExecutionRequest(tenant="main", execution_id=succeeded)),
         grpc.StatusCode.FAILED_PRECONDITION),
        (api.ReplayExecution(
            messages.ReplayExecutionRequest(tenant="main", execution_id=succeeded, task_run_id="missing")),
         grpc.StatusCode.NOT_FOUND),
    ]  # fmt: skip
    for call, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call
        assert refused.value.code() == code
        assert reason_of(refused.value), "every refusal names a stable reason"


async def test_a_failed_execution_restarts_and_fails_again(api: ExecutionServiceStub) -> None:
    failed = await run(api, "fails")
    restarted = await api.RestartExecution(
        messages.RestartExecutionRequest(tenant="main", execution_id=failed)
    )
    assert state_name(restarted.state.current) == "RESTARTED"

    async def failed_again() -> bool:
        execution = await api.GetExecution(messages.GetExecutionRequest(tenant="main", execution_id=failed))
        return state_name(execution.state.current) == "FAILED" and len(execution.task_runs[0].attempts) == 2

    await eventually(failed_again, within=20, what="the restarted attempt fails")


async def test_checks_block_fail_or_let_an_execution_through(api: ExecutionServiceStub) -> None:
    def request(size: int) -> messages.CreateExecutionRequest:
        inputs = Struct()
        inputs.update({"size": str(size)})
        return messages.CreateExecutionRequest(
            tenant="main", namespace="ops", flow_id="checked", inputs=inputs, wait=True
        )

    with pytest.raises(grpc.aio.AioRpcError) as blocked:
        await api.CreateExecution(request(500))
    assert blocked.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(blocked.value) == "CHECKS_FAILED"
    assert "size must stay under 100" in (blocked.value.details() or "")

    failed = await api.CreateExecution(request(13))
    assert state_name(failed.state.current) == "FAILED"
    assert not failed.task_runs

    for size in (7, 8):
        passed = await api.CreateExecution(request(size))
        assert state_name(passed.state.current) == "SUCCESS"


async def test_a_queued_execution_leaves_the_queue_to_run_or_to_end(api: ExecutionServiceStub) -> None:
    def create() -> Any:
        return api.CreateExecution(
            messages.CreateExecutionRequest(tenant="main", namespace="ops", flow_id="limited")
        )

    def unqueue(execution_id: str, state: StateType) -> Any:
        request = messages.UnqueueExecutionRequest(tenant="main", execution_id=execution_id, state=state)
        return api.UnqueueExecution(request)

    async def state_of(execution_id: str, wanted: str) -> None:
        async def reached() -> bool:
            found = await api.GetExecution(
                messages.GetExecutionRequest(tenant="main", execution_id=execution_id)
            )
            return state_name(found.state.current) == wanted

        await eventually(reached, within=15, what=f"{execution_id} is {wanted}")

    first, second, third = [(await create()).id for _ in range(3)]
    await state_of(first, "PAUSED")
    await state_of(second, "QUEUED")
    await state_of(third, "QUEUED")

    await api.UnqueueExecution(
        messages.UnqueueExecutionRequest(
            tenant="main", execution_id=third, state=StateType.STATE_TYPE_RUNNING
        )
    )
    await state_of(third, "PAUSED")
    await api.UnqueueExecution(
        messages.UnqueueExecutionRequest(
            tenant="main", execution_id=second, state=StateType.STATE_TYPE_CANCELLED
        )
    )
    await state_of(second, "CANCELLED")

    refusals = [
        (first, StateType.STATE_TYPE_RUNNING, grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_QUEUED"),
        (first, StateType.STATE_TYPE_SUCCESS, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_STATE"),
    ]
    for execution_id, state, code, reason in refusals:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await unqueue(execution_id, state)
        assert (refused.value.code(), reason_of(refused.value)) == (code, reason)
    for execution_id in (first, third):
        await api.KillExecution(messages.KillExecutionRequest(tenant="main", execution_id=execution_id))


async def test_a_template_renders_in_the_context_of_an_execution_or_of_one_of_its_task_runs(
    api: ExecutionServiceStub,
) -> None:
    execution_id = await run(api, "works")
    found = await api.GetExecution(messages.GetExecutionRequest(tenant="main", execution_id=execution_id))
    (fine,) = found.task_runs

    def evaluate(template: str, task_run_id: str = "") -> Any:
        request = messages.EvaluateExecutionExpressionRequest(
            tenant="main", execution_id=execution_id, task_run_id=task_run_id, template=template
        )
        return api.EvaluateExecutionExpression(request)

    whole = await evaluate("{{ outputs.fine.value }} of {{ flow.id }} in {{ execution.state }}")
    assert whole.result == "ok of works in SUCCESS"
    in_run = await evaluate("{{ task.id }} {{ taskrun.id }}", fine.id)
    assert in_run.result == f"fine {fine.id}"
    broken = await evaluate("{{ outputs.nope.value }}")
    assert broken.WhichOneof("outcome") == "error"
    assert "nope" in broken.error
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await evaluate("{{ 1 }}", "no-such-run")
    assert reason_of(missing.value) == "TASK_RUN_NOT_FOUND"
