"""Kestra's conditions: Expression, Not and Or; the execution conditions of Flow triggers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flowmesh.expressions import ExpressionError, render_value
from flowmesh.language._condition import Condition
from flowmesh.plugins import is_true


class ConditionError(ValueError):
    """A condition that cannot be evaluated: an unknown type, a property missing or of the wrong kind."""


# What a condition sees: the upstream execution's id, namespace, flowId, state, labels
# (a map), outputs (its flow's) and `context`, the variables expressions render against.
Upstream = Mapping[str, Any]
Check = Callable[[Mapping[str, Any], Upstream], bool]


def kind_of(condition: Condition) -> str:
    """Return the condition's short name: ExecutionStatus for both of Kestra's spellings of its type."""
    return condition.kind


class ConditionKinds:
    """The conditions one family of triggers understands, with Kestra's Expression, Not and Or over them.

    A subject is what the conditions look at; its `context` holds the variables that
    expressions render against.
    """

    def __init__(self, applies_to: str, checks: Mapping[str, Check]) -> None:
        self._applies_to = applies_to
        self._checks: dict[str, Check] = {
            **checks,
            "Expression": _expression,
            "Not": self._not,
            "Or": self._or,
        }

    def holds(self, condition: Condition, subject: Upstream) -> bool:
        """Return whether condition holds for subject; raise ConditionError if it cannot say."""
        check = self._checks.get(kind_of(condition))
        if check is None:
            raise ConditionError(f"condition type {condition.type} does not apply to {self._applies_to}")
        return check(condition.model_extra or {}, subject)

    def _not(self, props: Mapping[str, Any], subject: Upstream) -> bool:
        return not any(self.holds(each, subject) for each in _nested(props, "Not"))

    def _or(self, props: Mapping[str, Any], subject: Upstream) -> bool:
        return any(self.holds(each, subject) for each in _nested(props, "Or"))


def condition_holds(condition: Condition, upstream: Upstream) -> bool:
    """Return whether condition holds for the upstream state change; raise ConditionError if it cannot say.

    MultipleCondition is not decided here: it keeps state across executions (see evaluate).
    """
    return _FLOW_CONDITIONS.holds(condition, upstream)


def _status(props: Mapping[str, Any], upstream: Upstream) -> bool:
    state = upstream["state"]
    included = props.get("in")
    excluded = props.get("notIn")
    return (not included or state in included) and (not excluded or state not in excluded)


def _flow(props: Mapping[str, Any], upstream: Upstream) -> bool:
    return bool(props.get("namespace") == upstream["namespace"] and props.get("flowId") == upstream["flowId"])


def _namespace(props: Mapping[str, Any], upstream: Upstream) -> bool:
    wanted = _required_text(props, "namespace", "ExecutionNamespace")
    namespace = str(upstream["namespace"])
    comparison = str(props.get("comparison") or ("PREFIX" if props.get("prefix") else "EQUALS")).upper()
    if comparison == "EQUALS":
        return namespace == wanted
    if comparison == "PREFIX":
        return namespace.startswith(wanted)
    if comparison == "SUFFIX":
        return namespace.endswith(wanted)
    raise ConditionError(f"ExecutionNamespace comparison must be EQUALS, PREFIX or SUFFIX, not {comparison}")


def _labels(props: Mapping[str, Any], upstream: Upstream) -> bool:
    wanted = props.get("labels")
    if isinstance(wanted, list):
        wanted = {item.get("key"): item.get("value") for item in wanted if isinstance(item, dict)}
    if not isinstance(wanted, dict) or not wanted:
        raise ConditionError("ExecutionLabels needs `labels`, a map or a list of {key, value}")
    labels = upstream["labels"]
    return all(key in labels and labels[key] == str(value) for key, value in wanted.items())


def _outputs(props: Mapping[str, Any], upstream: Upstream) -> bool:
    if not upstream["outputs"]:
        return False
    expression = _required_text(props, "expression", "ExecutionOutputs")
    return expression_true(expression, {**upstream["context"], "outputs": upstream["outputs"]})


def _expression(props: Mapping[str, Any], upstream: Upstream) -> bool:
    return expression_true(_required_text(props, "expression", "Expression"), upstream["context"])


def _nested(props: Mapping[str, Any], kind: str) -> list[Condition]:
    raw = props.get("conditions")
    if not isinstance(raw, list) or not raw:
        raise ConditionError(f"{kind} needs `conditions`, a list of conditions")
    try:
        return [Condition.model_validate(item) for item in raw]
    except ValueError as error:
        raise ConditionError(f"{kind} has an invalid condition: {error}") from None


def expression_true(expression: str, context: Mapping[str, Any]) -> bool:
    """Return whether expression renders to something true; raise ConditionError if it cannot render."""
    try:
        return is_true(render_value(expression, dict(context)))
    except ExpressionError as error:
        raise ConditionError(f"cannot evaluate `{expression}`: {error}") from None


def _required_text(props: Mapping[str, Any], name: str, kind: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not value:
        raise ConditionError(f"{kind} needs `{name}`")
    return value


_FLOW_CONDITIONS = ConditionKinds(
    "Flow triggers",
    {
        "ExecutionStatus": _status,
        "ExecutionFlow": _flow,
        "ExecutionNamespace": _namespace,
        "ExecutionLabels": _labels,
        "ExecutionOutputs": _outputs,
    },
)
