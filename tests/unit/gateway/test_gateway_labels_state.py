"""Set labels and change a task run's state through the gateway: Kestra 2.0's paths, bodies and statuses."""

from __future__ import annotations

import grpc
import httpx
import pytest
from gateway_fakes import Failure, FakeApi, S

LABELS = "/api/v1/main/executions/exec1/actions/labels"
STATE = "/api/v1/main/executions/exec1/actions/state"


async def test_labels_take_a_json_list_and_answer_the_execution(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(
        LABELS, json=[{"key": "team", "value": "data"}, {"key": "env", "value": "prod"}]
    )

    assert answer.status_code == 200
    assert answer.json()["labels"][-2:] == [{"key": "team", "value": "data"}, {"key": "env", "value": "prod"}]
    request = fake_api.last("SetExecutionLabels")
    assert (request.tenant, request.execution_id) == ("main", "exec1")
    assert [(label.key, label.value) for label in request.labels] == [("team", "data"), ("env", "prod")]


async def test_labels_refuse_a_body_that_is_not_a_list(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(LABELS, json={"key": "team", "value": "data"})

    assert answer.status_code == 400
    assert not [name for name, _ in fake_api.requests if name == "SetExecutionLabels"]


async def test_state_takes_kestras_state_names(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(STATE, json={"taskRunId": "run1", "state": "SUCCESS"})

    assert answer.status_code == 200
    assert answer.json()["state"]["current"] == "RESTARTED"
    request = fake_api.last("ChangeTaskRunState")
    assert (request.execution_id, request.task_run_id, request.state) == (
        "exec1",
        "run1",
        S.STATE_TYPE_SUCCESS,
    )


async def test_state_refuses_an_unknown_state_name(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(STATE, json={"taskRunId": "run1", "state": "DONE"})

    assert answer.status_code == 400
    assert "state" in answer.text
    assert not [name for name, _ in fake_api.requests if name == "ChangeTaskRunState"]


@pytest.mark.parametrize(
    ("rpc", "path", "body", "code", "reason", "http_status"),
    [
        ("SetExecutionLabels", LABELS, [], grpc.StatusCode.NOT_FOUND, "EXECUTION_NOT_FOUND", 404),
        ("SetExecutionLabels", LABELS, [], grpc.StatusCode.INVALID_ARGUMENT, "INVALID_LABELS", 422),
        ("ChangeTaskRunState", STATE, {}, grpc.StatusCode.NOT_FOUND, "TASK_RUN_NOT_FOUND", 404),
        ("ChangeTaskRunState", STATE, {}, grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_ENDED", 409),
        ("ChangeTaskRunState", STATE, {}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_STATE", 422),
    ],
)
async def test_refusals_have_kestra_statuses(
    client: httpx.AsyncClient,
    fake_api: FakeApi,
    rpc: str,
    path: str,
    body: object,
    code: grpc.StatusCode,
    reason: str,
    http_status: int,
) -> None:
    fake_api.fail_next(rpc, Failure(code, "no", reason))

    answer = await client.post(path, json=body)

    assert answer.status_code == http_status
    assert answer.json()["reason"] == reason


async def test_openapi_documents_kestras_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert "post" in paths["/api/v1/{tenant}/executions/{executionId}/actions/labels"]
    assert "post" in paths["/api/v1/{tenant}/executions/{executionId}/actions/state"]
