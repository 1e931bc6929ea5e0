"""A stand-in for the api in the gateway's unit tests: small servicers over dicts.

It records every request (and its remaining deadline) and can be told to fail the next
call of a method with a rich status, as the real api does.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import yaml
from google.protobuf import any_pb2, timestamp_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from flowmesh.auth.v1 import auth_messages_pb2, auth_service_pb2_grpc
from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import (
    execution_messages_pb2 as em,
)
from flowmesh.execution.v1 import (
    execution_pb2,
    execution_service_pb2_grpc,
)
from flowmesh.expression.v1 import expression_messages_pb2
from flowmesh.flow.v1 import flow_messages_pb2 as fm
from flowmesh.flow.v1 import flow_pb2, flow_service_pb2_grpc
from flowmesh.instance.v1 import instance_pb2, instance_service_pb2_grpc
from flowmesh.log.v1 import log_messages_pb2 as lm
from flowmesh.log.v1 import log_pb2, log_service_pb2_grpc
from tests.waiting import eventually

S = state_pb2.StateType
# The one user of the fake AuthService, and the token it makes for a session.
USER, PASSWORD = "alice", "a-long-password"
SESSION_TOKEN = "fm_0123456789abcdef_the-secret-of-the-session"


def ts(seconds: float) -> timestamp_pb2.Timestamp:
    """Return a timestamp `seconds` after 2024-01-01T00:00:00Z."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(1_704_067_200 * 10**9 + round(seconds * 1000) * 10**6)
    return stamp


def state(*steps: tuple[state_pb2.StateType, float]) -> state_pb2.State:
    """Return a State whose histories are (state, seconds) steps; the last is current."""
    return state_pb2.State(
        current=steps[-1][0],
        histories=[state_pb2.StateHistory(state=s, date=ts(t)) for s, t in steps],
    )


def execution(execution_id: str = "exec1", current: state_pb2.StateType = S.STATE_TYPE_SUCCESS) -> Any:
    """Return an execution of io.test/hello with one task run, ended in `current`."""
    steps = [(S.STATE_TYPE_CREATED, 0.0), (S.STATE_TYPE_RUNNING, 0.5), (current, 1.5)]
    run = execution_pb2.TaskRun(
        id="run1",
        execution_id=execution_id,
        namespace="io.test",
        flow_id="hello",
        task_id="say",
        attempts=[execution_pb2.TaskRunAttempt(state=state(*steps[1:]), worker_id="w1")],
        state=state(*steps),
        version=7,
        position=0,
    )
    run.outputs.update({"value": "hi", "count": 3})
    built = execution_pb2.Execution(
        tenant_id="main",
        id=execution_id,
        namespace="io.test",
        flow_id="hello",
        flow_revision=2,
        labels=[state_pb2.Label(key="team", value="data")],
        state=state(*steps),
        task_runs=[run],
        version=9,
    )
    built.inputs.update({"name": "world"})
    return built


def log_entry(message: str, level: log_pb2.Level = log_pb2.LEVEL_INFO) -> Any:
    """Return a log line of exec1's task run run1."""
    return log_pb2.LogEntry(
        id="run1-1-" + message,
        tenant_id="main",
        namespace="io.test",
        flow_id="hello",
        task_id="say",
        execution_id="exec1",
        task_run_id="run1",
        attempt_number=1,
        timestamp=ts(1.25),
        level=level,
        thread="worker-1",
        message=message,
    )


