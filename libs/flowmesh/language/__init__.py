"""Kestra's flow language: parse and validate YAML into a flow definition."""

from __future__ import annotations

from flowmesh.language._input_declarations import parse_inputs
from flowmesh.language._inputs import InputsError, resolve_declared, resolve_inputs
from flowmesh.language._model import FlowDefinition, FlowInvalid, Input, Output, Violation
from flowmesh.language._outputs import typed_output
from flowmesh.language._parse import parse_flow, split_documents
from flowmesh.language._schema import flow_schema
from flowmesh.language._yaml import load_document

__all__ = [
    "FlowDefinition",
    "FlowInvalid",
    "Input",
    "InputsError",
    "Output",
    "Violation",
    "flow_schema",
    "load_document",
    "parse_flow",
    "parse_inputs",
    "resolve_declared",
    "resolve_inputs",
    "split_documents",
    "typed_output",
]
