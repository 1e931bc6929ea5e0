"""The one place where proto messages and Kestra's JSON shapes are translated, both ways.

Kestra's names are camelCase, its enums carry no type prefix (``SUCCESS``, ``INFO``), its
dates are ISO-8601 in UTC and its durations ISO-8601 (``PT1.234S``). Proto-internal fields
(``tenant_id``, ``version``, ``position``) never reach a response.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.common.v1 import state_pb2
from flowmesh.gateway._errors import GatewayError
from flowmesh.gateway._files import file_attributes, file_metas, file_preview
from flowmesh.secrets import INPUT_MASK
from flowmesh.values import iso_duration

# Request fields whose Kestra query parameter is not the field's camelCase JSON name.
QUERY_NAMES = {"query": "q", "states": "state"}
# Requests whose Kestra body is one field although the rule says `body: "*"`: Kestra posts
# the inputs of an execution as the whole (multipart or JSON) body, the rest as query.
BODY_FIELDS = {"flowmesh.execution.v1.CreateExecutionRequest": "inputs"}
# Requests with fields Kestra's API takes from HTTP headers (a KV entry's `ttl` and `description`).
HEADER_FIELDS = {"flowmesh.kv.v1.SetKeyValueRequest": ("ttl", "description")}
# Requests that take the whole HTTP call as it came: every header and query parameter, in
# their `headers` and `parameters` maps (a webhook's).
RAW_CALL_REQUESTS = frozenset({"flowmesh.execution.v1.TriggerWebhookRequest"})
# Calls that may wait for an execution's end whatever the request says (a webhook with
# `wait`, which only the api knows).
LONG_CALLS = frozenset({"flowmesh.execution.v1.TriggerWebhookRequest"})
# Kestra 2.0's `filters[field][operation]=value` query parameters, and the plain query
# parameter each (field, operation) stands for. A request takes those of its parameters.
FILTERS = {
    ("q", "EQUALS"): "q",
    ("namespace", "EQUALS"): "namespace",  # flowmesh's namespace filter takes the ones below too
    ("namespace", "PREFIX"): "namespace",
    ("namespace", "STARTS_WITH"): "namespace",
    ("flowId", "EQUALS"): "flowId",
    ("state", "EQUALS"): "state",
    ("state", "IN"): "state",
    ("labels", "EQUALS"): "labels",
    ("startDate", "GREATER_THAN_OR_EQUAL_TO"): "startDate",
    ("startDate", "GREATER_THAN"): "startDate",
    ("endDate", "LESS_THAN_OR_EQUAL_TO"): "endDate",
    ("endDate", "LESS_THAN"): "endDate",
    ("timeRange", "EQUALS"): "timeRange",
    ("triggerExecutionId", "EQUALS"): "triggerExecutionId",
    ("childFilter", "EQUALS"): "childFilter",
    ("executionId", "EQUALS"): "executionId",
    ("triggerId", "EQUALS"): "triggerId",
    ("workerId", "EQUALS"): "workerId",
    ("level", "EQUALS"): "minLevel",  # Kestra's log level filter keeps that level and above
}
# Filters whose value is a comma-separated list.
LIST_FILTERS = frozenset({"IN"})
# Kestra's default page size for searches.
DEFAULT_PAGE_SIZE = 10
# Kestra's State.Type.isTerminated().
_TERMINATED = frozenset(
    {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED", "RESUBMITTED"}
)

JsonDict = dict[str, Any]


# ---------------------------------------------------------------------------- requests


def enum_names(enum: EnumDescriptor) -> list[str]:
    """Return Kestra's names of an enum's values (prefix stripped, UNSPECIFIED left out)."""
    prefix = _enum_prefix(enum)
    return [v.name[len(prefix) :] for v in enum.values if v.number != 0]


def enum_number(enum: EnumDescriptor, name: str, parameter: str) -> int:
    """Return the number of the enum value Kestra calls name (``SUCCESS``, ``INFO``)."""
    value = enum.values_by_name.get(_enum_prefix(enum) + name.upper())
    if value is None or value.number == 0:
        raise GatewayError(
            f"unknown {parameter} {name!r}, expected one of {', '.join(enum_names(enum))}",
            parameter=parameter,
        )
    return int(value.number)


def parse_label(text: str, parameter: str) -> tuple[str, str]:
    """Split Kestra's ``key:value`` label notation."""
    key, sep, value = text.partition(":")
    if not sep or not key:
        raise GatewayError(f"label {text!r} is not key:value", parameter=parameter)
    return key, value


