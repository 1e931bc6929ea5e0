"""The client against a real gRPC server in this process: token, deadline, TLS, error details."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import pytest
import trustme

from flowmesh.client import AUTHORIZATION, Client, problem_of
from flowmesh.common.v1.state_pb2 import State, StateType
from flowmesh.execution.v1 import execution_messages_pb2 as execution_messages
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.execution.v1.execution_service_pb2_grpc import (
    ExecutionServiceServicer,
    add_ExecutionServiceServicer_to_server,
)
from flowmesh.flow.v1 import flow_messages_pb2 as messages
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceServicer, add_FlowServiceServicer_to_server
from flowmesh.rpc import ApiError


@dataclass
class Seen:
    """What the server saw of each call: its metadata and the time it had left."""

    metadata: list[dict[str, str]] = field(default_factory=list)
    remaining: list[float | None] = field(default_factory=list)


class Flows(FlowServiceServicer):
    """Two pages of flows; GetFlow of `missing` fails as the api does."""

    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    def ListFlows(  # noqa: N802
        self, request: messages.ListFlowsRequest, context: grpc.ServicerContext
    ) -> messages.ListFlowsResponse:
        self._record(context)
        if request.page_token:
            return messages.ListFlowsResponse(flows=[Flow(namespace=request.namespace, id="second")])
        return messages.ListFlowsResponse(
            flows=[Flow(namespace=request.namespace, id="first")], next_page_token="1"
        )

    def GetFlow(self, request: messages.GetFlowRequest, context: grpc.ServicerContext) -> Flow:  # noqa: N802
        self._record(context)
        if request.id == "missing":
            context.abort_with_status(
                ApiError(grpc.StatusCode.NOT_FOUND, "FLOW_NOT_FOUND", "no such flow").to_status()
            )
        if request.id == "bad":
            error = ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "FLOW_INVALID",
                "bad flow",
                [("source", "tasks[0].type: unknown")],
            )
            context.abort_with_status(error.to_status())
        return Flow(namespace=request.namespace, id=request.id, revision=3)

    def _record(self, context: grpc.ServicerContext) -> None:
        self.seen.metadata.append(dict(context.invocation_metadata()))
        self.seen.remaining.append(context.time_remaining())


class Executions(ExecutionServiceServicer):
    """FollowExecution streams RUNNING then SUCCESS."""

    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    def FollowExecution(  # noqa: N802
        self, request: execution_messages.FollowExecutionRequest, context: grpc.ServicerContext
    ) -> Iterator[Execution]:
        self.seen.metadata.append(dict(context.invocation_metadata()))
        self.seen.remaining.append(context.time_remaining())
        for state in (StateType.STATE_TYPE_RUNNING, StateType.STATE_TYPE_SUCCESS):
            yield Execution(id=request.execution_id, state=State(current=state))


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def serve(seen: Seen, credentials: grpc.ServerCredentials | None = None) -> tuple[grpc.Server, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    add_FlowServiceServicer_to_server(Flows(seen), server)
    add_ExecutionServiceServicer_to_server(Executions(seen), server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, f"127.0.0.1:{port}"


@pytest.fixture
def plain() -> Iterator[tuple[Seen, str]]:
    seen = Seen()
    server, address = serve(seen)
    yield seen, address
    server.stop(None)


def test_calls_carry_the_token_as_a_bearer_and_the_default_deadline(plain: tuple[Seen, str]) -> None:
    seen, address = plain
    with Client(address, token="s3cret", deadline=7.0) as client:
        flow = client.get_flow("demo", "hello")

    assert flow is not None
    assert flow.revision == 3
    assert seen.metadata[0][AUTHORIZATION] == "Bearer s3cret"
    remaining = seen.remaining[0]
    assert remaining is not None
    # The server's reckoning of the client's 7 s may round a few ms over it.
    assert 5.0 < remaining <= 7.1


def test_without_a_token_no_authorization_is_sent_and_a_call_may_set_its_own_deadline(
    plain: tuple[Seen, str],
) -> None:
    seen, address = plain
    with Client(address, deadline=7.0) as client:
        client.flows.GetFlow(messages.GetFlowRequest(tenant="main", namespace="demo", id="x"), timeout=60)

    assert AUTHORIZATION not in seen.metadata[0]
    remaining = seen.remaining[0]
    assert remaining is not None
    assert remaining > 50


def test_a_streamed_answer_gets_no_default_deadline_and_wait_returns_the_last_state(
    plain: tuple[Seen, str],
) -> None:
    seen, address = plain
    with Client(address, token="s3cret", deadline=7.0) as client:
        ended = client.wait_execution("ex1")

    assert ended.state.current == StateType.STATE_TYPE_SUCCESS
    assert seen.metadata[0][AUTHORIZATION] == "Bearer s3cret"
    # gRPC reports a call without a deadline as having (nearly) forever left.
    remaining = seen.remaining[0]
    assert remaining is None or remaining > 3600


def test_list_flows_reads_every_page(plain: tuple[Seen, str]) -> None:
    _, address = plain
    with Client(address) as client:
        assert [flow.id for flow in client.list_flows("demo")] == ["first", "second"]


def test_a_missing_flow_is_none_and_other_errors_carry_their_reason_and_field_violations(
    plain: tuple[Seen, str],
) -> None:
    _, address = plain
    with Client(address) as client:
        assert client.get_flow("demo", "missing") is None
        with pytest.raises(grpc.RpcError) as raised:
            client.get_flow("demo", "bad")

    problem = problem_of(raised.value)
    assert problem.code == grpc.StatusCode.INVALID_ARGUMENT
    assert problem.reason == "FLOW_INVALID"
    assert problem.violations == [("source", "tasks[0].type: unknown")]
    assert str(problem) == "INVALID_ARGUMENT (FLOW_INVALID): bad flow\n  source: tasks[0].type: unknown"


def test_tls_with_the_servers_ca(ca: trustme.CA) -> None:
    issued = ca.issue_cert("127.0.0.1")
    credentials = grpc.ssl_server_credentials(
        [(issued.private_key_pem.bytes(), b"".join(blob.bytes() for blob in issued.cert_chain_pems))]
    )
    seen = Seen()
    server, address = serve(seen, credentials)
    try:
        with Client(address, token="t", root_certificates=ca.cert_pem.bytes()) as client:
            assert [flow.id for flow in client.list_flows("demo")] == ["first", "second"]
        assert seen.metadata[0][AUTHORIZATION] == "Bearer t"
        # The same server refuses a client that does not speak TLS.
        with Client(address, deadline=5) as client, pytest.raises(grpc.RpcError) as raised:
            list(client.list_flows("demo"))
        assert problem_of(raised.value).code == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(None)
