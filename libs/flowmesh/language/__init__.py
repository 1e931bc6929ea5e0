"""Kestra's flow language: parse and validate YAML into a flow definition."""

from __future__ import annotations

from flowmesh.language._checks import Check, failed_checks
from flowmesh.language._condition import Condition
from flowmesh.language._cron import CronSchedule
from flowmesh.language._input_declarations import parse_inputs
from flowmesh.language._input_time import parse_duration
from flowmesh.language._inputs import InputsError, resolve_declared, resolve_inputs
from flowmesh.language._model import FlowDefinition, FlowInvalid, Input, Output, Violation
from flowmesh.language._outputs import typed_output
from flowmesh.language._parse import parse_flow, split_documents
from flowmesh.language._policies import ExecutionAssertionSla, FlowRetry, MaxDurationSla, Sla
from flowmesh.language._schema import flow_schema
from flowmesh.language._triggers import (
    POLLING_TRIGGER_CLASSES,
    FlowTrigger,
    HttpTrigger,
    Label,
    PollingTrigger,
    Schedule,
    Trigger,
    Webhook,
)
from flowmesh.language._yaml import load_document

__all__ = [
    "Condition",
    "CronSchedule",
    "FlowTrigger",
    "HttpTrigger",
    "POLLING_TRIGGER_CLASSES",
    "PollingTrigger",
    "Label",
    "Schedule",
    "Trigger",
    "Webhook",
    "Check",
    "ExecutionAssertionSla",
    "FlowDefinition",
    "FlowInvalid",
    "FlowRetry",
    "Input",
    "InputsError",
    "MaxDurationSla",
    "Output",
    "Sla",
    "Violation",
    "failed_checks",
    "flow_schema",
    "load_document",
    "parse_duration",
    "parse_flow",
    "parse_inputs",
    "resolve_declared",
    "resolve_inputs",
    "split_documents",
    "typed_output",
]