def page_request(page: int | None, size: int | None) -> tuple[int, str]:
    """Turn Kestra's 1-based page and size into page_size and an offset page_token."""
    size = size or DEFAULT_PAGE_SIZE
    offset = ((page or 1) - 1) * size
    return size, str(offset) if offset else ""


# --------------------------------------------------------------------------- responses


def to_kestra(message: Message) -> Any:
    """Return the Kestra JSON of a response message (None for an empty one: 204)."""
    descriptor = message.DESCRIPTOR
    translate = _TRANSLATORS.get(descriptor.full_name)
    if translate is not None:
        return translate(message)
    if not descriptor.fields:
        return None
    items = listed_field(cast(Descriptor, descriptor))
    if items is not None:
        results = [to_kestra(item) for item in getattr(message, items.name)]
        if "total_size" in descriptor.fields_by_name:
            return {"results": results, "total": int(getattr(message, "total_size", 0))}
        if len(descriptor.fields) == 1:
            return results
    return _plain(json_format.MessageToDict(message))


def listed_field(descriptor: Descriptor) -> FieldDescriptor | None:
    """Return the one repeated message field (not a map) of a message, whose items it lists."""
    items = [
        f
        for f in descriptor.fields
        if f.is_repeated and f.message_type is not None and not f.message_type.GetOptions().map_entry
    ]
    return items[0] if len(items) == 1 else None


def flow_to_kestra(flow: Any) -> JsonDict:
    """Return Kestra's FlowWithSource: the parsed YAML with the stored facts on top."""
    body: JsonDict = {"id": flow.id, "namespace": flow.namespace, "revision": flow.revision}
    try:
        parsed = yaml.safe_load(flow.source) if flow.source else None
    except yaml.YAMLError:
        parsed = None  # the api validated it; a source it cannot show still has its facts
    if isinstance(parsed, dict):
        body.update(_plain(parsed))
        body.update(id=flow.id, namespace=flow.namespace, revision=flow.revision)
    body.update(disabled=flow.disabled, deleted=flow.deleted, source=flow.source)
    if flow.HasField("updated"):
        body["updated"] = _iso(flow.updated)
    return body


def validations_to_kestra(response: Any) -> list[JsonDict]:
    """Return Kestra's list of ValidateConstraintViolation, one per YAML document."""
    return [validation_to_kestra(result) for result in response.results]


def validation_to_kestra(result: Any) -> JsonDict:
    """Return Kestra's ValidateConstraintViolation of one document (or task, or trigger)."""
    item: JsonDict = {"index": result.index}
    if result.namespace:
        item["namespace"] = result.namespace
    if result.flow:
        item["flow"] = result.flow
    if result.violations:
        item["constraints"] = "\n".join(_constraint(v) for v in result.violations)
    return item


def _constraint(violation: Any) -> str:
    text = f"{violation.path}: {violation.message}" if violation.path else violation.message
    if violation.line:
        return f"line {violation.line}, column {violation.column}: {text}"
    return str(text)


def flow_schema_to_kestra(response: Any) -> JsonDict:
    """Return the JSON Schema itself, not wrapped in the message."""
    return _struct(response, "schema")


def execution_to_kestra(execution: Any) -> JsonDict:
    """Return Kestra's Execution."""
    state = state_to_kestra(execution.state)
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "taskRunList": [task_run_to_kestra(run) for run in execution.task_runs],
        "inputs": _masked(_struct(execution, "inputs"), execution.secret_inputs),
        "outputs": _struct(execution, "outputs"),
        # Set by SetVariables tasks; Kestra shows null when there are none.
        "variables": _struct(execution, "variables") or None,
        "labels": [{"key": label.key, "value": label.value} for label in execution.labels],
        "state": state,
        "parentId": execution.parent_id or None,
        "originalId": execution.original_id or execution.id,
        # What started it (a Subflow task...); null when started by hand.
        "trigger": _trigger(execution) if execution.HasField("trigger") else None,
        "deleted": execution.deleted,
        # Kestra's restart, and its retry as a new execution, add one to attemptNumber.
        "metadata": {
            "attemptNumber": 1 + _restarts(state) + execution.retries,
            "originalCreatedDate": _iso_of(execution, "original_created") or state["startDate"],
        },
        "scheduleDate": _iso_of(execution, "schedule_date"),
    }


