"""The JSON Schema of the flow language, made from the registered task models.

Tasks are a oneOf with one branch per type name (aliases included), each keyed by a
`type` const and pointing at the pydantic schema of its class; task lists inside
flowable tasks point back at that oneOf. Triggers are a oneOf built the same way.
Inputs are a oneOf over input types.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic.json_schema import models_json_schema

from flowmesh.language._checks import Check
from flowmesh.language._concurrency import Concurrency
from flowmesh.language._defaults import DEFAULTS_KEYS
from flowmesh.language._input_declarations import INPUT_ID, MAX_DISPLAY_NAME
from flowmesh.language._inputs import COMMON_INPUT_PROPERTIES, INPUT_TYPES, TYPE_INPUT_PROPERTIES
from flowmesh.language._parse import FLOW_ID, MAX_LENGTHS, NAMESPACE, SUPPORTED_KEYS
from flowmesh.language._policies import FlowRetry, Sla
from flowmesh.language._triggers import TRIGGER_CLASSES
from flowmesh.plugins import Task, task_types

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TASK = "#/$defs/task"
TRIGGER = "#/$defs/trigger"
_BASE_TASK = f"#/$defs/{Task.__name__}"

_TEXT: dict[str, Any] = {"type": "string"}
_ISO_TEXT: dict[str, Any] = {"type": "string", "description": "ISO-8601"}
_NUMBER: dict[str, Any] = {"type": "number"}
_INPUT_PROPERTY_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "pattern": f"^{INPUT_ID.pattern}$"},
    "name": {"type": "string", "pattern": f"^{INPUT_ID.pattern}$", "deprecated": True},
    "required": {"type": "boolean", "default": True},
    "defaults": {},
    "description": _TEXT,
    "displayName": {"type": "string", "maxLength": MAX_DISPLAY_NAME},
    "validator": {"type": "string", "format": "regex"},
    "values": {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "boolean"]}},
    "options": {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "boolean"]}},
    "allowCustomValue": {"type": "boolean", "default": False},
    "isRadio": {"type": "boolean", "default": False},
    "after": _ISO_TEXT,
    "before": _ISO_TEXT,
    "itemType": {"enum": [name for name in INPUT_TYPES if name != "ARRAY"]},
}
_BOUNDS = {"INT": {"type": "integer"}, "FLOAT": _NUMBER, "DURATION": _ISO_TEXT}


def flow_schema() -> dict[str, Any]:
    """Return the JSON Schema (2020-12) of a flow with the task types installed now."""
    task_defs = _task_defs()
    properties = {key: _FLOW_PROPERTIES.get(key, {}) for key in sorted(SUPPORTED_KEYS)}
    for key in DEFAULTS_KEYS:
        if key in properties:
            properties[key] = {"type": "array", "items": {"$ref": "#/$defs/pluginDefault"}}
    if "taskDefaults" in properties:
        properties["taskDefaults"] = {**properties["taskDefaults"], "deprecated": True}
    policies, policy_defs = _policy_schemas()
    properties |= {key: schema for key, schema in policies.items() if key in properties}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Flow",
        "description": "A Kestra flow, as flowmesh accepts it.",
        "type": "object",
        "required": ["id", "namespace", "tasks"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": {
            **task_defs,
            **_trigger_defs(),
            **policy_defs,
            "input": _input_schema(),
            "pluginDefault": _PLUGIN_DEFAULT,
        },
    }


def _task_defs() -> dict[str, Any]:
    names_by_class: dict[type[Task], list[str]] = {}
    for name, cls in sorted(task_types().items()):
        names_by_class.setdefault(cls, []).append(name)
    classes = sorted(names_by_class, key=lambda cls: cls.type_names[:1] or (cls.__name__,))
    refs, top = models_json_schema([(cls, "validation") for cls in classes], ref_template="#/$defs/{model}")
    defs: dict[str, Any] = _retarget(top.get("$defs", {}))
    defs.pop(Task.__name__, None)  # task lists point at the oneOf instead
    branches = []
    for cls in classes:
        ref = refs[(cls, "validation")]["$ref"]
        names = [name for name in cls.type_names if name in names_by_class[cls]]
        names += [name for name in names_by_class[cls] if name not in names]
        defs[ref.rsplit("/", 1)[1]]["properties"]["type"] = {"type": "string", "enum": names}
        branches += [
            {"title": name, "properties": {"type": {"const": name}}, "required": ["type"], "$ref": ref}
            for name in names
        ]
    defs["task"] = {"type": "object", "required": ["id", "type"], "oneOf": branches}
    return defs


def _trigger_defs() -> dict[str, Any]:
    refs, top = models_json_schema(
        [(cls, "validation") for cls in TRIGGER_CLASSES], ref_template="#/$defs/trigger_{model}"
    )
    defs: dict[str, Any] = {f"trigger_{name}": schema for name, schema in top.get("$defs", {}).items()}
    branches = []
    for cls in TRIGGER_CLASSES:
        ref = refs[(cls, "validation")]["$ref"]
        defs[ref.rsplit("/", 1)[1]]["properties"]["type"] = {"type": "string", "enum": list(cls.type_names)}
        branches += [
            {"title": name, "properties": {"type": {"const": name}}, "required": ["type"], "$ref": ref}
            for name in cls.type_names
        ]
    defs["trigger"] = {"type": "object", "required": ["id", "type"], "oneOf": branches}
    return defs


def _policy_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the schemas of the flow's policies (retry, sla, concurrency, checks), and their models."""
    adapters: dict[str, TypeAdapter[Any]] = {
        "retry": TypeAdapter(Annotated[FlowRetry, Field(discriminator="type")]),
        "sla": TypeAdapter(list[Annotated[Sla, Field(discriminator="type")]]),
        "concurrency": TypeAdapter(Concurrency),
        "checks": TypeAdapter(list[Check]),
    }
    found: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for key, adapter in adapters.items():
        schema = adapter.json_schema(ref_template="#/$defs/{model}")
        defs |= schema.pop("$defs", {})
        found[key] = schema
    return found, defs


