"""What the OpenAPI document says each operation answers, and who may call it.

An answer's schema follows _kestra.to_kestra: a message the gateway reshapes into Kestra's
JSON has the schema of that shape (KESTRA_SHAPES, keyed as _kestra's translators);
any other message is proto3's JSON form of its descriptor, or Kestra's paged results or
bare list when it holds one repeated message. Files, SSE streams and answers that may set
their own status are described as what they are. Security comes from each method's
`(flowmesh.auth.v1.action)`: none for PUBLIC, basic auth or an API token otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI
from google.protobuf.descriptor import Descriptor

from flowmesh.auth import action_of
from flowmesh.auth.v1.auth_pb2 import Action
from flowmesh.common.v1 import state_pb2
from flowmesh.execution.v1 import execution_operations_pb2
from flowmesh.flow.v1 import flow_messages_pb2, graph_pb2
from flowmesh.gateway import _kestra
from flowmesh.gateway._files import FILE_CHUNK
from flowmesh.gateway._params import body_openapi, message_schema
from flowmesh.instance.v1 import instance_pb2
from flowmesh.kv.v1 import kv_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.trigger.v1 import trigger_pb2

if TYPE_CHECKING:
    from flowmesh.gateway._routes import RouteSpec

Schema = dict[str, Any]

SECURITY_SCHEMES: dict[str, Schema] = {
    "basicAuth": {"type": "http", "scheme": "basic", "description": "A user's id and password"},
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token (`fm_...`)"},
}
_SIGNED_IN: list[dict[str, list[str]]] = [{"basicAuth": []}, {"bearerAuth": []}]
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}

# ------------------------------------------------------------- Kestra's shapes, as schemas

_STRING: Schema = {"type": "string"}
_INTEGER: Schema = {"type": "integer"}
_BOOLEAN: Schema = {"type": "boolean"}
_OBJECT: Schema = {"type": "object"}  # a Struct: any JSON object
_DATE: Schema = {"type": "string", "format": "date-time"}
_STRINGS: Schema = {"type": "array", "items": _STRING}


def _null(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _shape(properties: dict[str, Schema], *, optional: tuple[str, ...] = (), more: bool = False) -> Schema:
    """Return an object with these keys, all present but the optional ones; no others unless more."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }
    if not more:
        schema["additionalProperties"] = False
    return schema


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _enum(message: Any, field: str) -> Schema:
    """Return Kestra's names of an enum field's values (null for the unspecified one).

    message: a generated message's DESCRIPTOR (typed as the pure-Python or the upb class).
    """
    enum = message.fields_by_name[field].enum_type
    return _null({"type": "string", "enum": _kestra.enum_names(enum)})


