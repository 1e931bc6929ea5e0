"""Authentication and roles on the real api gRPC server: who may call what, on which namespaces."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, empty_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from structlog.testing import capture_logs

from flowmesh.api import build_api_server
from flowmesh.auth import Credentials
from flowmesh.auth.v1 import auth_messages_pb2 as auth
from flowmesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from flowmesh.execution.v1 import execution_messages_pb2 as executions
from flowmesh.execution.v1 import execution_operations_pb2 as operations
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from flowmesh.flow.v1 import flow_messages_pb2 as flows
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceStub
from flowmesh.kv.v1 import kv_messages_pb2 as kv
from flowmesh.kv.v1.kv_service_pb2_grpc import KvServiceStub
from flowmesh.log.v1 import log_messages_pb2 as logs
from flowmesh.log.v1.log_service_pb2_grpc import LogServiceStub
from flowmesh.namespace.v1 import namespace_messages_pb2 as namespaces
from flowmesh.namespace.v1.namespace_service_pb2_grpc import NamespaceServiceStub
from flowmesh.repository import Repository
from flowmesh.stats.v1 import stats_messages_pb2 as stats
from flowmesh.stats.v1.stats_service_pb2_grpc import StatsServiceStub
from flowmesh.storage import LocalStorage
from flowmesh.trigger.v1 import trigger_messages_pb2 as triggers
from flowmesh.trigger.v1.trigger_pb2 import TriggerRef
from flowmesh.trigger.v1.trigger_service_pb2_grpc import TriggerServiceStub
from tests.integration.running import nats_broker
from tests.waiting import eventually

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "admin-pa55word-never-logged"
PASSWORD = "user-pa55word-never-logged"
Metadata = tuple[tuple[str, str], ...]
UNDECLARED_SERVICE = "flowmesh.tests.v1.UndeclaredService"


def flow(namespace: str, flow_id: str = "hello") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n"
        "  - id: hi\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    )


def basic(user: str, password: str) -> Metadata:
    return (("authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()),)


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


ADMIN = basic("admin", ADMIN_PASSWORD)


@dataclass
class Api:
    channel: grpc.aio.Channel
    undeclared_calls: list[str] = field(default_factory=list)

    @property
    def flows(self) -> FlowServiceStub:
        return FlowServiceStub(self.channel)

    @property
    def executions(self) -> ExecutionServiceStub:
        return ExecutionServiceStub(self.channel)

    @property
    def auth(self) -> AuthServiceStub:
        return AuthServiceStub(self.channel)

    async def user(self, user_id: str, *grants: tuple[int, str]) -> Metadata:
        """Create a user with grants (role, namespace); return its basic credentials."""
        request = auth.CreateUserRequest(
            id=user_id, password=PASSWORD, grants=[auth.Grant(role=r, namespace=n) for r, n in grants]
        )
        await self.auth.CreateUser(request, metadata=ADMIN)
        return basic(user_id, PASSWORD)


def _undeclared_service() -> None:
    """Add to the descriptor pool a service whose method declares no action, as a forgotten one would."""
    pool = descriptor_pool.Default()
    try:
        pool.FindServiceByName(UNDECLARED_SERVICE)
    except KeyError:
        proto = descriptor_pb2.FileDescriptorProto(
            name="flowmesh/tests/v1/undeclared.proto",
            package="flowmesh.tests.v1",
            dependency=[empty_pb2.DESCRIPTOR.name],
            syntax="proto3",
        )
        service = proto.service.add(name="UndeclaredService")
        service.method.add(
            name="Ping", input_type=".google.protobuf.Empty", output_type=".google.protobuf.Empty"
        )
        pool.Add(proto)


@pytest.fixture
async def api(tmp_path: Path, pg_dsn_fresh: str) -> AsyncIterator[Api]:
    _undeclared_service()
    async with nats_broker(tmp_path) as broker:
        repository = await Repository.connect(pg_dsn_fresh)
        await repository.migrate()
        await Credentials(broker).ensure_admin("admin", ADMIN_PASSWORD)
        storage = LocalStorage(tmp_path / "storage")
        server = build_api_server(broker, repository, storage, "127.0.0.1:0", authenticate=True)
        called: list[str] = []

        async def ping(request: empty_pb2.Empty, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
            called.append("Ping")
            return empty_pb2.Empty()

        server.server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    UNDECLARED_SERVICE,
                    {
                        "Ping": grpc.unary_unary_rpc_method_handler(
                            ping,
                            request_deserializer=empty_pb2.Empty.FromString,
                            response_serializer=empty_pb2.Empty.SerializeToString,
                        )
                    },
                ),
            )
        )
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                yield Api(channel, called)
        finally:
            await server.stop(0)
            await repository.close()
            await storage.close()


def refusal(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str]:
    """Return the code and the ErrorInfo reason of a refused call."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return error.code(), info.reason
    return error.code(), ""