@dataclass
class Failure:
    """A scripted failure: the status the next call of a method ends with."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    violations: Sequence[tuple[str, str]] = ()


@dataclass
class FakeApi:
    """What the servicers share: stored data, recorded calls and scripted behaviour."""

    port: int = 0
    requests: list[tuple[str, Any]] = field(default_factory=list)
    deadlines: dict[str, float | None] = field(default_factory=dict)
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    flows: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    follow_script: list[Any] = field(default_factory=list)
    log_script: list[Any] = field(default_factory=list)
    delay: float = 0.0
    stream_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    health: Any = None
    auth_enabled: bool = True
    tokens: list[Any] = field(default_factory=list)

    def reset(self) -> None:
        """Forget everything but the port and the health servicer."""
        self.requests.clear()
        self.deadlines.clear()
        self.metadata.clear()
        self.failures.clear()
        self.flows.clear()
        self.follow_script = [execution("exec1", S.STATE_TYPE_RUNNING), execution()]
        self.log_script = [log_entry("one"), log_entry("two"), log_entry("three")]
        self.delay = 0.0
        self.stream_cancelled = asyncio.Event()
        self.auth_enabled = True
        self.tokens.clear()

    def last(self, method: str) -> Any:
        """Return the last request of a method."""
        for name, request in reversed(self.requests):
            if name == method:
                return request
        raise AssertionError(f"{method} was not called; calls: {[n for n, _ in self.requests]}")

    def deadline(self, method: str) -> float:
        """Return the seconds the last call of method had left when it arrived."""
        remaining = self.deadlines[method]
        assert remaining is not None, f"{method} had no deadline"
        return remaining

    def fail_next(self, method: str, failure: Failure) -> None:
        """Make the next call of method end with failure."""
        self.failures[method] = failure

    async def enter(self, method: str, request: Any, context: Any) -> None:
        """Record a call, then sleep or fail as scripted."""
        self.requests.append((method, request))
        self.deadlines[method] = context.time_remaining()
        self.metadata[method] = dict(context.invocation_metadata() or ())
        if self.delay:
            await asyncio.sleep(self.delay)
        failure = self.failures.pop(method, None)
        if failure is not None:
            await abort(context, failure)


async def abort(context: Any, failure: Failure) -> None:
    """End the call with a google.rpc.Status carrying ErrorInfo and BadRequest details."""
    status = status_pb2.Status(code=failure.code.value[0], message=failure.message)
    if failure.reason:
        _pack(status, error_details_pb2.ErrorInfo(reason=failure.reason, domain="flowmesh.io"))
    if failure.violations:
        bad = error_details_pb2.BadRequest()
        for path, text in failure.violations:
            bad.field_violations.add(field=path, description=text)
        _pack(status, bad)
    details = (("grpc-status-details-bin", status.SerializeToString()),)
    await context.abort(failure.code, failure.message, trailing_metadata=details)


def _pack(status: Any, detail: Any) -> None:
    packed = any_pb2.Any()
    packed.Pack(detail)
    status.details.append(packed)


class FlowServicer(flow_service_pb2_grpc.FlowServiceServicer):
    """Flows in a dict keyed by (tenant, namespace, id)."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api

    async def CreateFlow(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("CreateFlow", request, context)
        doc = yaml.safe_load(request.source)
        flow = flow_pb2.Flow(
            tenant_id=request.tenant,
            namespace=doc["namespace"],
            id=doc["id"],
            revision=1,
            source=request.source,
            updated=ts(10),
        )
        self.api.flows[(request.tenant, flow.namespace, flow.id)] = flow
        return flow

    async def UpdateFlow(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("UpdateFlow", request, context)
        key = (request.tenant, request.namespace, request.id)
        flow = self.api.flows[key]
        flow.source, flow.revision = request.source, flow.revision + 1
        return flow

    async def GetFlow(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("GetFlow", request, context)
        key = (request.tenant, request.namespace, request.id)
        if key not in self.api.flows:
            missing = Failure(grpc.StatusCode.NOT_FOUND, "flow not found", "FLOW_NOT_FOUND")
            await abort(context, missing)
        return self.api.flows[key]

    async def ListFlows(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ListFlows", request, context)
        flows = sorted(self.api.flows.values(), key=lambda f: (f.namespace, f.id))
        offset = int(request.page_token or 0)
        page = flows[offset : offset + request.page_size]
        return fm.ListFlowsResponse(flows=page, total_size=len(flows))

    async def DeleteFlow(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("DeleteFlow", request, context)
        self.api.flows.pop((request.tenant, request.namespace, request.id), None)
        return fm.DeleteFlowResponse()

    async def ValidateFlows(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ValidateFlows", request, context)
        results = []
        for index, doc in enumerate(yaml.safe_load_all(request.source)):
            result = flow_pb2.FlowValidation(index=index, namespace=doc["namespace"], flow=doc["id"])
            if "tasks" not in doc:
                result.violations.add(path="tasks", line=1, column=1, message="must not be empty")
                result.violations.add(path="", message="flow has no task")
            results.append(result)
        return fm.ValidateFlowsResponse(results=results)


class ExecutionServicer(execution_service_pb2_grpc.ExecutionServiceServicer):
    """Executions made up on demand; FollowExecution plays api.follow_script."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api

    async def CreateExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("CreateExecution", request, context)
        if request.flow_id == "forever":
            try:
                await asyncio.Event().wait()
            finally:
                self.api.stream_cancelled.set()
        created = execution("new1", S.STATE_TYPE_SUCCESS if request.wait else S.STATE_TYPE_CREATED)
        created.inputs.Clear()
        created.inputs.MergeFrom(request.inputs)
        del created.labels[:]
        created.labels.extend(request.labels)
        return created

    async def GetExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("GetExecution", request, context)
        if request.execution_id == "running":
            return execution("running", S.STATE_TYPE_RUNNING)
        return execution(request.execution_id)

    async def KillExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("KillExecution", request, context)
        return execution(request.execution_id, S.STATE_TYPE_RUNNING)

    async def RestartExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("RestartExecution", request, context)
        return execution(request.execution_id, S.STATE_TYPE_RESTARTED)

    async def ResumeExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ResumeExecution", request, context)
        return execution(request.execution_id, S.STATE_TYPE_PAUSED)

    async def EvaluateExecutionExpression(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("EvaluateExecutionExpression", request, context)
        return expression_messages_pb2.EvaluateExpressionResponse(result=f"rendered {request.template}")

    async def UnqueueExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("UnqueueExecution", request, context)
        return execution(request.execution_id, S.STATE_TYPE_QUEUED)

    async def ReplayExecution(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ReplayExecution", request, context)
        replay = execution("replay1", S.STATE_TYPE_RESTARTED)
        replay.parent_id = request.execution_id
        return replay

    async def SetExecutionLabels(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("SetExecutionLabels", request, context)
        labelled = execution(request.execution_id)
        labelled.labels.extend(request.labels)
        return labelled

    async def ChangeTaskRunState(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ChangeTaskRunState", request, context)
        return execution(request.execution_id, S.STATE_TYPE_RESTARTED)

    async def ListExecutions(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ListExecutions", request, context)
        found = [execution(f"e{i}") for i in range(3)]
        for item in found:
            del item.task_runs[:]
        return em.ListExecutionsResponse(executions=found, total_size=42)

    async def FollowExecution(self, request: Any, context: Any) -> AsyncIterator[Any]:  # noqa: N802 - gRPC name
        await self.api.enter("FollowExecution", request, context)
        async for item in _play(self.api, request.execution_id, context, self.api.follow_script):
            yield item


class LogServicer(log_service_pb2_grpc.LogServiceServicer):
    """Logs from api.log_script."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api

    async def ListLogs(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ListLogs", request, context)
        return lm.ListLogsResponse(entries=self.api.log_script)

    async def FollowLogs(self, request: Any, context: Any) -> AsyncIterator[Any]:  # noqa: N802 - gRPC name
        await self.api.enter("FollowLogs", request, context)
        async for item in _play(self.api, request.execution_id, context, self.api.log_script):
            yield item


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """Tokens of USER, made with USER's basic credentials; only SESSION_TOKEN may revoke itself."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api

    async def CreateApiToken(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("CreateApiToken", request, context)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.api.metadata["CreateApiToken"].get("authorization") != basic:
            await abort(context, Failure(grpc.StatusCode.UNAUTHENTICATED, "not valid", "CREDENTIALS_INVALID"))
        return auth_messages_pb2.CreateApiTokenResponse(
            id="0123456789abcdef", name=request.name, full_token=SESSION_TOKEN
        )

    async def ListApiTokens(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("ListApiTokens", request, context)
        tokens = self.api.tokens
        return auth_messages_pb2.ListApiTokensResponse(results=tokens, total_size=len(tokens))

    async def DeleteApiToken(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("DeleteApiToken", request, context)
        if self.api.metadata["DeleteApiToken"].get("authorization") != f"Bearer {SESSION_TOKEN}":
            await abort(context, Failure(grpc.StatusCode.UNAUTHENTICATED, "not valid", "CREDENTIALS_INVALID"))
        return auth_messages_pb2.DeleteApiTokenResponse()


class InstanceServicer(instance_service_pb2_grpc.InstanceServiceServicer):
    """Whether auth is on: api.auth_enabled."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api

    async def GetLoginConfiguration(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        await self.api.enter("GetLoginConfiguration", request, context)
        return instance_pb2.LoginConfiguration(is_basic_auth_initialized=self.api.auth_enabled)


async def _play(api: FakeApi, key: str, context: Any, script: list[Any]) -> AsyncIterator[Any]:
    """Stream script; "missing" is NOT_FOUND, "broken" fails midway, "forever" never ends."""
    if key == "missing":
        await abort(context, Failure(grpc.StatusCode.NOT_FOUND, "execution not found"))
    await context.send_initial_metadata(())
    for item in script:
        yield item
        if key == "broken":
            await abort(context, Failure(grpc.StatusCode.INTERNAL, "the store went away"))
    if key == "forever":
        try:
            await asyncio.Event().wait()
        finally:
            api.stream_cancelled.set()


async def start_fake_api() -> tuple[FakeApi, grpc.aio.Server]:
    """Start the fake api on a free port of 127.0.0.1."""
    api = FakeApi()
    api.reset()
    server = grpc.aio.server()
    flow_service_pb2_grpc.add_FlowServiceServicer_to_server(FlowServicer(api), server)
    execution_service_pb2_grpc.add_ExecutionServiceServicer_to_server(ExecutionServicer(api), server)
    log_service_pb2_grpc.add_LogServiceServicer_to_server(LogServicer(api), server)
    auth_service_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(api), server)
    instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(InstanceServicer(api), server)
    api.health = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(api.health, server)
    await api.health.set("", health_pb2.HealthCheckResponse.SERVING)
    api.port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return api, server


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Poll condition until it holds; fail after `within` seconds."""
    await eventually(lambda: asyncio.sleep(0, result=condition()), within=within, what="condition")


def parse_sse(text: str) -> list[dict[str, str]]:
    """Return the events of an SSE body (comments such as pings left out)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            event[name] = event.get(name, "") + value.removeprefix(" ")
        if event:
            events.append(event)
    return events
