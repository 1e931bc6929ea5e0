"""Restart and replay through the gateway: Kestra 2.0's paths, parameters and statuses."""

from __future__ import annotations

import grpc
import httpx
import pytest
from gateway_fakes import Failure, FakeApi

RESTART = "/api/v1/main/executions/exec1/actions/restart"
REPLAY = "/api/v1/main/executions/exec1/actions/replay"


async def test_restart_answers_the_restarted_execution(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(RESTART)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["id"], body["state"]["current"]) == ("exec1", "RESTARTED")
    assert body["metadata"]["attemptNumber"] == 2
    request = fake_api.last("RestartExecution")
    assert (request.tenant, request.execution_id) == ("main", "exec1")


async def test_replay_takes_the_task_run_and_revision_from_the_query(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(REPLAY, params={"taskRunId": "run1", "revision": 3})

    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["parentId"]) == ("replay1", "exec1")
    request = fake_api.last("ReplayExecution")
    assert (request.execution_id, request.task_run_id, request.revision) == ("exec1", "run1", 3)


async def test_replay_without_parameters_replays_from_the_start(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(REPLAY)

    assert answer.status_code == 200
    request = fake_api.last("ReplayExecution")
    assert (request.task_run_id, request.revision) == ("", 0)


@pytest.mark.parametrize(
    ("rpc", "path", "code", "reason", "http_status"),
    [
        ("RestartExecution", RESTART, grpc.StatusCode.NOT_FOUND, "EXECUTION_NOT_FOUND", 404),
        ("RestartExecution", RESTART, grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_RESTARTABLE", 409),
        ("ReplayExecution", REPLAY, grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_ENDED", 409),
        ("ReplayExecution", REPLAY, grpc.StatusCode.NOT_FOUND, "TASK_RUN_NOT_FOUND", 404),
    ],
)
async def test_refusals_have_kestra_statuses(
    client: httpx.AsyncClient,
    fake_api: FakeApi,
    rpc: str,
    path: str,
    code: grpc.StatusCode,
    reason: str,
    http_status: int,
) -> None:
    fake_api.fail_next(rpc, Failure(code, "no", reason))

    answer = await client.post(path)

    assert answer.status_code == http_status
    assert answer.json()["reason"] == reason


async def test_openapi_documents_kestras_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert "post" in paths["/api/v1/{tenant}/executions/{executionId}/actions/restart"]
    replay = paths["/api/v1/{tenant}/executions/{executionId}/actions/replay"]["post"]
    assert {"taskRunId", "revision"} <= {param["name"] for param in replay["parameters"]}
