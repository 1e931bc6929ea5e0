from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Bounds on what one expression may build, so that `{{ 'a' * 10**9 }}` or
# `{{ 2 ** 100000000 }}` fails instead of taking the process's memory or CPU.
MAX_REPEAT = 1_000_000
MAX_POWER_BITS = 100_000


class ExpressionError(ValueError):
    """An expression that cannot be rendered; the message says which and why."""


class _KestraUndefined(jinja2.StrictUndefined):
    """Fail on any use of an unknown name, as Pebble's strict variables do."""


def _to_text(value: Any) -> str:
    """Print values as Pebble does: maps and lists as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with maps read as Pebble reads them and repetition and powers bounded."""

    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A map's attributes are its keys only: `outputs.t.values` is the output named
        # values (OutputValues), not dict.values, and `outputs.get` the task named get.
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_size(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _check_size(operator: str, left: Any, right: Any) -> None:
    """Raise ValueError when left <operator> right would be too large to build."""
    if operator == "*":
        for sized, times in ((left, right), (right, left)):
            if isinstance(sized, str | list) and isinstance(times, int) and len(sized) * times > MAX_REPEAT:
                raise ValueError(f"the result would be longer than {MAX_REPEAT}")
    # left ** right has about bit_length(left) * right bits.
    elif isinstance(left, int) and isinstance(right, int) and abs(left).bit_length() * right > MAX_POWER_BITS:
        raise ValueError(f"the result would be larger than {MAX_POWER_BITS} bits")


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        undefined=_KestraUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_to_text,
    )
    # Pebble has none of Jinja's globals (range, lipsum, cycler, joiner, namespace, dict).
    env.globals.clear()
    env.globals.update({"null": None})
    return env


@lru_cache(maxsize=4096)
def _compile(template: str) -> jinja2.Template:
    env = _environment()
    tree = env.parse(template)
    # Jinja binds `self` to the template itself, outside the variables and the sandbox's reach.
    if any(name.name == "self" for name in tree.find_all(nodes.Name)):
        raise jinja2.UndefinedError("'self' is undefined")
    return env.from_string(tree)


def render(template: str, variables: dict[str, Any]) -> str:
    """Render one template string against variables.

    Raise ExpressionError naming the expression when it uses an unknown
    variable, has a syntax error, or does something the sandbox forbids.
    """
    if "{{" not in template and "{%" not in template:
        return template
    try:
        return _compile(template).render(variables)
    except jinja2.UndefinedError as error:
        name = _undefined_name(error)
        raise ExpressionError(
            f"Unable to find `{name}` used in the expression `{template}` at line 1"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        raise ExpressionError(
            f"Syntax error in the expression `{template}` at line {error.lineno}: {error.message}"
        ) from None
    except jinja2.exceptions.SecurityError as error:
        raise ExpressionError(f"Forbidden in the expression `{template}`: {error}") from None
    except (TypeError, ValueError, ArithmeticError) as error:
        raise ExpressionError(f"Cannot render the expression `{template}`: {error}") from None


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """Render every string inside value (dicts and lists included)."""
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, dict):
        return {key: render_value(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [render_value(item, variables) for item in value]
    return value


def _undefined_name(error: jinja2.UndefinedError) -> str:
    # Jinja says "'inputs' is undefined" or "'dict object' has no attribute 'x'".
    message = str(error.message or "")
    if message.endswith(" is undefined"):
        return message.removesuffix(" is undefined").strip("'")
    if "has no attribute" in message:
        return message.rsplit("has no attribute", 1)[1].strip(" '")
    return message