def _retarget(value: Any) -> Any:
    """Return value with references to the base Task model pointing at the task oneOf."""
    if isinstance(value, dict):
        if value.get("$ref") == _BASE_TASK:
            return {**value, "$ref": TASK}
        return {key: _retarget(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_retarget(item) for item in value]
    return value


def _input_schema() -> dict[str, Any]:
    branches = []
    for input_type in INPUT_TYPES:
        names = sorted(COMMON_INPUT_PROPERTIES | TYPE_INPUT_PROPERTIES.get(input_type, frozenset()))
        properties = {name: _INPUT_PROPERTY_SCHEMAS.get(name, {}) for name in names}
        if input_type in _BOUNDS:
            properties |= {"min": _BOUNDS[input_type], "max": _BOUNDS[input_type]}
        properties["type"] = {"const": input_type}
        branch: dict[str, Any] = {
            "title": input_type,
            "type": "object",
            "properties": properties,
            "required": ["type"],
            "additionalProperties": False,
            "anyOf": [{"required": ["id"]}, {"required": ["name"]}],
        }
        if input_type in ("SELECT", "ENUM"):
            branch["required"] = ["type", "values"]
        if input_type == "ARRAY":
            branch["required"] = ["type", "itemType"]
        branches.append(branch)
    return {"oneOf": branches}


_TASKS: dict[str, Any] = {"type": "array", "items": {"$ref": TASK}}
_PLUGIN_DEFAULT: dict[str, Any] = {
    "type": "object",
    "description": "Default properties of the tasks whose type is `type` or starts with it.",
    "required": ["type", "values"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "minLength": 1},
        "forced": {"type": "boolean", "default": False},
        "values": {"type": "object"},
    },
}
_FLOW_PROPERTIES: dict[str, dict[str, Any]] = {
    "id": {
        "type": "string",
        "pattern": f"^{FLOW_ID.pattern}$",
        "minLength": 1,
        "maxLength": MAX_LENGTHS["id"],
    },
    "namespace": {
        "type": "string",
        "pattern": f"^{NAMESPACE.pattern}$",
        "minLength": 1,
        "maxLength": MAX_LENGTHS["namespace"],
    },
    "revision": {"type": "integer", "minimum": 1},
    "description": _TEXT,
    "labels": {
        "oneOf": [
            {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key"],
                    "properties": {"key": _TEXT, "value": {"type": ["string", "number", "boolean"]}},
                },
            },
        ]
    },
    "inputs": {"type": "array", "items": {"$ref": "#/$defs/input"}},
    "variables": {"type": "object"},
    "tasks": {**_TASKS, "minItems": 1},
    "errors": _TASKS,
    "finally": _TASKS,
    "afterExecution": _TASKS,
    "outputs": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", "type", "value"],
            "additionalProperties": False,
            "properties": {
                "id": _TEXT,
                "type": {"enum": list(INPUT_TYPES)},
                "value": {},
                "required": {"type": "boolean", "default": True},
                "description": _TEXT,
                "displayName": _TEXT,
            },
        },
    },
    "disabled": {"type": "boolean", "default": False},
    "triggers": {
        "type": "array",
        "description": "Kept and validated; flowmesh does not fire triggers yet.",
        "items": {"$ref": TRIGGER},
    },
}
