"""Kill through the gateway: Kestra's path and its older alias, Kestra's statuses."""

from __future__ import annotations

import grpc
import httpx
import pytest
from gateway_fakes import Failure, FakeApi

KILL = "/api/v1/main/executions/exec1/actions/kill"
OLD_KILL = "/api/v1/main/executions/exec1/kill"


@pytest.mark.parametrize("path", [KILL, OLD_KILL])
async def test_kill_answers_the_execution(client: httpx.AsyncClient, fake_api: FakeApi, path: str) -> None:
    answer = await client.delete(path)

    assert answer.status_code == 200
    assert answer.json()["id"] == "exec1"
    assert answer.json()["state"]["current"] == "RUNNING"
    request = fake_api.last("KillExecution")
    assert (request.tenant, request.execution_id) == ("main", "exec1")


@pytest.mark.parametrize(
    ("code", "reason", "http_status"),
    [
        (grpc.StatusCode.NOT_FOUND, "EXECUTION_NOT_FOUND", 404),
        (grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_ENDED", 409),
    ],
)
async def test_kill_refusals_have_kestra_statuses(
    client: httpx.AsyncClient, fake_api: FakeApi, code: grpc.StatusCode, reason: str, http_status: int
) -> None:
    fake_api.fail_next("KillExecution", Failure(code, "no", reason))

    answer = await client.delete(KILL)

    assert answer.status_code == http_status
    assert answer.json()["reason"] == reason


async def test_openapi_documents_kestras_kill_path_and_the_older_one(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert paths["/api/v1/{tenant}/executions/{executionId}/actions/kill"]["delete"]["operationId"] == (
        "KillExecution"
    )
    # The additional binding is an operation of its own, answering the same.
    older = paths["/api/v1/{tenant}/executions/{executionId}/kill"]["delete"]
    assert older["operationId"] == "KillExecution2"
    assert older["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["state"]