async def refused(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return refusal(caught.value)


DENIED = (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_a_call_without_valid_credentials_is_unauthenticated(api: Api) -> None:
    get = flows.ListFlowsRequest(tenant="main", namespace="company")
    assert await refused(api.flows.ListFlows(get)) == (grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING")
    for metadata in (
        basic("admin", "wrong-password"),
        basic("nobody", ADMIN_PASSWORD),
        bearer("fm_0123456789abcdef_not-a-real-secret"),
        bearer("garbage"),
        (("authorization", "Digest abc"),),
        (("authorization", "Basic !!not-base64"),),
    ):
        code, reason = await refused(api.flows.ListFlows(get, metadata=metadata))
        assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_INVALID"), metadata
    assert await api.flows.ListFlows(get, metadata=ADMIN) is not None


async def test_health_and_reflection_need_no_credentials(api: Api) -> None:
    answer = await health_pb2_grpc.HealthStub(api.channel).Check(health_pb2.HealthCheckRequest())
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(api.channel)
    call = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    listed = [service.name async for reply in call for service in reply.list_services_response.service]
    assert "flowmesh.auth.v1.AuthService" in listed


async def test_a_method_that_declares_no_action_is_refused_even_to_an_admin(api: Api) -> None:
    ping = api.channel.unary_unary(
        f"/{UNDECLARED_SERVICE}/Ping",
        request_serializer=empty_pb2.Empty.SerializeToString,
        response_deserializer=empty_pb2.Empty.FromString,
    )
    for metadata in ((), ADMIN):
        code, reason = await refused(ping(empty_pb2.Empty(), metadata=metadata))
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_UNDECLARED")
    assert api.undeclared_calls == []


async def test_a_viewer_reads_its_namespace_and_its_children_and_nothing_else(api: Api) -> None:
    await api.flows.CreateFlow(
        flows.CreateFlowRequest(tenant="main", source=flow("company.team")), metadata=ADMIN
    )
    await api.flows.CreateFlow(flows.CreateFlowRequest(tenant="main", source=flow("other")), metadata=ADMIN)
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))

    got = await api.flows.GetFlow(
        flows.GetFlowRequest(tenant="main", namespace="company.team", id="hello"), metadata=viewer
    )
    assert got.namespace == "company.team"
    listed = await api.flows.ListFlows(
        flows.ListFlowsRequest(tenant="main", namespace="company"), metadata=viewer
    )
    assert listed is not None
    other = flows.GetFlowRequest(tenant="main", namespace="other", id="hello")
    assert await refused(api.flows.GetFlow(other, metadata=viewer)) == DENIED
    # A sibling whose name merely starts the same is another namespace.
    sibling = flows.GetFlowRequest(tenant="main", namespace="companyx", id="hello")
    assert await refused(api.flows.GetFlow(sibling, metadata=viewer)) == DENIED
    # A search over every namespace answers within the caller's namespaces.
    everywhere = flows.ListDistinctNamespacesRequest(tenant="main")
    assert (await api.flows.ListDistinctNamespaces(everywhere, metadata=viewer)).namespaces == [
        "company.team"
    ]
    # Reading is all a viewer does.
    create = flows.CreateFlowRequest(tenant="main", source=flow("company.team", "second"))
    assert await refused(api.flows.CreateFlow(create, metadata=viewer)) == DENIED
    start = executions.CreateExecutionRequest(tenant="main", namespace="company.team", flow_id="hello")
    assert await refused(api.executions.CreateExecution(start, metadata=viewer)) == DENIED


async def test_searches_without_a_namespace_answer_within_the_caller_s_namespaces(api: Api) -> None:
    for namespace in ("company.team", "company.team.sub", "other", "companyx"):
        source = (
            flow(namespace) + "triggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        )
        source += "    cron: '0 0 1 1 *'\n"
        await api.flows.CreateFlow(flows.CreateFlowRequest(tenant="main", source=source), metadata=ADMIN)
    company = await api.user("ana", (auth.ROLE_VIEWER, "company"), (auth.ROLE_EDITOR, "company.team.sub"))
    other = await api.user("bob", (auth.ROLE_EDITOR, "other"))
    nobody = await api.user("eve")
    trigger_stub = TriggerServiceStub(api.channel)
    namespace_stub = NamespaceServiceStub(api.channel)
    stats_stub = StatsServiceStub(api.channel)

    async def seen(metadata: Metadata) -> tuple[list[str], list[str], list[str], list[str]]:
        found = await trigger_stub.SearchTriggers(
            triggers.SearchTriggersRequest(tenant="main"), metadata=metadata
        )
        named = await namespace_stub.SearchNamespaces(
            namespaces.SearchNamespacesRequest(tenant="main"), metadata=metadata
        )
        distinct = await api.flows.ListDistinctNamespaces(
            flows.ListDistinctNamespacesRequest(tenant="main"), metadata=metadata
        )
        executable = await api.executions.ListExecutableNamespaces(
            operations.ListExecutableNamespacesRequest(tenant="main"), metadata=metadata
        )
        return (
            sorted(t.state.namespace for t in found.triggers),
            [n.id for n in named.namespaces],
            list(distinct.namespaces),
            list(executable.namespaces),
        )

    mine = ["company.team", "company.team.sub"]
    # Namespaces above the deployed ones count when the caller may read them.
    assert await seen(company) == (mine, ["company", *mine], mine, mine)
    assert await seen(other) == (["other"], ["other"], ["other"], ["other"])
    assert await seen(nobody) == ([], [], [], [])
    everything = ["company.team", "company.team.sub", "companyx", "other"]
    assert (await seen(ADMIN))[0] == everything
    # Naming a namespace still needs the role there.
    theirs = triggers.SearchTriggersRequest(tenant="main", namespace="other")
    assert await refused(trigger_stub.SearchTriggers(theirs, metadata=company)) == DENIED
    # A search naming another namespace's execution answers as for an unknown one: nothing.
    started = await api.executions.CreateExecution(
        executions.CreateExecutionRequest(tenant="main", namespace="other", flow_id="hello"), metadata=ADMIN
    )
    log_stub = LogServiceStub(api.channel)
    for execution_id in (started.id, "no-such-execution"):
        found = await log_stub.SearchLogs(
            logs.SearchLogsRequest(tenant="main", execution_id=execution_id), metadata=company
        )
        assert (len(found.entries), found.total_size) == (0, 0)
    # Statistics of no namespace: a caller without a role gets empty days, not everyone's.
    daily = await stats_stub.DailyExecutionStatistics(
        stats.DailyExecutionStatisticsRequest(tenant="main"), metadata=nobody
    )
    assert all(not day.execution_counts for day in daily.days)
    # A bulk action by query acts where the caller may do it: ana only reads company.team.
    disabled = await api.flows.DisableFlowsByQuery(
        flows.DisableFlowsByQueryRequest(tenant="main"), metadata=company
    )
    assert disabled.count == 1
    for namespace in everything:
        got = await api.flows.GetFlow(
            flows.GetFlowRequest(tenant="main", namespace=namespace, id="hello"), metadata=ADMIN
        )
        assert ("disabled: true" in got.source) == (namespace == "company.team.sub"), namespace
    # A caller without a role changes nothing.
    nothing = await api.flows.DeleteFlowsByQuery(
        flows.DeleteFlowsByQueryRequest(tenant="main"), metadata=nobody
    )
    assert nothing.count == 0


async def test_an_editor_writes_and_executes_in_its_namespace_only(api: Api) -> None:
    editor = await api.user("editor", (auth.ROLE_EDITOR, "company.team"))
    created = await api.flows.CreateFlow(
        flows.CreateFlowRequest(tenant="main", source=flow("company.team.sub")), metadata=editor
    )
    assert created.namespace == "company.team.sub"
    # The namespace of a flow source is the one it declares.
    parent = flows.CreateFlowRequest(tenant="main", source=flow("company"))
    assert await refused(api.flows.CreateFlow(parent, metadata=editor)) == DENIED
    # An invalid flow of its namespace is answered as the api answers it; one whose
    # namespace cannot be read could be any namespace's.
    invalid = flows.CreateFlowRequest(tenant="main", source=flow("company.team").replace("tasks:", "taks:"))
    code, _ = await refused(api.flows.CreateFlow(invalid, metadata=editor))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    unreadable = flows.CreateFlowRequest(tenant="main", source="id: [")
    assert await refused(api.flows.CreateFlow(unreadable, metadata=editor)) == DENIED
    started = await api.executions.CreateExecution(
        executions.CreateExecutionRequest(tenant="main", namespace="company.team.sub", flow_id="hello"),
        metadata=editor,
    )
    assert started.namespace == "company.team.sub"
    kvs = KvServiceStub(api.channel)
    mine = kv.SetKeyValueRequest(tenant="main", namespace="company.team", key="k", value='"v"')
    await kvs.SetKeyValue(mine, metadata=editor)
    theirs = kv.SetKeyValueRequest(tenant="main", namespace="other", key="k", value='"v"')
    assert await refused(kvs.SetKeyValue(theirs, metadata=editor)) == DENIED
    # Managing users is an admin's.
    assert await refused(api.auth.ListUsers(auth.ListUsersRequest(), metadata=editor)) == DENIED


async def test_a_request_naming_an_execution_is_checked_on_the_execution_s_namespace(api: Api) -> None:
    await api.flows.CreateFlow(
        flows.CreateFlowRequest(tenant="main", source=flow("company.team")), metadata=ADMIN
    )
    execution = await api.executions.CreateExecution(
        executions.CreateExecutionRequest(tenant="main", namespace="company.team", flow_id="hello"),
        metadata=ADMIN,
    )
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
    outsider = await api.user("outsider", (auth.ROLE_ADMIN, "other"))
    get = executions.GetExecutionRequest(tenant="main", execution_id=execution.id)
    assert (await api.executions.GetExecution(get, metadata=viewer)).id == execution.id
    assert await refused(api.executions.GetExecution(get, metadata=outsider)) == DENIED
    kill = executions.KillExecutionRequest(tenant="main", execution_id=execution.id)
    assert await refused(api.executions.KillExecution(kill, metadata=viewer)) == DENIED
    # An unknown execution: a caller with roles on some namespaces learns nothing; an admin of all: NOT_FOUND.
    unknown = executions.GetExecutionRequest(tenant="main", execution_id="no-such-execution")
    assert await refused(api.executions.GetExecution(unknown, metadata=viewer)) == DENIED
    code, _ = await refused(api.executions.GetExecution(unknown, metadata=ADMIN))
    assert code == grpc.StatusCode.NOT_FOUND


async def test_a_bulk_request_needs_the_role_on_every_namespace_it_lists(api: Api) -> None:
    editor = await api.user("editor", (auth.ROLE_EDITOR, "company"))
    stub = TriggerServiceStub(api.channel)
    mine = TriggerRef(namespace="company.team", flow_id="f", trigger_id="t")
    theirs = TriggerRef(namespace="other", flow_id="f", trigger_id="t")
    both = triggers.UnlockTriggersRequest(tenant="main", triggers=[mine, theirs])
    assert await refused(stub.UnlockTriggers(both, metadata=editor)) == DENIED
    # With its own namespace only, the call reaches the api (which knows no such flow).
    only_mine = triggers.UnlockTriggersRequest(tenant="main", triggers=[mine])
    assert (await refused(stub.UnlockTriggers(only_mine, metadata=editor)))[0] == grpc.StatusCode.NOT_FOUND


async def test_another_tenant_is_refused(api: Api) -> None:
    other = flows.ListFlowsRequest(tenant="acme", namespace="company")
    assert await refused(api.flows.ListFlows(other, metadata=ADMIN)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "TENANT_FORBIDDEN",
    )


async def test_a_token_acts_as_its_user_until_revoked(api: Api) -> None:
    await api.flows.CreateFlow(flows.CreateFlowRequest(tenant="main", source=flow("company")), metadata=ADMIN)
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
    made = await api.auth.CreateApiToken(auth.CreateApiTokenRequest(name="ci-token"), metadata=viewer)
    token = bearer(made.full_token)
    get = flows.GetFlowRequest(tenant="main", namespace="company", id="hello")
    assert (await api.flows.GetFlow(get, metadata=token)).id == "hello"
    # The token has the user's roles, no more.
    create = flows.CreateFlowRequest(tenant="main", source=flow("company", "other"))
    assert await refused(api.flows.CreateFlow(create, metadata=token)) == DENIED

    listed = await api.auth.ListApiTokens(auth.ListApiTokensRequest(), metadata=token)
    assert [(t.id, t.name, t.user_id) for t in listed.results] == [(made.id, "ci-token", "viewer")]
    assert made.full_token.startswith(listed.results[0].prefix)
    assert made.full_token not in str(listed)
    assert made.full_token[len(listed.results[0].prefix) :] not in listed.SerializeToString().decode(
        "latin-1"
    )

    await api.auth.DeleteApiToken(auth.DeleteApiTokenRequest(token_id=made.id), metadata=viewer)
    assert await refused(api.flows.GetFlow(get, metadata=token)) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "CREDENTIALS_INVALID",
    )
    assert (await api.auth.ListApiTokens(auth.ListApiTokensRequest(), metadata=viewer)).results == []


async def test_a_user_s_tokens_are_its_own_business_or_an_admin_s(api: Api) -> None:
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
    local_admin = await api.user("local-admin", (auth.ROLE_ADMIN, "company"))
    await api.auth.CreateApiToken(auth.CreateApiTokenRequest(name="mine"), metadata=viewer)
    someone_else = auth.ListApiTokensRequest(user_id="viewer")
    assert await refused(api.auth.ListApiTokens(someone_else, metadata=local_admin)) == DENIED
    assert [t.name for t in (await api.auth.ListApiTokens(someone_else, metadata=ADMIN)).results] == ["mine"]
    # An admin of all namespaces makes a token for a user that has no password.
    await api.auth.CreateUser(
        auth.CreateUserRequest(id="robot", grants=[auth.Grant(role=auth.ROLE_EDITOR, namespace="company")]),
        metadata=ADMIN,
    )
    made = await api.auth.CreateApiToken(
        auth.CreateApiTokenRequest(user_id="robot", name="deploy"), metadata=ADMIN
    )
    created = await api.flows.CreateFlow(
        flows.CreateFlowRequest(tenant="main", source=flow("company")), metadata=bearer(made.full_token)
    )
    assert created.namespace == "company"
    # Deleting a user revokes its tokens.
    await api.auth.DeleteUser(auth.DeleteUserRequest(user_id="robot"), metadata=ADMIN)
    get = flows.GetFlowRequest(tenant="main", namespace="company", id="hello")
    assert (await refused(api.flows.GetFlow(get, metadata=bearer(made.full_token))))[0] == (
        grpc.StatusCode.UNAUTHENTICATED
    )


async def test_bad_users_and_tokens_are_refused_by_field(api: Api) -> None:
    bad = auth.CreateUserRequest(id="no spaces", password="short", grants=[auth.Grant(namespace="bad/ns")])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.auth.CreateUser(bad, metadata=ADMIN)
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    fields = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            fields = {v.field for v in request.field_violations}
    assert fields == {"id", "password", "grants[0].role", "grants[0].namespace"}
    assert "short" not in (caught.value.details() or "")
    name = auth.CreateApiTokenRequest(name="Not Valid")
    assert await refused(api.auth.CreateApiToken(name, metadata=ADMIN)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "TOKEN_NAME_INVALID",
    )
    await api.user("twice")
    assert (await refused(api.auth.CreateUser(auth.CreateUserRequest(id="twice"), metadata=ADMIN)))[0] == (
        grpc.StatusCode.ALREADY_EXISTS
    )


async def test_passwords_and_tokens_never_reach_logs_or_errors(api: Api) -> None:
    seen: list[str] = []

    async def attempt(call: Callable[[], Awaitable[Any]]) -> None:
        try:
            seen.append(str(await call()))
        except grpc.aio.AioRpcError as error:
            seen.append(f"{error.details()} {error.trailing_metadata()}")

    with capture_logs() as logs:
        viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
        made = await api.auth.CreateApiToken(auth.CreateApiTokenRequest(name="ci"), metadata=viewer)
        get = flows.ListFlowsRequest(tenant="main", namespace="company")
        await attempt(lambda: api.flows.ListFlows(get, metadata=bearer(made.full_token)))
        await attempt(lambda: api.flows.ListFlows(get, metadata=bearer(made.full_token + "x")))
        await attempt(lambda: api.flows.ListFlows(get, metadata=basic("viewer", PASSWORD + "x")))
        await attempt(lambda: api.flows.ListFlows(flows.ListFlowsRequest(tenant="main"), metadata=viewer))
        await attempt(lambda: api.auth.ListApiTokens(auth.ListApiTokensRequest(), metadata=viewer))
        await attempt(lambda: api.auth.ListUsers(auth.ListUsersRequest(), metadata=ADMIN))
        await api.auth.DeleteApiToken(auth.DeleteApiTokenRequest(token_id=made.id), metadata=viewer)
        await attempt(lambda: api.flows.ListFlows(get, metadata=bearer(made.full_token)))
    text = repr(logs) + "\n".join(seen)
    assert any(entry["event"] == "api_token_created" for entry in logs)
    assert any(entry["event"] == "call_refused" for entry in logs)
    for secret in (PASSWORD, ADMIN_PASSWORD, made.full_token, made.full_token.split("_", 2)[2]):
        assert secret not in text


async def test_a_user_changes_its_own_password_proving_the_old_one(api: Api) -> None:
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
    get = flows.ListDistinctNamespacesRequest(tenant="main")
    await api.flows.ListDistinctNamespaces(get, metadata=viewer)  # the old password, remembered
    new = "a-new-pa55word-never-logged"
    wrong = auth.UpdateCurrentUserPasswordRequest(old_password="not-the-password", new_password=new)
    assert await refused(api.auth.UpdateCurrentUserPassword(wrong, metadata=viewer)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "PASSWORD_WRONG",
    )
    short = auth.UpdateCurrentUserPasswordRequest(old_password=PASSWORD, new_password="short")
    assert await refused(api.auth.UpdateCurrentUserPassword(short, metadata=viewer)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "PASSWORD_INVALID",
    )
    made = await api.auth.CreateApiToken(auth.CreateApiTokenRequest(name="kept"), metadata=viewer)
    change = auth.UpdateCurrentUserPasswordRequest(old_password=PASSWORD, new_password=new)
    with capture_logs() as logs:
        await api.auth.UpdateCurrentUserPassword(change, metadata=viewer)
    assert new not in repr(logs)
    assert await refused(api.flows.ListDistinctNamespaces(get, metadata=viewer)) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "CREDENTIALS_INVALID",
    )
    await api.flows.ListDistinctNamespaces(get, metadata=basic("viewer", new))
    # Its tokens stay valid; a token-only account has no password to change.
    await api.flows.ListDistinctNamespaces(get, metadata=bearer(made.full_token))
    await api.auth.CreateUser(auth.CreateUserRequest(id="robot"), metadata=ADMIN)
    robot = await api.auth.CreateApiToken(
        auth.CreateApiTokenRequest(user_id="robot", name="r"), metadata=ADMIN
    )
    assert await refused(api.auth.UpdateCurrentUserPassword(change, metadata=bearer(robot.full_token))) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "PASSWORD_NOT_SET",
    )