def _masked(inputs: JsonDict, secret: Any) -> JsonDict:
    """Return inputs with the values of the SECRET ones masked, as in logs."""
    return {
        name: INPUT_MASK if name in secret and value is not None else value for name, value in inputs.items()
    }


def _iso_of(message: Any, field: str) -> str | None:
    return _iso(getattr(message, field)) if message.HasField(field) else None


def _trigger(execution: Any) -> JsonDict:
    trigger = execution.trigger
    return {"id": trigger.id, "type": trigger.type, "variables": _struct(trigger, "variables")}


def _restarts(state: JsonDict) -> int:
    return sum(1 for entry in state.get("histories") or () if entry.get("state") == "RESTARTED")


def task_run_to_kestra(run: Any) -> JsonDict:
    """Return Kestra's TaskRun."""
    return {
        "id": run.id,
        "executionId": run.execution_id,
        "namespace": run.namespace,
        "flowId": run.flow_id,
        "taskId": run.task_id,
        "parentTaskRunId": run.parent_task_run_id or None,
        "value": run.value or None,
        # The pass of a WaitFor/LoopUntil loop the task run belongs to; Kestra leaves it out otherwise.
        "iteration": run.iteration or None,
        "attempts": [
            {
                "state": state_to_kestra(attempt.state),
                "workerId": attempt.worker_id or None,
                "logFile": attempt.log_file or None,
            }
            for attempt in run.attempts
        ],
        "outputs": _struct(run, "outputs"),
        "state": state_to_kestra(run.state),
    }


def state_to_kestra(state: Any) -> JsonDict:
    """Return Kestra's State with its derived start, end and duration."""
    enum = state.DESCRIPTOR.fields_by_name["current"].enum_type
    current = _enum_name(enum, state.current)
    histories = [{"state": _enum_name(enum, h.state), "date": _iso(h.date)} for h in state.histories]
    dates = [h.date.ToDatetime(tzinfo=dt.UTC) for h in state.histories if h.HasField("date")]
    start = dates[0] if dates else None
    end = dates[-1] if dates and current in _TERMINATED else None
    duration = None
    if start is not None:
        duration = iso_duration((end or dt.datetime.now(dt.UTC)) - start)
    return {
        "current": current,
        "histories": histories,
        "startDate": _iso(state.histories[0].date) if start else None,
        "endDate": _iso(state.histories[-1].date) if end else None,
        "duration": duration,
    }


def log_to_kestra(entry: Any) -> JsonDict:
    """Return Kestra's LogEntry."""
    return {
        "namespace": entry.namespace,
        "flowId": entry.flow_id,
        "taskId": entry.task_id or None,
        "executionId": entry.execution_id or None,
        "taskRunId": entry.task_run_id or None,
        "attemptNumber": entry.attempt_number if entry.task_run_id else None,
        "timestamp": _iso(entry.timestamp) if entry.HasField("timestamp") else None,
        "level": _enum_name(entry.DESCRIPTOR.fields_by_name["level"].enum_type, entry.level),
        "thread": entry.thread,
        "message": entry.message,
    }


def kv_value_to_kestra(value: Any) -> JsonDict:
    """Return Kestra's KVController.TypedValue: {type, value}."""
    return {
        "type": _enum_name(value.DESCRIPTOR.fields_by_name["type"].enum_type, value.type),
        "value": _plain(json_format.MessageToDict(value.value)) if value.HasField("value") else None,
    }


def kv_entry_to_kestra(entry: Any) -> JsonDict:
    """Return Kestra's KVEntry."""
    return {
        "namespace": entry.namespace,
        "key": entry.key,
        "revision": entry.revision,
        "description": entry.description or None,
        "creationDate": _iso_of(entry, "creation_date"),
        "updateDate": _iso_of(entry, "update_date"),
        "expirationDate": _iso_of(entry, "expiration_date"),
    }


