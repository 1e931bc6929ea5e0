"""Unqueue through the gateway: Kestra's path, the state as a query parameter, Kestra's statuses."""

from __future__ import annotations

import grpc
import httpx
from gateway_fakes import Failure, FakeApi

from flowmesh.common.v1.state_pb2 import StateType

UNQUEUE = "/api/v1/main/executions/exec1/actions/unqueue"


async def test_unqueue_passes_the_state_by_its_kestra_name(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(UNQUEUE, params={"state": "RUNNING"})

    assert answer.status_code == 200
    assert answer.json()["id"] == "exec1"
    request = fake_api.last("UnqueueExecution")
    assert (request.tenant, request.execution_id, request.state) == (
        "main",
        "exec1",
        StateType.STATE_TYPE_RUNNING,
    )


async def test_unqueue_of_an_execution_not_queued_is_a_conflict(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    fake_api.fail_next(
        "UnqueueExecution", Failure(grpc.StatusCode.FAILED_PRECONDITION, "no", "EXECUTION_NOT_QUEUED")
    )

    answer = await client.post(UNQUEUE, params={"state": "RUNNING"})

    assert answer.status_code == 409
    assert answer.json()["reason"] == "EXECUTION_NOT_QUEUED"


async def test_an_unknown_state_is_refused_by_the_gateway(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(UNQUEUE, params={"state": "SOMEWHERE"})

    assert answer.status_code == 400
    assert not [name for name, _ in fake_api.requests if name == "UnqueueExecution"]