_LABEL = _shape({"key": _STRING, "value": _STRING})
_STATE = _shape(
    {
        "current": _enum(state_pb2.State.DESCRIPTOR, "current"),
        "histories": _list(
            _shape({"state": _enum(state_pb2.StateHistory.DESCRIPTOR, "state"), "date": _null(_DATE)})
        ),
        "startDate": _null(_DATE),
        "endDate": _null(_DATE),
        "duration": _null(_STRING),
    }
)
_TASK_RUN = _shape(
    {
        "id": _STRING,
        "executionId": _STRING,
        "namespace": _STRING,
        "flowId": _STRING,
        "taskId": _STRING,
        "parentTaskRunId": _null(_STRING),
        "value": _null(_STRING),
        "iteration": _null(_INTEGER),
        "attempts": _list(_shape({"state": _STATE, "workerId": _null(_STRING), "logFile": _null(_STRING)})),
        "outputs": _OBJECT,
        "state": _STATE,
    }
)
_EXECUTION_KEYS: dict[str, Schema] = {
    "id": _STRING,
    "namespace": _STRING,
    "flowId": _STRING,
    "flowRevision": _INTEGER,
    "taskRunList": _list(_TASK_RUN),
    "inputs": _OBJECT,
    "outputs": _OBJECT,
    "variables": _null(_OBJECT),
    "labels": _list(_LABEL),
    "state": _STATE,
    "parentId": _null(_STRING),
    "originalId": _STRING,
    "trigger": _null(_shape({"id": _STRING, "type": _STRING, "variables": _OBJECT})),
    "deleted": _BOOLEAN,
    "metadata": _shape({"attemptNumber": _INTEGER, "originalCreatedDate": _null(_DATE)}),
    "scheduleDate": _null(_DATE),
}
_WEBHOOK_KEYS = ("id", "namespace", "flowId", "flowRevision", "trigger", "outputs", "labels", "state")
_LOG = _shape(
    {
        "namespace": _STRING,
        "flowId": _STRING,
        "taskId": _null(_STRING),
        "executionId": _null(_STRING),
        "taskRunId": _null(_STRING),
        "attemptNumber": _null(_INTEGER),
        "timestamp": _null(_DATE),
        "level": _enum(log_pb2.LogEntry.DESCRIPTOR, "level"),
        "thread": _STRING,
        "message": _STRING,
    }
)
_DAY = _shape(
    {
        "startDate": _null(_DATE),
        "duration": _shape(
            {name: _STRING for name in ("min", "avg", "max", "sum", "p50", "p95")} | {"count": _INTEGER}
        ),
        "executionCounts": _shape(
            dict.fromkeys(_kestra.enum_names(state_pb2.StateType.DESCRIPTOR), _INTEGER)
        ),
        "groupBy": {"const": "day"},
    }
)
_BACKFILL = _shape(
    {
        "start": _null(_DATE),
        "end": _null(_DATE),
        "currentDate": _null(_DATE),
        "paused": _BOOLEAN,
        "inputs": _OBJECT,
        "labels": _list(_LABEL),
    }
)
_TRIGGER_STATE = _shape(
    {
        "namespace": _STRING,
        "flowId": _STRING,
        "triggerId": _STRING,
        "updatedAt": _null(_DATE),
        "evaluatedAt": _null(_DATE),
        "nextEvaluationDate": _null(_DATE),
        "backfill": _null(_BACKFILL),
        "stopAfter": _STRINGS,
        "disabled": _BOOLEAN,
        "locked": _BOOLEAN,
        "workerId": _null(_STRING),
        "lastTriggeredDate": _null(_DATE),
        "executionId": _null(_STRING),
        "kind": _enum(trigger_pb2.TriggerState.DESCRIPTOR, "kind"),
    }
)
_VALIDATION = _shape(
    {"index": _INTEGER, "namespace": _STRING, "flow": _STRING, "constraints": _STRING},
    optional=("namespace", "flow", "constraints"),
)
_RELATION = graph_pb2.GraphRelation.DESCRIPTOR
_GRAPH_NODE = _shape(
    {
        "uid": _STRING,
        "type": _STRING,
        "relationType": _enum(graph_pb2.GraphNode.DESCRIPTOR, "relation_type"),
        "branchType": _enum(graph_pb2.GraphNode.DESCRIPTOR, "branch_type"),
        "task": _OBJECT,
        "trigger": _OBJECT,
        "executionId": _STRING,
        "taskRun": _null(_TASK_RUN),
        "taskRuns": _list(_TASK_RUN),
    },
    optional=("task", "trigger", "executionId", "taskRun", "taskRuns"),
)
_TOPOLOGY_EDGE = flow_messages_pb2.FlowTopologyEdge.DESCRIPTOR
_SERVICE = instance_pb2.ServiceInstance.DESCRIPTOR