def _iso(timestamp: Timestamp) -> str | None:
    if not timestamp.seconds and not timestamp.nanos:
        return None
    return timestamp.ToJsonString()


def _enum_prefix(enum: EnumDescriptor) -> str:
    zero = enum.values_by_number.get(0)
    if zero is not None and zero.name.endswith("UNSPECIFIED"):
        return zero.name[: -len("UNSPECIFIED")]
    return ""


def _enum_name(enum: EnumDescriptor, number: int) -> str | None:
    value = enum.values_by_number.get(number)
    if value is None or number == 0:
        return None
    return value.name[len(_enum_prefix(enum)) :]


def _struct(message: Any, field: str) -> JsonDict:
    if not message.HasField(field):
        return {}
    return dict(_plain(json_format.MessageToDict(getattr(message, field))))


def _plain(value: Any) -> Any:
    """Return value as JSON: str keys, whole floats as ints, dates as ISO strings."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def service_to_kestra(instance: Any) -> JsonDict:
    """Return Kestra's ApiServiceInstance, with flowmesh's pid and worker group as props."""
    fields = instance.DESCRIPTOR.fields_by_name
    props: JsonDict = {"pid": instance.pid}
    if instance.worker_group:
        props["workerGroup"] = instance.worker_group
    return {
        "id": instance.id,
        "type": _enum_name(fields["type"].enum_type, instance.type),
        "state": _enum_name(fields["state"].enum_type, instance.state),
        "server": {"hostname": instance.hostname, "version": instance.version},
        "createdAt": _iso(instance.created_at),
        "updatedAt": _iso(instance.updated_at),
        "props": props,
    }


def trigger_state_to_kestra(state: Any) -> JsonDict:
    """Return Kestra's ApiTriggerState."""
    return {
        "namespace": state.namespace,
        "flowId": state.flow_id,
        "triggerId": state.trigger_id,
        "updatedAt": _iso_of(state, "updated_at"),
        "evaluatedAt": _iso_of(state, "evaluated_at"),
        "nextEvaluationDate": _iso_of(state, "next_evaluation_date"),
        "backfill": backfill_to_kestra(state.backfill) if state.HasField("backfill") else None,
        "stopAfter": list(state.stop_after),
        "disabled": state.disabled,
        "locked": state.locked,
        "workerId": state.worker_id or None,
        "lastTriggeredDate": _iso_of(state, "last_triggered_date"),
        "executionId": state.execution_id or None,
        "kind": _enum_name(state.DESCRIPTOR.fields_by_name["kind"].enum_type, state.kind),
    }


def backfill_to_kestra(backfill: Any) -> JsonDict:
    """Return Kestra's Backfill."""
    return {
        "start": _iso_of(backfill, "start"),
        "end": _iso_of(backfill, "end"),
        "currentDate": _iso_of(backfill, "current_date"),
        "paused": backfill.paused,
        "inputs": _struct(backfill, "inputs"),
        "labels": [{"key": label.key, "value": label.value} for label in backfill.labels],
    }


def webhook_to_kestra(response: Any) -> Any:
    """Return Kestra's webhook answer: None (204) when conditions blocked, the outputs with
    returnOutputs, else its WebhookResponse (the execution's id, flow, trigger, outputs...)."""
    if not response.HasField("execution"):
        return None
    execution = response.execution
    if response.return_outputs:
        return _struct(execution, "outputs")
    full = execution_to_kestra(execution)
    kept = ("id", "namespace", "flowId", "flowRevision", "trigger", "outputs", "labels", "state")
    # Kestra's link to the execution in its UI, relative when no `kestra.url` is set.
    url = f"/ui/{execution.tenant_id}/executions/{execution.namespace}/{execution.flow_id}/{execution.id}"
    return {"tenantId": execution.tenant_id} | {key: full[key] for key in kept} | {"url": url}


