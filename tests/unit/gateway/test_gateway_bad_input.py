"""Malformed requests the gateway refuses itself: a 400 naming the parameter, never a 500.

Each case is one that schemathesis (tests/e2e/test_schemathesis.py) found answered 500.
"""

from __future__ import annotations

import httpx
import pytest
from gateway_fakes import FakeApi

TRIGGERS_DISABLED = "/api/v1/main/triggers/set-disabled"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("body", ["false", "[1, 2]", '"text"', "42", DEEP])
async def test_a_json_body_that_is_no_object_is_a_400_naming_the_body(
    client: httpx.AsyncClient, fake_api: FakeApi, body: str
) -> None:
    answer = await client.put(TRIGGERS_DISABLED, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["status"] == "INVALID_ARGUMENT"
    assert [violation["path"] for violation in error["violations"]] == ["body"]
    assert fake_api.requests == []


async def test_an_inputs_body_that_is_no_object_is_a_400(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(
        "/api/v1/main/executions/io.test/hello", content="[]", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert [violation["path"] for violation in answer.json()["violations"]] == ["body"]
    assert fake_api.requests == []


async def test_a_body_cannot_name_another_tenant_or_object_than_the_path(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    body = {"taskRunId": "run1", "state": "SUCCESS", "tenant": "acme", "executionId": "other"}
    answer = await client.post("/api/v1/main/executions/exec1/actions/state", json=body)
    assert answer.status_code == 200, answer.text
    request = fake_api.last("ChangeTaskRunState")
    assert (request.tenant, request.execution_id, request.task_run_id) == ("main", "exec1", "run1")