# The schema of each translator's answer in _kestra (keyed alike; a unit test checks it).
KESTRA_SHAPES: dict[str, Schema] = {
    # A webhook answers its execution's outputs alone (returnOutputs), or Kestra's WebhookResponse.
    "flowmesh.execution.v1.TriggerWebhookResponse": {
        "anyOf": [
            _shape(
                {"tenantId": _STRING}
                | {key: _EXECUTION_KEYS[key] for key in _WEBHOOK_KEYS}
                | {"url": _STRING}
            ),
            _OBJECT,
        ]
    },
    # The flow's YAML as JSON, whatever it holds, with the stored facts on top.
    "flowmesh.flow.v1.Flow": _shape(
        {
            "id": _STRING,
            "namespace": _STRING,
            "revision": _INTEGER,
            "disabled": _BOOLEAN,
            "deleted": _BOOLEAN,
            "source": _STRING,
            "updated": _DATE,
        },
        optional=("updated",),
        more=True,
    ),
    "flowmesh.flow.v1.ValidateFlowsResponse": _list(_VALIDATION),
    "flowmesh.plugin.v1.FlowSchema": _OBJECT,
    "flowmesh.execution.v1.Execution": _shape(_EXECUTION_KEYS),
    "flowmesh.execution.v1.TaskRun": _TASK_RUN,
    "flowmesh.log.v1.LogEntry": _LOG,
    "flowmesh.log.v1.SearchLogsResponse": _shape(
        {"results": _list(_LOG), "total": _INTEGER, "type": {"const": "OFFSET"}}
    ),
    "flowmesh.stats.v1.DailyStatistics": _DAY,
    "flowmesh.stats.v1.DailyStatisticsByFlowResponse": {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": _list(_DAY)},
    },
    "flowmesh.common.v1.State": _STATE,
    "flowmesh.kv.v1.KvValue": _shape({"type": _enum(kv_pb2.KvValue.DESCRIPTOR, "type"), "value": {}}),
    "flowmesh.kv.v1.KvEntry": _shape(
        {
            "namespace": _STRING,
            "key": _STRING,
            "revision": _INTEGER,
            "description": _null(_STRING),
            "creationDate": _null(_DATE),
            "updateDate": _null(_DATE),
            "expirationDate": _null(_DATE),
        }
    ),
    "flowmesh.kv.v1.DeleteKeyValueResponse": _BOOLEAN,
    "flowmesh.trigger.v1.TriggerState": _TRIGGER_STATE,
    "flowmesh.trigger.v1.TriggerAndState": _shape({"trigger": _OBJECT, "state": _TRIGGER_STATE}),
    "flowmesh.trigger.v1.TriggersOperationResponse": _shape({"operationId": _STRING, "totalItems": _INTEGER}),
    "flowmesh.execution.v1.ExecutionStatusEvent": _shape(
        {
            "executionId": _STRING,
            "tenantId": _STRING,
            "namespace": _STRING,
            "flowId": _STRING,
            "state": _STATE,
        }
    ),
    "flowmesh.namespace.v1.InheritedSecrets": {"type": "object", "additionalProperties": _STRINGS},
    "flowmesh.namespace.v1.SearchSecretsResponse": _shape(
        {
            "readOnly": _BOOLEAN,
            "results": _list(_shape({"key": _STRING, "namespace": _null(_STRING), "tags": _list(_OBJECT)})),
            "total": _INTEGER,
        }
    ),
    "flowmesh.instance.v1.ServiceInstance": _shape(
        {
            "id": _STRING,
            "type": _enum(_SERVICE, "type"),
            "state": _enum(_SERVICE, "state"),
            "server": _shape({"hostname": _STRING, "version": _STRING}),
            "createdAt": _null(_DATE),
            "updatedAt": _null(_DATE),
            "props": _shape({"pid": _INTEGER, "workerGroup": _STRING}, optional=("workerGroup",)),
        }
    ),
    "flowmesh.file.v1.FileMetas": _shape({"size": _INTEGER}),
    "flowmesh.file.v1.FileAttributes": _shape(
        {
            "fileName": _STRING,
            "type": _STRING,
            "size": _INTEGER,
            "lastModifiedTime": _null(_INTEGER),
            "creationTime": _null(_INTEGER),
            "metadata": _OBJECT,
        }
    ),
    "flowmesh.file.v1.FilePreview": _shape(
        {"extension": _STRING, "type": _STRING, "content": {}, "truncated": _BOOLEAN}
    ),
    "flowmesh.file.v1.SearchNamespaceFilesResponse": _STRINGS,
    "flowmesh.execution.v1.FlowForExecution": _OBJECT,
    "flowmesh.execution.v1.ListExecutableNamespacesResponse": _STRINGS,
    "flowmesh.execution.v1.LatestExecution": _shape(
        {
            "id": _STRING,
            "flowId": _STRING,
            "namespace": _STRING,
            "startDate": _null(_DATE),
            "status": _enum(execution_operations_pb2.LatestExecution.DESCRIPTOR, "status"),
        }
    ),
    # proto3's JSON form with every field: the message's own schema.
    "flowmesh.execution.v1.ValidateExecutionInputsResponse": message_schema(
        cast(Descriptor, execution_operations_pb2.ValidateExecutionInputsResponse.DESCRIPTOR), answer=True
    ),
    "flowmesh.flow.v1.FlowValidation": _VALIDATION,
    "flowmesh.flow.v1.FlowGraph": _shape(
        {
            "nodes": _list(_GRAPH_NODE),
            "edges": _list(
                _shape(
                    {
                        "source": _STRING,
                        "target": _STRING,
                        "relation": _shape(
                            {"relationType": _enum(_RELATION, "relation_type"), "value": _null(_STRING)}
                        ),
                    }
                )
            ),
            "clusters": _list(
                _shape(
                    {
                        "cluster": _GRAPH_NODE,
                        "nodes": _STRINGS,
                        "parents": _STRINGS,
                        "start": _STRING,
                        "end": _STRING,
                    }
                )
            ),
            "flowables": _STRINGS,
        }
    ),
    "flowmesh.flow.v1.FlowTopology": _shape(
        {
            "nodes": _list(_shape({"uid": _STRING, "namespace": _STRING, "id": _STRING})),
            "edges": _list(
                _shape({"source": _STRING, "target": _STRING, "relation": _enum(_TOPOLOGY_EDGE, "relation")})
            ),
        }
    ),
    "flowmesh.flow.v1.FlowTask": _OBJECT,
    "flowmesh.flow.v1.BulkFlowsResponse": _shape({"count": _INTEGER}),
    "flowmesh.flow.v1.ImportFlowsResponse": _STRINGS,
    "flowmesh.flow.v1.ListDistinctNamespacesResponse": _STRINGS,
    "flowmesh.namespace.v1.Namespace": _shape({"id": _STRING, "deleted": _BOOLEAN}),
    "flowmesh.namespace.v1.AutocompleteNamespacesResponse": _STRINGS,
    "flowmesh.instance.v1.Configuration": message_schema(
        cast(Descriptor, instance_pb2.Configuration.DESCRIPTOR), answer=True
    ),
    "flowmesh.instance.v1.LoginConfiguration": _shape({"isBasicAuthInitialized": _BOOLEAN}),
}