async def test_a_token_with_a_max_age_is_refused_once_it_has_expired(api: Api) -> None:
    viewer = await api.user("viewer", (auth.ROLE_VIEWER, "company"))
    lasting = await api.auth.CreateApiToken(
        auth.CreateApiTokenRequest(name="a-day", max_age="P1D"), metadata=viewer
    )
    brief = await api.auth.CreateApiToken(
        auth.CreateApiTokenRequest(name="brief", max_age="PT1S"), metadata=viewer
    )
    listed = {
        t.name: t
        for t in (await api.auth.ListApiTokens(auth.ListApiTokensRequest(), metadata=viewer)).results
    }
    day = listed["a-day"]
    assert day.exp.ToSeconds() - day.iat.ToSeconds() == 86_400
    assert not day.expired
    get = flows.ListDistinctNamespacesRequest(tenant="main")

    async def refused_as_expired() -> bool:
        try:
            await api.flows.ListDistinctNamespaces(get, metadata=bearer(brief.full_token))
        except grpc.aio.AioRpcError as error:
            return refusal(error) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED")
        return False

    await eventually(refused_as_expired, within=10, what="the brief token refused as expired")
    listed = {
        t.name: t
        for t in (await api.auth.ListApiTokens(auth.ListApiTokensRequest(), metadata=viewer)).results
    }
    assert listed["brief"].expired
    assert not listed["a-day"].expired
    await api.flows.ListDistinctNamespaces(get, metadata=bearer(lasting.full_token))
    for bad in ("soon", "-PT1H", "P99999D"):
        request = auth.CreateApiTokenRequest(name="bad", max_age=bad)
        assert await refused(api.auth.CreateApiToken(request, metadata=viewer)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "MAX_AGE_INVALID",
        ), bad
