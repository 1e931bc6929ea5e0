"""Validation answers: one per YAML document of a flow, or for a task or trigger on its own."""

from __future__ import annotations

from typing import Any

import yaml

from flowmesh.flow.v1.flow_messages_pb2 import TaskSection
from flowmesh.flow.v1.flow_pb2 import FlowValidation, FlowViolation
from flowmesh.language import FlowInvalid, Violation, load_document, parse_flow

# The flow a task or trigger checked on its own is put in.
_HOST = {"id": "validated", "namespace": "flowmesh.validation"}
_HOST_TASK = {"id": "validated-task", "type": "io.kestra.plugin.core.log.Log", "message": "-"}


def validate_document(index: int, document: str) -> FlowValidation:
    """Return the violations of one flow document, with its namespace and id as far as they are read."""
    try:
        definition = parse_flow(document)
    except FlowInvalid as invalid:
        namespace, flow_id = declared_names(document)
        return FlowValidation(
            index=index, namespace=namespace, flow=flow_id, violations=_violations(invalid.violations)
        )
    return FlowValidation(index=index, namespace=definition.namespace, flow=definition.id)


def validate_part(source: str, section: int) -> FlowValidation:
    """Return the violations of a task (or a trigger, section TRIGGERS) checked as part of a flow.

    Paths are the part's own (`message`, not `tasks[0].message`); positions are left out, the
    part having been checked inside a flow made around it.
    """
    try:
        part, _ = load_document(source)
    except FlowInvalid as invalid:
        return FlowValidation(violations=_violations(invalid.violations))
    if not isinstance(part, dict):
        return FlowValidation(violations=[FlowViolation(message="must be a YAML or JSON map")])
    triggers = section == TaskSection.TASK_SECTION_TRIGGERS
    prefix = "triggers[0]" if triggers else "tasks[0]"
    host: dict[str, Any] = {**_HOST, "tasks": [part]}
    if triggers:
        host |= {"tasks": [_HOST_TASK], "triggers": [part]}
    try:
        parse_flow(yaml.safe_dump(host, sort_keys=False))
    except FlowInvalid as invalid:
        return FlowValidation(
            violations=[
                FlowViolation(path=v.path.removeprefix(prefix).removeprefix("."), message=v.message)
                for v in invalid.violations
            ]
        )
    return FlowValidation()


def _violations(violations: list[Violation]) -> list[FlowViolation]:
    return [FlowViolation(path=v.path, line=v.line, column=v.column, message=v.message) for v in violations]


def declared_names(document: str) -> tuple[str, str]:
    """Return the namespace and id a possibly invalid document declares, as far as it can be read."""
    try:
        data, _ = load_document(document)
    except FlowInvalid:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("namespace") or ""), str(data.get("id") or "")
