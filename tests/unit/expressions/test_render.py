"""Pebble expressions rendered by the sandboxed Jinja2 environment."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flowmesh.expressions import ExpressionError, render, render_value

VARIABLES: dict[str, Any] = {
    "inputs": {"name": "world", "n": 3, "ratio": 0.5, "flag": True, "off": False, "nothing": None},
    "outputs": {"first": {"value": "one", "list": [1, "two", None], "map": {"k": "v", "é": "ü"}}},
    "vars": {"greeting": "hello"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text", "plain text"),
        ("Hello {{ inputs.name }}!", "Hello world!"),
        ("{{inputs.name}}", "world"),
        ("{{ outputs.first.value }}", "one"),
        ("{{ inputs['name'] }}", "world"),
        ("{{ inputs.n + 1 }}", "4"),
        ("{{ inputs.ratio }}", "0.5"),
        ("{{ vars.greeting ~ ' ' ~ inputs.name }}", "hello world"),
        ("{{ inputs.name | upper }}", "WORLD"),
        ("{{ 'MiXed' | lower }}", "mixed"),
        ("{{ outputs.first.list | length }}", "3"),
        ("line\n", "line\n"),
        ("{{ inputs.name }}\n", "world\n"),
    ],
)
def test_variables_and_filters(template: str, expected: str) -> None:
    assert render(template, VARIABLES) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ null }}", ""),
        ("[{{ inputs.nothing }}]", "[]"),
        ("{{ inputs.flag }}", "true"),
        ("{{ inputs.off }}", "false"),
        ("{{ true }}", "true"),
        ("{{ false }}", "false"),
        ("{{ inputs.n > 2 }}", "true"),
        ("{{ inputs.nothing is none }}", "true"),
    ],
)
def test_null_and_booleans_print_as_pebble_prints_them(template: str, expected: str) -> None:
    assert render(template, VARIABLES) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ outputs.first.list }}", '[1,"two",null]'),
        ("{{ outputs.first.map }}", '{"k":"v","é":"ü"}'),
        ("{{ [1, 2] }}", "[1,2]"),
        ("{{ {'a': true} }}", '{"a":true}'),
        ("{{ outputs.first }}", '{"value":"one","list":[1,"two",null],"map":{"k":"v","é":"ü"}}'),
    ],
)
def test_lists_and_maps_print_as_json(template: str, expected: str) -> None:
    assert render(template, VARIABLES) == expected


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("{{ x }}", "x"),
        ("Hi {{ missing.value }}", "missing"),
        ("{{ inputs.nope }}", "nope"),
        ("{{ outputs.second.value }}", "second"),
        ("{{ missing | upper }}", "missing"),
    ],
)
def test_an_undefined_variable_names_itself_and_the_expression(template: str, name: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        render(template, VARIABLES)

    assert str(caught.value).startswith(f"Unable to find `{name}` used in the expression `{template}`")


def test_map_keys_named_like_dict_methods_are_keys() -> None:
    variables = {
        "outputs": {"get": {"value": "got"}, "out": {"values": {"a": 1}, "items": [1, 2], "keys": "k"}}
    }

    assert render("{{ outputs.get.value }}", variables) == "got"
    assert render("{{ outputs.out.values.a }}", variables) == "1"
    assert render("{{ outputs.out.items }}", variables) == "[1,2]"
    assert render("{{ outputs.out.keys }}", variables) == "k"


def test_a_map_has_no_attributes_but_its_keys() -> None:
    with pytest.raises(ExpressionError, match="Unable to find `values`"):
        render("{{ inputs.values }}", VARIABLES)
    with pytest.raises(ExpressionError, match="Unable to find `items`"):
        render("{% for k, v in inputs.items() %}{{ k }}{% endfor %}", VARIABLES)


def test_a_syntax_error_names_the_expression() -> None:
    with pytest.raises(ExpressionError, match=r"Syntax error in the expression `\{\{ inputs\.name `"):
        render("{{ inputs.name ", VARIABLES)


def test_arithmetic_errors_become_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        render("{{ 1 / 0 }}", VARIABLES)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ inputs.name.__class__ }}",
        "{{ outputs.__class__.__init__.__globals__ }}",
        "{{ self }}",
        "{{ self.__init__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ range.__self__ }}",
        "{{ dict(a=1) }}",
        "{{ config }}",
        "{{ request.environ }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ outputs.first.list.append(4) }}",
        "{{ outputs.first.map.update({'k': 'x'}) }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
    ],
)
def test_sandbox_escapes_fail_and_return_nothing(template: str) -> None:
    variables = {"outputs": {"first": {"list": [1], "map": {"k": "v"}}}, "inputs": {"name": "x"}}

    with pytest.raises(ExpressionError) as caught:
        render(template, variables)

    message = str(caught.value)
    for leak in ("<class", "<function", "<module", "TemplateReference", "root:"):
        assert leak not in message
    assert variables == {"outputs": {"first": {"list": [1], "map": {"k": "v"}}}, "inputs": {"name": "x"}}


@pytest.mark.parametrize(
    "template",
    ["{{ 'a' * 100000000 }}", "{{ [0] * 100000000 }}", "{{ 100000000 * 'a' }}", "{{ 7 ** 100000000 }}"],
)
def test_expressions_too_large_to_build_fail_fast(template: str) -> None:
    started = time.perf_counter()

    with pytest.raises(ExpressionError, match="would be"):
        render(template, {})

    assert time.perf_counter() - started < 1


def test_reasonable_repetition_and_powers_still_work() -> None:
    assert render("{{ '-' * 3 }}", {}) == "---"
    assert render("{{ 2 ** 10 }}", {}) == "1024"
    assert render("{{ 3 * 4 }}", {}) == "12"


def test_render_value_renders_every_string_inside_maps_and_lists() -> None:
    value = {
        "a": "{{ inputs.name }}",
        "b": ["{{ inputs.n }}", 7, None, {"c": "{{ inputs.flag }}"}],
        "d": True,
    }

    assert render_value(value, VARIABLES) == {"a": "world", "b": ["3", 7, None, {"c": "true"}], "d": True}


def test_render_value_leaves_its_input_alone() -> None:
    value = {"a": ["{{ inputs.name }}"]}

    render_value(value, VARIABLES)

    assert value == {"a": ["{{ inputs.name }}"]}


def test_text_without_expressions_is_returned_as_is() -> None:
    text = "no {braces} here, not even }} alone"

    assert render(text, {}) == text
