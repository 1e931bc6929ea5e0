"""Webhook triggers: a call to a flow's webhook URL, turned into Kestra's `trigger` variables.

The pure part (trigger_variables, conditions_allow, matching_webhook) is kept apart from the
servicer so that it can be checked without a server.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import grpc

from flowmesh.expressions import ExpressionError, RenderServices, render, render_value, using
from flowmesh.language import Condition, FlowDefinition, Webhook
from flowmesh.rpc import ApiError
from flowmesh.secrets import EnvironmentSecrets
from flowmesh.triggers import ConditionError, expression_true

# Kestra's Expression condition, and its older name.
_EXPRESSION_CONDITIONS = frozenset(
    {"io.kestra.plugin.core.condition.Expression", "io.kestra.core.models.conditions.types.VariableCondition"}
)


def webhook_not_found(message: str = "Webhook not found") -> ApiError:
    """Kestra's 404 for a webhook: `Flow not found`, or by default a wrong key or disabled trigger."""
    return ApiError(grpc.StatusCode.NOT_FOUND, "WEBHOOK_NOT_FOUND", message)


def is_json(content_type: str) -> bool:
    """Return whether a Content-Type says JSON (application/json, application/*+json)."""
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def trigger_variables(
    body: bytes,
    headers: Mapping[str, Iterable[str]],
    parameters: Mapping[str, Iterable[str]],
) -> dict[str, Any]:
    """Return Kestra's Webhook output: `body`, `headers` and `parameters` (lists of values).

    As Kestra, the body is a JSON object or array when it reads as one, else its text (null
    when empty); a body that is not UTF-8 is given in base64. Unlike Kestra, a body sent with
    a JSON content type that is not JSON is refused (INVALID_ARGUMENT) rather than passed on
    as text: the caller meant JSON and should hear it was not.
    """
    content_type = next(iter(headers.get("content-type", ())), "")
    return {
        "body": _body(body, is_json(content_type)),
        "headers": {name: list(values) for name, values in headers.items()},
        "parameters": {name: list(values) for name, values in parameters.items()},
    }


def _body(raw: bytes, sent_as_json: bool) -> Any:
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if sent_as_json:
            raise _bad_body("the body is sent as JSON but is not UTF-8 text") from None
        return base64.b64encode(raw).decode("ascii")
    try:
        parsed = json.loads(text)
    except ValueError as error:
        if sent_as_json:
            raise _bad_body(f"the body is sent as JSON but is not valid JSON: {error}") from None
        return text
    return parsed if isinstance(parsed, dict | list) else text


def _bad_body(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_WEBHOOK_BODY", message, [("body", message)])


def matching_webhook(flow: FlowDefinition, key: str) -> Webhook | None:
    """Return the flow's enabled Webhook trigger whose key, rendered, is key.

    A key may be an expression (`{{ secret('WEBHOOK_KEY') }}`): it is rendered with the
    api's secrets and the flow's variables. A key that cannot be rendered matches nothing.
    """
    variables = {"flow": {"id": flow.id, "namespace": flow.namespace}}
    for trigger in flow.triggers:
        if not isinstance(trigger, Webhook) or trigger.disabled:
            continue
        expected = trigger.key
        if "{{" in expected:
            try:
                with using(_secret_services()):
                    expected = render(expected, variables)
            except ExpressionError:
                continue
        if expected.strip() == key:
            return trigger
    return None


def _secret_services() -> RenderServices:
    return RenderServices(secret=EnvironmentSecrets(os.environ).get)


def conditions_allow(conditions: Iterable[Condition], variables: dict[str, Any]) -> bool:
    """Return whether every condition holds for a call with these variables.

    Expression conditions are rendered and read as Flow triggers' are (blank, `false` or
    `0` blocks, Kestra's TruthUtils). Other types need what the scheduler knows (dates,
    other executions) and are refused, named.
    """
    for index, condition in enumerate(conditions):
        if condition.type not in _EXPRESSION_CONDITIONS:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "UNSUPPORTED_CONDITION",
                f"conditions[{index}]: a webhook cannot evaluate conditions of type {condition.type}"
                " yet (only Expression)",
            )
        expression = (condition.model_extra or {}).get("expression")
        if not isinstance(expression, str):
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "UNSUPPORTED_CONDITION",
                f"conditions[{index}].expression: must be a string",
            )
        try:
            holds = expression_true(expression, variables)
        except ConditionError as error:
            message = f"conditions[{index}].expression: {error}"
            raise ApiError(grpc.StatusCode.INVALID_ARGUMENT, "CONDITION_FAILED", message) from None
        if not holds:
            return False
    return True


def rendered_inputs(trigger: Webhook, variables: dict[str, Any]) -> dict[str, Any]:
    """Return the trigger's `inputs` rendered against the call (INVALID_ARGUMENT naming the input)."""
    found: dict[str, Any] = {}
    for name, value in trigger.inputs.items():
        try:
            found[name] = render_value(value, variables)
        except ExpressionError as error:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "INPUTS_INVALID",
                f"triggers.{trigger.id}.inputs.{name}: {error}",
                [(f"inputs.{name}", str(error))],
            ) from None
    return found


def answer_status(trigger: Webhook, failed: bool, variables: dict[str, Any]) -> int:
    """Return the status of a waiting webhook's answer: its responseCode rendered against the
    ended execution, else Kestra's 500 for a FAILED execution and 200 otherwise."""
    if trigger.responseCode is None:
        return 500 if failed else 200
    where = f"triggers.{trigger.id}.responseCode"
    try:
        rendered = render(str(trigger.responseCode), variables).strip()
    except ExpressionError as error:
        rendered, problem = "", str(error)
    else:
        valid = rendered.isdigit() and 100 <= int(rendered) <= 599
        problem = "" if valid else f"'{rendered}' is not an HTTP status"
    if problem:
        raise ApiError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RESPONSE_CODE", f"{where}: {problem}")
    return int(rendered)