# ----------------------------------------------------------------------------- answers


def answer_schema(message: Descriptor) -> Schema | None:
    """Return the schema of the JSON that _kestra.to_kestra makes of a message (None: no body)."""
    shape = KESTRA_SHAPES.get(message.full_name)
    if shape is not None:
        return shape
    if not message.fields:
        return None
    items = _kestra.listed_field(message)
    if items is not None:
        item = answer_schema(cast(Descriptor, items.message_type)) or {"type": "null"}
        if "total_size" in message.fields_by_name:
            return _shape({"results": _list(item), "total": _INTEGER})
        if len(message.fields) == 1:
            return _list(item)
    return message_schema(message, answer=True)


def operation_extra(spec: RouteSpec) -> dict[str, Any]:
    """Return what FastAPI cannot tell of an operation: its body, answers and security."""
    extra: dict[str, Any] = {}
    if spec.body:
        taken = frozenset(field.name for _, field in spec.path_fields)
        extra["requestBody"] = body_openapi(spec.method.input_type, spec.body, taken)
    extra["responses"] = _answers(spec.method.output_type, streaming=spec.method.server_streaming)
    if action_of(spec.method) == Action.ACTION_PUBLIC:
        extra["security"] = []
    else:
        extra["security"] = _SIGNED_IN
        extra["responses"] |= {
            "401": {"description": "No valid credentials", "content": _ERROR},
            "403": {"description": "The caller's roles do not allow it", "content": _ERROR},
        }
    return extra


def _answers(output: Descriptor, *, streaming: bool) -> dict[str, Any]:
    if output.full_name == FILE_CHUNK:
        # The file as stored, with its own media type (YAML, a ZIP of flows, a log file...).
        binary = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
        return {"200": {"description": "The file, as an attachment", "content": binary}}
    schema = answer_schema(output)
    if streaming:
        # One event: a message as JSON, or at the end an `error` event holding an error body.
        def event(name: Schema, data: Schema) -> Schema:
            body = {"type": "string", "contentMediaType": "application/json", "contentSchema": data}
            return {"type": "object", "properties": {"event": name, "data": body}, "required": ["data"]}

        message = event({"const": "message"}, schema or {})
        error = event({"const": "error"}, {"$ref": "#/components/schemas/ErrorBody"})
        error["required"] = ["event", "data"]
        stream = {"text/event-stream": {"schema": {"anyOf": [message, error]}}}
        return {"200": {"description": "One event per message", "content": stream}}
    if schema is None:
        return {"204": {"description": "Done, nothing to show"}}
    answers: dict[str, Any] = {
        "200": {"description": "The answer, as JSON", "content": {"application/json": {"schema": schema}}}
    }
    fields = output.fields_by_name
    if "http_status" in fields:
        # The answer sets its own status (a waiting webhook's responseCode), may be text, or
        # empty (a webhook whose conditions blocked it).
        answers["204"] = {"description": "Nothing to show"}
        content = {"application/json": {"schema": schema}}
        if "content_type" in fields:
            content["text/plain"] = {"schema": _STRING}
        answers["default"] = {"description": "The status the answer sets", "content": content}
        answers["200"]["content"] = content
    return answers


def install_document(app: FastAPI) -> None:
    """Make the app's document also declare the security schemes the operations name."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            build()["components"]["securitySchemes"] = SECURITY_SCHEMES
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