def daily_to_kestra(day: Any) -> JsonDict:
    """Return Kestra's DailyExecutionStatistics (durations as ISO-8601, every state counted)."""
    duration = {
        name: iso_duration(getattr(day.duration, name).ToTimedelta())
        for name in ("min", "avg", "max", "sum", "p50", "p95")
    }
    states = enum_names(state_pb2.StateType.DESCRIPTOR)
    return {
        "startDate": _iso(day.start_date),
        "duration": duration | {"count": int(day.duration.count)},
        "executionCounts": {state: int(day.execution_counts.get(state, 0)) for state in states},
        "groupBy": "day",
    }


def daily_by_flow_to_kestra(response: Any) -> JsonDict:
    """Return Kestra's grouped statistics: {namespace: {flowId: [DailyExecutionStatistics]}}."""
    grouped: JsonDict = {}
    for day in response.days:
        grouped.setdefault(day.namespace, {}).setdefault(day.flow_id, []).append(daily_to_kestra(day))
    return grouped


def flow_graph_to_kestra(graph: Any) -> JsonDict:
    """Return Kestra's FlowGraph; in an execution's graph, a task's node carries its task runs."""
    return {
        "nodes": [_graph_node(node) for node in graph.nodes],
        "edges": [
            {
                "source": edge.source,
                "target": edge.target,
                "relation": {
                    "relationType": _enum_name(
                        edge.relation.DESCRIPTOR.fields_by_name["relation_type"].enum_type,
                        edge.relation.relation_type,
                    ),
                    "value": edge.relation.value or None,
                },
            }
            for edge in graph.edges
        ],
        "clusters": [
            {
                "cluster": _graph_node(cluster.cluster),
                "nodes": list(cluster.nodes),
                "parents": list(cluster.parents),
                "start": cluster.start,
                "end": cluster.end,
            }
            for cluster in graph.clusters
        ],
        "flowables": list(graph.flowables),
    }


def _graph_node(node: Any) -> JsonDict:
    fields = node.DESCRIPTOR.fields_by_name
    body: JsonDict = {
        "uid": node.uid,
        "type": node.type,
        "relationType": _enum_name(fields["relation_type"].enum_type, node.relation_type),
        "branchType": _enum_name(fields["branch_type"].enum_type, node.branch_type),
    }
    for name in ("task", "trigger"):
        if node.HasField(name):
            body[name] = _struct(node, name)
    if node.execution_id:
        runs = [task_run_to_kestra(run) for run in node.task_runs]
        body |= {"executionId": node.execution_id, "taskRun": runs[-1] if runs else None, "taskRuns": runs}
    return body


def flow_topology_to_kestra(graph: Any) -> JsonDict:
    """Return Kestra's FlowTopologyGraph."""
    relations = graph.DESCRIPTOR.fields_by_name["edges"].message_type.fields_by_name["relation"].enum_type
    return {
        "nodes": [{"uid": n.uid, "namespace": n.namespace, "id": n.id} for n in graph.nodes],
        "edges": [
            {"source": e.source, "target": e.target, "relation": _enum_name(relations, e.relation)}
            for e in graph.edges
        ],
    }


