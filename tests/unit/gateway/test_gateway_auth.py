"""The gateway passes credentials on and lets the api decide: it authorizes nothing itself."""

from __future__ import annotations

import grpc
import httpx
from gateway_fakes import Failure, FakeApi

CREDENTIALS = "Bearer fm_0123456789abcdef_a-secret-the-api-checks"


async def test_the_authorization_header_travels_to_the_api_as_metadata(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/executions/exec1", headers={"Authorization": CREDENTIALS})
    assert answer.status_code == 200
    assert fake_api.metadata["GetExecution"]["authorization"] == CREDENTIALS


async def test_a_call_without_credentials_reaches_the_api_without_them(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/executions/exec1")
    assert answer.status_code == 200
    assert "authorization" not in fake_api.metadata["GetExecution"]


async def test_the_api_s_refusals_are_401_and_403_with_their_reason(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    fake_api.fail_next("GetExecution", Failure(grpc.StatusCode.UNAUTHENTICATED, "no", "CREDENTIALS_MISSING"))
    missing = await client.get("/api/v1/main/executions/exec1")
    assert (missing.status_code, missing.json()["reason"]) == (401, "CREDENTIALS_MISSING")
    fake_api.fail_next("GetExecution", Failure(grpc.StatusCode.PERMISSION_DENIED, "no", "PERMISSION_DENIED"))
    denied = await client.get("/api/v1/main/executions/exec1", headers={"Authorization": CREDENTIALS})
    assert (denied.status_code, denied.json()["status"]) == (403, "PERMISSION_DENIED")


async def test_credentials_that_grpc_cannot_carry_are_a_401_not_a_500(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    # gRPC metadata takes printable ASCII only (schemathesis sent such a header: a 500 then).
    headers = {"Authorization": "Basic caf\xe9".encode("latin-1")}
    answer = await client.get("/api/v1/main/executions/exec1", headers=headers)
    assert answer.status_code == 401, answer.text
    assert (answer.json()["reason"], answer.json()["violations"][0]["path"]) == (
        "CREDENTIALS_INVALID",
        "Authorization",
    )
    assert not any(method == "GetExecution" for method, _ in fake_api.requests)
