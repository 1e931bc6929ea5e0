"""The flow schema and expression playground routes, and their JSON shapes."""

from __future__ import annotations

from flowmesh.expression.v1.expression_messages_pb2 import EvaluateExpressionResponse
from flowmesh.gateway._app import SERVICES
from flowmesh.gateway._kestra import to_kestra
from flowmesh.gateway._routes import discover
from flowmesh.plugin.v1.plugin_messages_pb2 import FlowSchema
from flowmesh.values import to_struct


def test_the_routes_follow_the_http_rules() -> None:
    routes = {(spec.verb, spec.path): spec for spec in discover(SERVICES)}

    assert ("GET", "/api/v1/{tenant}/plugins/schemas/flow") in routes
    evaluate = routes[("POST", "/api/v1/{tenant}/expressions/evaluate")]
    assert evaluate.body == "*"


def test_the_flow_schema_answer_is_the_schema_itself() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "maxLength": 100}}}

    assert to_kestra(FlowSchema(schema=to_struct(schema))) == schema


def test_an_evaluation_answers_result_or_error() -> None:
    assert to_kestra(EvaluateExpressionResponse(result="")) == {"result": ""}
    assert to_kestra(EvaluateExpressionResponse(error="bad")) == {"error": "bad"}