_TRANSLATORS: dict[str, Callable[[Any], Any]] = {
    "flowmesh.execution.v1.TriggerWebhookResponse": webhook_to_kestra,
    "flowmesh.flow.v1.Flow": flow_to_kestra,
    "flowmesh.flow.v1.ValidateFlowsResponse": validations_to_kestra,
    "flowmesh.plugin.v1.FlowSchema": flow_schema_to_kestra,
    "flowmesh.execution.v1.Execution": execution_to_kestra,
    "flowmesh.execution.v1.TaskRun": task_run_to_kestra,
    "flowmesh.log.v1.LogEntry": log_to_kestra,
    # Kestra's CursorOrOffsetPagedResults: flowmesh pages by offset.
    "flowmesh.log.v1.SearchLogsResponse": lambda found: {
        "results": [log_to_kestra(entry) for entry in found.entries],
        "total": int(found.total_size),
        "type": "OFFSET",
    },
    "flowmesh.stats.v1.DailyStatistics": daily_to_kestra,
    "flowmesh.stats.v1.DailyStatisticsByFlowResponse": daily_by_flow_to_kestra,
    "flowmesh.common.v1.State": state_to_kestra,
    "flowmesh.execution.v1.ExecutionStatusEvent": lambda event: {
        "executionId": event.execution_id,
        "tenantId": event.tenant_id,
        "namespace": event.namespace,
        "flowId": event.flow_id,
        "state": state_to_kestra(event.state),
    },
    "flowmesh.kv.v1.KvValue": kv_value_to_kestra,
    "flowmesh.kv.v1.KvEntry": kv_entry_to_kestra,
    # Kestra answers a key's deletion with a bare boolean.
    "flowmesh.kv.v1.DeleteKeyValueResponse": lambda response: response.deleted,
    "flowmesh.trigger.v1.TriggerState": trigger_state_to_kestra,
    "flowmesh.instance.v1.ServiceInstance": service_to_kestra,
    "flowmesh.trigger.v1.TriggerAndState": lambda item: {
        "trigger": _struct(item, "trigger"),
        "state": trigger_state_to_kestra(item.state),
    },
    # Kestra's ApiAsyncOperationResponse, totalItems even when nothing changed.
    "flowmesh.trigger.v1.TriggersOperationResponse": lambda done: {
        "operationId": done.operation_id,
        "totalItems": done.total_items,
    },
    "flowmesh.file.v1.FileMetas": file_metas,
    "flowmesh.file.v1.FileAttributes": file_attributes,
    "flowmesh.file.v1.FilePreview": file_preview,
    "flowmesh.file.v1.SearchNamespaceFilesResponse": lambda found: list(found.paths),
    "flowmesh.execution.v1.FlowForExecution": lambda found: _struct(found, "flow"),
    "flowmesh.execution.v1.ListExecutableNamespacesResponse": lambda found: list(found.namespaces),
    "flowmesh.execution.v1.LatestExecution": lambda latest: {
        "id": latest.id,
        "flowId": latest.flow_id,
        "namespace": latest.namespace,
        "startDate": _iso_of(latest, "start_date"),
        "status": _enum_name(latest.DESCRIPTOR.fields_by_name["status"].enum_type, latest.status),
    },
    # Kestra's ApiValidateExecutionInputsResponse, with its empty lists and false flags.
    "flowmesh.execution.v1.ValidateExecutionInputsResponse": lambda checked: _plain(
        json_format.MessageToDict(checked, always_print_fields_with_no_presence=True)
    ),
    "flowmesh.flow.v1.FlowValidation": validation_to_kestra,
    "flowmesh.flow.v1.FlowGraph": flow_graph_to_kestra,
    "flowmesh.flow.v1.FlowTopology": flow_topology_to_kestra,
    "flowmesh.flow.v1.FlowTask": lambda found: _struct(found, "task"),
    # Kestra's BulkResponse, its count even when nothing changed.
    "flowmesh.flow.v1.BulkFlowsResponse": lambda done: {"count": done.count},
    "flowmesh.flow.v1.ImportFlowsResponse": lambda done: list(done.failed),
    "flowmesh.flow.v1.ListDistinctNamespacesResponse": lambda found: list(found.namespaces),
    "flowmesh.namespace.v1.Namespace": lambda namespace: {"id": namespace.id, "deleted": namespace.deleted},
    "flowmesh.namespace.v1.AutocompleteNamespacesResponse": lambda found: list(found.namespaces),
    "flowmesh.namespace.v1.InheritedSecrets": lambda found: {
        namespace: list(names.keys) for namespace, names in found.by_namespace.items()
    },
    # Kestra's ApiSecretListResponse: read-only, the names only (secrets come from the environment).
    "flowmesh.namespace.v1.SearchSecretsResponse": lambda found: {
        "readOnly": True,
        "results": [
            {"key": secret.key, "namespace": secret.namespace or None, "tags": []} for secret in found.secrets
        ],
        "total": int(found.total_size),
    },
    # Every property, false and empty ones too: the UI reads them all.
    "flowmesh.instance.v1.Configuration": lambda configuration: _plain(
        json_format.MessageToDict(configuration, always_print_fields_with_no_presence=True)
    ),
    "flowmesh.instance.v1.LoginConfiguration": lambda login: {
        "isBasicAuthInitialized": login.is_basic_auth_initialized
    },
}
