"""Resume through the gateway: Kestra 2.0's path, onResume inputs as multipart or JSON, statuses."""

from __future__ import annotations

import grpc
import httpx
import pytest
from gateway_fakes import Failure, FakeApi

from flowmesh.values import from_struct

RESUME = "/api/v1/main/executions/exec1/actions/resume"


async def test_resume_takes_multipart_inputs(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(RESUME, files={"asked": (None, "restarted")})

    assert answer.status_code == 200
    assert answer.json()["id"] == "exec1"
    request = fake_api.last("ResumeExecution")
    assert (request.tenant, request.execution_id) == ("main", "exec1")
    assert from_struct(request.inputs) == {"asked": "restarted"}


async def test_resume_takes_json_inputs_or_none(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    assert (await client.post(RESUME, json={"asked": "yes"})).status_code == 200
    assert from_struct(fake_api.last("ResumeExecution").inputs) == {"asked": "yes"}

    assert (await client.post(RESUME)).status_code == 200
    assert from_struct(fake_api.last("ResumeExecution").inputs) == {}


@pytest.mark.parametrize(
    ("code", "reason", "http_status"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, "EXECUTION_NOT_PAUSED", 409),
        (grpc.StatusCode.INVALID_ARGUMENT, "INPUTS_INVALID", 422),
        (grpc.StatusCode.NOT_FOUND, "EXECUTION_NOT_FOUND", 404),
    ],
)
async def test_refusals_have_kestra_statuses(
    client: httpx.AsyncClient, fake_api: FakeApi, code: grpc.StatusCode, reason: str, http_status: int
) -> None:
    fake_api.fail_next("ResumeExecution", Failure(code, "no", reason))

    answer = await client.post(RESUME, json={})

    assert answer.status_code == http_status
    assert answer.json()["reason"] == reason


async def test_openapi_documents_kestras_path(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert "post" in paths["/api/v1/{tenant}/executions/{executionId}/actions/resume"]
