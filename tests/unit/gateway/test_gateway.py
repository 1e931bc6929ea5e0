"""The gateway's routes: each reaches the right RPC with the right fields, in Kestra's shapes."""

from __future__ import annotations

import json

import grpc
import httpx
import pytest
from gateway_fakes import Failure, FakeApi, parse_sse
from grpc_health.v1 import health_pb2

from flowmesh.common.v1 import state_pb2
from flowmesh.gateway import create_app
from flowmesh.log.v1 import log_pb2
from tests.tracing import recorded_spans

FLOW = """\
id: hello
namespace: io.test
description: says hello
labels:
  team: data
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.name }}"
"""
YAML = {"Content-Type": "application/x-yaml"}
S = state_pb2.StateType


async def test_create_flow_sends_the_raw_yaml(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post("/api/v1/main/flows", content=FLOW, headers=YAML)
    assert answer.status_code == 200, answer.text
    request = fake_api.last("CreateFlow")
    assert (request.tenant, request.source) == ("main", FLOW)
    body = answer.json()
    assert body["id"] == "hello"
    assert body["namespace"] == "io.test"
    assert body["revision"] == 1
    assert body["description"] == "says hello"
    assert body["labels"] == {"team": "data"}
    assert body["tasks"][0]["type"] == "io.kestra.plugin.core.log.Log"
    assert body["source"] == FLOW
    assert body["deleted"] is False
    assert body["disabled"] is False
    assert body["updated"] == "2024-01-01T00:00:10Z"
    assert "tenantId" not in body
    assert "tenant_id" not in body


async def test_text_plain_and_other_tenants_pass_through(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    headers = {"Content-Type": "text/plain"}
    answer = await client.post("/api/v1/acme/flows", content=FLOW, headers=headers)
    assert answer.status_code == 200
    assert fake_api.last("CreateFlow").tenant == "acme"


async def test_get_update_and_delete_a_flow(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    await client.post("/api/v1/main/flows", content=FLOW, headers=YAML)

    answer = await client.get("/api/v1/main/flows/io.test/hello", params={"revision": 1})
    assert answer.status_code == 200
    request = fake_api.last("GetFlow")
    assert (request.tenant, request.namespace, request.id, request.revision) == (
        "main",
        "io.test",
        "hello",
        1,
    )

    changed = FLOW.replace("says hello", "says hi")
    answer = await client.put("/api/v1/main/flows/io.test/hello", content=changed, headers=YAML)
    assert answer.status_code == 200
    request = fake_api.last("UpdateFlow")
    assert (request.namespace, request.id, request.source) == ("io.test", "hello", changed)
    assert answer.json()["revision"] == 2
    assert answer.json()["description"] == "says hi"

    answer = await client.delete("/api/v1/main/flows/io.test/hello")
    assert answer.status_code == 204
    assert answer.content == b""
    assert fake_api.last("DeleteFlow").id == "hello"


async def test_search_flows_turns_pages_into_offsets(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    for name in ("a", "b", "c"):
        source = FLOW.replace("id: hello", f"id: {name}")
        await client.post("/api/v1/main/flows", content=source, headers=YAML)

    params: dict[str, str | int] = {"page": 2, "size": 2, "namespace": "io", "q": "hel"}
    answer = await client.get("/api/v1/main/flows/search", params=params)
    assert answer.status_code == 200
    request = fake_api.last("ListFlows")
    assert (request.tenant, request.namespace, request.query) == ("main", "io", "hel")
    assert (request.page_size, request.page_token) == (2, "2")
    body = answer.json()
    assert body["total"] == 3
    assert [flow["id"] for flow in body["results"]] == ["c"]

    await client.get("/api/v1/main/flows/search", params={"page": 3, "size": 25})
    assert fake_api.last("ListFlows").page_token == "50"

    await client.get("/api/v1/main/flows/search")
    request = fake_api.last("ListFlows")
    assert (request.page_size, request.page_token) == (10, "")


async def test_search_flows_takes_labels_as_parameters_and_as_filters(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    params = [("labels", "team:data"), ("labels", "env:prod:eu"), ("filters[labels][EQUALS][tier]", "1")]
    answer = await client.get("/api/v1/main/flows/search", params=params)
    assert answer.status_code == 200, answer.text
    labels = [(label.key, label.value) for label in fake_api.last("ListFlows").labels]
    assert labels == [("team", "data"), ("env", "prod:eu"), ("tier", "1")]

    answer = await client.get("/api/v1/main/flows/search", params={"labels": "nocolon"})
    assert answer.status_code == 400, answer.text
    assert [v["path"] for v in answer.json()["violations"]] == ["labels"]
    answer = await client.get("/api/v1/main/flows/search", params={"filters[labels][EQUALS]": "team"})
    assert answer.status_code == 400, answer.text
    assert [v["path"] for v in answer.json()["violations"]] == ["filters[labels][EQUALS]"]


async def test_validate_flows_answers_kestra_constraints(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    source = FLOW + "---\nid: empty\nnamespace: io.test\n"
    answer = await client.post("/api/v1/main/flows/validate", content=source, headers=YAML)
    assert answer.status_code == 200
    assert fake_api.last("ValidateFlows").source == source
    assert answer.json() == [
        {"index": 0, "namespace": "io.test", "flow": "hello"},
        {
            "index": 1,
            "namespace": "io.test",
            "flow": "empty",
            "constraints": "line 1, column 1: tasks: must not be empty\nflow has no task",
        },
    ]


async def test_create_execution_from_multipart_inputs(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(
        "/api/v1/main/executions/io.test/hello",
        params=[("labels", "team:data"), ("labels", "env:prod"), ("revision", "3")],
        data={"name": "world", "count": "3"},
        files={"unused": (None, "x")},  # forces multipart/form-data, a plain form field
    )
    assert answer.status_code == 200, answer.text
    request = fake_api.last("CreateExecution")
    assert (request.tenant, request.namespace, request.flow_id) == ("main", "io.test", "hello")
    assert dict(request.inputs) == {"name": "world", "count": "3", "unused": "x"}
    assert [(label.key, label.value) for label in request.labels] == [
        ("team", "data"),
        ("env", "prod"),
    ]
    assert request.revision == 3
    assert request.wait is False
    assert fake_api.deadline("CreateExecution") <= 30
    body = answer.json()
    assert body["id"] == "new1"
    assert body["inputs"] == {"name": "world", "count": "3", "unused": "x"}
    assert body["labels"] == [{"key": "team", "value": "data"}, {"key": "env", "value": "prod"}]
    assert body["state"]["current"] == "CREATED"


async def test_create_execution_with_wait_gets_a_long_deadline(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post(
        "/api/v1/main/executions/io.test/hello", params={"wait": "true"}, json={"n": 2}
    )
    assert answer.status_code == 200, answer.text
    request = fake_api.last("CreateExecution")
    assert request.wait is True
    assert dict(request.inputs) == {"n": 2}
    assert fake_api.deadline("CreateExecution") > 3000
    assert answer.json()["state"]["current"] == "SUCCESS"


async def test_create_execution_without_body(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post("/api/v1/main/executions/io.test/hello")
    assert answer.status_code == 200
    assert not fake_api.last("CreateExecution").HasField("inputs")


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"content": b"[1, 2]", "headers": {"Content-Type": "application/json"}}, "body"),
        ({"content": b"{nope", "headers": {"Content-Type": "application/json"}}, "body"),
        ({"params": {"labels": "nocolon"}}, "labels"),
        ({"params": {"wait": "maybe"}}, "wait"),
    ],
)
async def test_create_execution_refuses_bad_requests(
    client: httpx.AsyncClient, fake_api: FakeApi, kwargs: dict[str, object], parameter: str
) -> None:
    answer = await client.post("/api/v1/main/executions/io.test/hello", **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["status"] == "INVALID_ARGUMENT"
    assert body["reason"] is None
    assert [v["path"] for v in body["violations"]] == [parameter]
    assert not [name for name, _ in fake_api.requests if name == "CreateExecution"]


async def test_get_execution_in_kestra_shape(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.get("/api/v1/main/executions/exec1")
    assert answer.status_code == 200
    assert fake_api.last("GetExecution").execution_id == "exec1"
    assert fake_api.last("GetExecution").tenant == "main"
    body = answer.json()
    assert set(body) == {
        "id", "namespace", "flowId", "flowRevision", "taskRunList", "inputs", "outputs",
        "variables", "labels", "state", "parentId", "originalId", "trigger", "deleted", "metadata",
        "scheduleDate",
    }  # fmt: skip
    assert body["flowId"] == "hello"
    assert body["flowRevision"] == 2
    assert body["originalId"] == "exec1"
    assert body["parentId"] is None
    assert body["trigger"] is None
    assert body["scheduleDate"] is None
    assert body["deleted"] is False
    assert body["inputs"] == {"name": "world"}
    assert body["outputs"] == {}
    assert body["metadata"] == {"attemptNumber": 1, "originalCreatedDate": "2024-01-01T00:00:00Z"}
    assert body["state"] == {
        "current": "SUCCESS",
        "histories": [
            {"state": "CREATED", "date": "2024-01-01T00:00:00Z"},
            {"state": "RUNNING", "date": "2024-01-01T00:00:00.500Z"},
            {"state": "SUCCESS", "date": "2024-01-01T00:00:01.500Z"},
        ],
        "startDate": "2024-01-01T00:00:00Z",
        "endDate": "2024-01-01T00:00:01.500Z",
        "duration": "PT1.5S",
    }
    [run] = body["taskRunList"]
    assert run["id"] == "run1"
    assert run["executionId"] == "exec1"
    assert run["taskId"] == "say"
    assert run["parentTaskRunId"] is None
    assert run["outputs"] == {"value": "hi", "count": 3}
    assert run["attempts"][0]["state"]["current"] == "SUCCESS"
    assert run["attempts"][0]["state"]["duration"] == "PT1S"
    assert run["attempts"][0]["workerId"] == "w1"
    assert "version" not in run
    assert "position" not in run


async def test_running_execution_has_no_end(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    body = (await client.get("/api/v1/main/executions/running")).json()
    assert body["state"]["current"] == "RUNNING"
    assert body["state"]["endDate"] is None
    assert body["state"]["duration"].startswith("PT")


async def test_search_executions_filters(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    params = httpx.QueryParams(
        [
            ("page", "3"),
            ("size", "5"),
            ("namespace", "io.test"),
            ("flowId", "hello"),
            ("state", "SUCCESS"),
            ("state", "FAILED"),
        ]
    )
    answer = await client.get("/api/v1/main/executions/search", params=params)
    assert answer.status_code == 200
    request = fake_api.last("ListExecutions")
    assert (request.namespace, request.flow_id) == ("io.test", "hello")
    assert list(request.states) == [S.STATE_TYPE_SUCCESS, S.STATE_TYPE_FAILED]
    assert (request.page_size, request.page_token) == (5, "10")
    body = answer.json()
    assert body["total"] == 42
    assert [e["id"] for e in body["results"]] == ["e0", "e1", "e2"]
    assert body["results"][0]["taskRunList"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"state": "DONE"}, "state"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"size": "-1"}, "size"),
    ],
)
async def test_search_executions_refuses_bad_parameters(
    client: httpx.AsyncClient, fake_api: FakeApi, params: dict[str, str], parameter: str
) -> None:
    answer = await client.get("/api/v1/main/executions/search", params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "INVALID_ARGUMENT"
    assert parameter in body["message"]
    assert [v["path"] for v in body["violations"]] == [parameter]
    assert fake_api.requests == []


async def test_list_logs(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    params = {"minLevel": "WARN", "taskRunId": "run1", "taskId": "say"}
    answer = await client.get("/api/v1/main/logs/exec1", params=params)
    assert answer.status_code == 200
    request = fake_api.last("ListLogs")
    assert request.execution_id == "exec1"
    assert request.min_level == log_pb2.LEVEL_WARN
    assert (request.task_run_id, request.task_id) == ("run1", "say")
    body = answer.json()
    assert [entry["message"] for entry in body] == ["one", "two", "three"]
    assert body[0] == {
        "namespace": "io.test",
        "flowId": "hello",
        "taskId": "say",
        "executionId": "exec1",
        "taskRunId": "run1",
        "attemptNumber": 1,
        "timestamp": "2024-01-01T00:00:01.250Z",
        "level": "INFO",
        "thread": "worker-1",
        "message": "one",
    }


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 422),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.ALREADY_EXISTS, 409),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.UNAUTHENTICATED, 401),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        (grpc.StatusCode.UNIMPLEMENTED, 501),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
        (grpc.StatusCode.INTERNAL, 500),
        (grpc.StatusCode.ABORTED, 409),
    ],
)
async def test_grpc_statuses_become_http_statuses(
    client: httpx.AsyncClient, fake_api: FakeApi, code: grpc.StatusCode, http_status: int
) -> None:
    fake_api.fail_next("GetExecution", Failure(code, "it went wrong", "SOME_REASON"))
    answer = await client.get("/api/v1/main/executions/exec1")
    assert answer.status_code == http_status
    assert answer.json() == {
        "message": "it went wrong",
        "status": code.name,
        "reason": "SOME_REASON",
        "violations": [],
    }


async def test_bad_request_violations_reach_the_body(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    violations = [("tasks[0].type", "unknown task type"), ("id", "must match ^[a-z]+$")]
    failure = Failure(grpc.StatusCode.INVALID_ARGUMENT, "invalid flow", "INVALID_FLOW", violations)
    fake_api.fail_next("CreateFlow", failure)
    answer = await client.post("/api/v1/main/flows", content=FLOW, headers=YAML)
    assert answer.status_code == 422
    assert answer.json() == {
        "message": "invalid flow",
        "status": "INVALID_ARGUMENT",
        "reason": "INVALID_FLOW",
        "violations": [
            {"path": "tasks[0].type", "message": "unknown task type"},
            {"path": "id", "message": "must match ^[a-z]+$"},
        ],
    }


async def test_plain_grpc_errors_have_no_reason(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.get("/api/v1/main/flows/io.test/nothing")
    assert answer.status_code == 404
    assert answer.json()["reason"] == "FLOW_NOT_FOUND"
    fake_api.fail_next("GetExecution", Failure(grpc.StatusCode.NOT_FOUND, "gone"))
    answer = await client.get("/api/v1/main/executions/x")
    assert answer.json() == {
        "message": "gone",
        "status": "NOT_FOUND",
        "reason": None,
        "violations": [],
    }


async def test_unknown_paths_use_the_error_shape(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/main/nothing/here")
    assert answer.status_code == 404
    assert answer.json()["status"] == "NOT_FOUND"
    answer = await client.patch("/api/v1/main/flows/io.test/hello")
    assert answer.status_code == 405
    assert set(answer.json()) == {"message", "status", "reason", "violations"}


async def test_follow_execution_streams_one_event_per_message(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/executions/exec1/follow")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert fake_api.last("FollowExecution").execution_id == "exec1"
    assert fake_api.deadlines["FollowExecution"] is None
    events = parse_sse(answer.text)
    states = [json.loads(event["data"])["state"]["current"] for event in events]
    assert states == ["RUNNING", "SUCCESS"]
    assert json.loads(events[0]["data"])["flowId"] == "hello"


async def test_follow_logs_streams_one_event_per_line(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.get("/api/v1/main/logs/exec1/follow", params={"minLevel": "DEBUG"})
    assert answer.status_code == 200
    assert fake_api.last("FollowLogs").min_level == log_pb2.LEVEL_DEBUG
    events = parse_sse(answer.text)
    assert [json.loads(event["data"])["message"] for event in events] == ["one", "two", "three"]
    assert {json.loads(event["data"])["level"] for event in events} == {"INFO"}


async def test_follow_of_an_unknown_execution_is_a_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/main/executions/missing/follow")
    assert answer.status_code == 404
    assert answer.json()["status"] == "NOT_FOUND"


async def test_follow_failing_midway_ends_with_an_error_event(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/logs/broken/follow")
    assert answer.status_code == 200
    events = parse_sse(answer.text)
    assert json.loads(events[0]["data"])["message"] == "one"
    assert events[-1]["event"] == "error"
    assert json.loads(events[-1]["data"])["status"] == "INTERNAL"
    assert len(events) == 2


async def test_health_follows_the_api_health(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.get("/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "UP"})
    await fake_api.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    answer = await client.get("/health")
    assert (answer.status_code, answer.json()) == (503, {"status": "DOWN"})


async def test_an_unreachable_api_is_503() -> None:
    app = create_app("127.0.0.1:1", call_timeout=2.0)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answer = await client.get("/health")
            assert (answer.status_code, answer.json()) == (503, {"status": "DOWN"})
            answer = await client.get("/api/v1/main/executions/exec1")
            assert answer.status_code == 503
            assert answer.json()["status"] == "UNAVAILABLE"


async def test_slow_calls_hit_the_deadline(fake_api: FakeApi) -> None:
    fake_api.delay = 1.0
    app = create_app(f"127.0.0.1:{fake_api.port}", call_timeout=0.2)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answer = await client.get("/api/v1/main/executions/exec1")
    assert answer.status_code == 504
    assert answer.json()["status"] == "DEADLINE_EXCEEDED"


async def test_the_callers_trace_travels_to_the_api_and_back(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    trace_id = "0123456789abcdef0123456789abcdef"
    headers = {"traceparent": f"00-{trace_id}-0123456789abcdef-01"}
    with recorded_spans() as spans:
        answer = await client.get("/api/v1/main/executions/exec1", headers=headers)
    (span,) = spans.get_finished_spans()
    assert span.name == "GET /api/v1/{tenant}/executions/{executionId}"
    assert span.parent is not None
    assert span.parent.span_id == 0x0123456789ABCDEF
    assert answer.headers["traceresponse"].split("-")[1] == trace_id
    assert fake_api.metadata["GetExecution"]["traceparent"].split("-")[1] == trace_id


async def test_openapi_lists_the_kestra_paths(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert {
        "/api/v1/{tenant}/flows",
        "/api/v1/{tenant}/flows/search",
        "/api/v1/{tenant}/flows/validate",
        "/api/v1/{tenant}/flows/{namespace}/{id}",
        "/api/v1/{tenant}/executions/{namespace}/{flowId}",
        "/api/v1/{tenant}/executions/search",
        "/api/v1/{tenant}/executions/{executionId}",
        "/api/v1/{tenant}/executions/{executionId}/follow",
        "/api/v1/{tenant}/logs/{executionId}",
        "/api/v1/{tenant}/logs/{executionId}/follow",
        "/health",
    } <= set(document["paths"])
    search = document["paths"]["/api/v1/{tenant}/executions/search"]["get"]
    names = {parameter["name"] for parameter in search["parameters"]}
    assert {"page", "size", "namespace", "flowId", "state"} <= names
    delete = document["paths"]["/api/v1/{tenant}/flows/{namespace}/{id}"]["delete"]
    assert "204" in delete["responses"]
    webhook = document["paths"]["/api/v1/{tenant}/executions/webhook/{namespace}/{flowId}/{key}"]
    assert {verb: operation["operationId"] for verb, operation in webhook.items()} == {
        "post": "TriggerWebhook",
        "get": "TriggerWebhookGet",
        "put": "TriggerWebhookPut",
    }
    assert set(webhook["put"]["requestBody"]["content"]) == {"*/*"}
