"""Translate Pebble templates into Jinja2 templates that run on the helpers of _runtime.

Expressions are parsed with Pebble's precedences and emitted fully parenthesized, so Jinja's
own precedences never apply. Operators Jinja lacks (`??`, `?:`, `contains`, `..`, tests on
undefined paths) become calls to `__pb_*` helpers, functions become `__pb_fn_<name>` calls
(a variable named like a function cannot shadow it), and filters keep their Pebble names.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flowmesh.expressions._syntax import Node, Parser, PebbleSyntaxError, tokenize

_LENIENT_TESTS = frozenset({"defined", "null", "none"})
_LOOP_RENAMES = {"index": "index0", "revindex": "revindex0"}
_RAW_END = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_SIMPLE_TAGS = {"else": "else", "endif": "endif", "endfor": "endfor"}


@dataclass
class _Translator:
    functions: Collection[str]
    filters: Collection[str]
    tests: Collection[str]
    loops: int = 0
    blocks: list[str] = field(default_factory=list)
    defined_blocks: set[str] = field(default_factory=set)

    # Template level.

    def template(self, source: str) -> str:
        out: list[str] = []
        pos = 0
        while True:
            start = _next_tag(source, pos)
            if start < 0:
                out.append(source[pos:])
                return "".join(out)
            out.append(source[pos:start])
            opener = source[start : start + 2]
            trim = source.startswith("-", start + 2)
            body = start + 2 + (1 if trim else 0)
            if opener == "{#":
                end = source.find("#}", body)
                if end < 0:
                    raise PebbleSyntaxError("Unclosed comment")
                pos = end + 2
                continue
            if opener == "{{":
                tokens, pos, trim_after = tokenize(source, body, "}}")
                node = Parser(tokens).parse_all()
                out.append(f"{{{{{'-' if trim else ''} {self.emit(node)} {'-' if trim_after else ''}}}}}")
                continue
            pos = self.tag(source, body, trim, out)

    def tag(self, source: str, body: int, trim: bool, out: list[str]) -> int:
        tokens, end, trim_after = tokenize(source, body, "%}")
        if not tokens or tokens[0].kind != "name":
            raise PebbleSyntaxError("A tag needs a name")
        name = tokens[0].text
        left, right = ("-" if trim else ""), ("-" if trim_after else "")
        if name in ("raw", "verbatim"):
            closing = _RAW_END.search(source, end)
            if closing is None:
                raise PebbleSyntaxError(f"Unclosed tag [{name}]")
            # Pebble keeps the text around a raw block as it is, whatever the dashes say.
            out.append("{% raw %}" + source[end : closing.start()] + "{% endraw %}")
            return closing.end()
        parser = Parser(tokens[1:])
        if name in _SIMPLE_TAGS:
            statement = _SIMPLE_TAGS[name]
            self.loops -= name == "endfor"
        elif name in ("if", "elseif", "elif"):
            keyword = "if" if name == "if" else "elif"
            statement = f"{keyword} __pb_bool({self.emit(parser.expression())})"
        elif name == "set":
            target = parser.name()
            parser.expect("=")
            statement = f"set {_safe_name(target)} = {self.emit(parser.expression())}"
        elif name == "for":
            targets = [_safe_name(parser.name())]
            if parser.at(","):  # `for key, value in map` (or `index, item in list`)
                parser.next()
                targets.append(_safe_name(parser.name()))
            parser.expect("in")
            helper = "__pb_pairs" if len(targets) == 2 else "__pb_iter"
            statement = f"for {', '.join(targets)} in {helper}({self.emit(parser.expression())})"
            self.loops += 1
        elif name == "block":
            token = parser.next()
            block = _block_name(str(token.value if token.kind == "string" else token.text))
            self.blocks.append(block)
            self.defined_blocks.add(block)
            statement = f"macro __pb_block_{block}()"
        elif name == "endblock":
            if not self.blocks:
                raise PebbleSyntaxError("Unexpected tag name [endblock]")
            block = self.blocks.pop()
            out.append(f"{{%{left} endmacro {right}%}}{{{{ __pb_block_{block}() }}}}")
            return end
        else:
            raise PebbleSyntaxError(f"Unexpected tag name [{name}]")
        if not parser.done():
            raise PebbleSyntaxError(f"Unexpected token [{parser.next().text}] in tag [{name}]")
        out.append(f"{{%{left} {statement} {right}%}}")
        return end

    # Expressions.

    def emit(self, node: Node, lenient: bool = False) -> str:
        kind, children = node.kind, node.children
        if kind == "const":
            return _literal(node.value)
        if kind == "name":
            return _safe_name(node.value)
        if kind == "attr":
            target = children[0]
            if self.loops and target.kind == "name" and target.value == "loop":
                return f"loop.{_LOOP_RENAMES.get(node.value, node.value)}"
            if lenient:
                return f"__pb_attr({self.emit(target, True)}, {_literal(node.value)})"
            return f"({self.emit(target)}).{node.value}"
        if kind == "item":
            if lenient:
                return f"__pb_item({self.emit(children[0], True)}, {self.emit(children[1], True)})"
            return f"({self.emit(children[0])})[{self.emit(children[1])}]"
        if kind in ("call", "method", "filter"):
            return self.invocation(node, lenient)
        if kind == "binop":
            return self.binop(node.value, children[0], children[1], lenient)
        if kind == "unary":
            operand = self.emit(children[0])
            return f"(not __pb_bool({operand}))" if node.value == "not" else f"({node.value}{operand})"
        if kind == "test":
            if node.value not in self.tests:
                raise PebbleSyntaxError(f"Test [{node.value}] does not exist")
            value = self.emit(children[0], node.value in _LENIENT_TESTS)
            args = "".join(f", {self.emit(child)}" for child in children[1:])
            test = f"__pb_test({_literal(node.value)}, {value}{args})"
            return f"(not {test})" if node.negated else test
        if kind == "cond":
            condition, then, otherwise = (self.emit(child) for child in children)
            return f"(({then}) if __pb_bool({condition}) else ({otherwise}))"
        if kind == "elvis":
            left, right = self.emit(children[0], True), self.emit(children[1])
            return f"__pb_unbox(__pb_box_truthy({left}) or __pb_wrap({right}))"
        if kind == "list":
            return "[" + ", ".join(self.emit(child) for child in children) + "]"
        if kind == "map":
            pairs = zip(children[::2], children[1::2], strict=True)
            return "{" + ", ".join(f"{self.emit(k)}: {self.emit(v)}" for k, v in pairs) + "}"
        raise PebbleSyntaxError(f"Unknown expression [{kind}]")

    def invocation(self, node: Node, lenient: bool) -> str:
        args = [self.emit(child) for child in node.children]
        kwargs = [f"{key}={self.emit(value)}" for key, value in node.kwargs]
        if node.kind == "call":
            if node.value == "block" and node.children and node.children[0].kind == "const":
                block = _block_name(str(node.children[0].value))
                if block not in self.defined_blocks:
                    raise PebbleSyntaxError(f"Block [{node.children[0].value}] does not exist")
                return f"__pb_block_{block}()"
            if node.value not in self.functions:
                raise PebbleSyntaxError(f"Function or Macro [{node.value}] does not exist")
            return f"__pb_fn_{node.value}({', '.join(args + kwargs)})"
        if node.kind == "method":
            return f"({args[0]}).{node.value}({', '.join(args[1:] + kwargs)})"
        if node.value not in self.filters:
            raise PebbleSyntaxError(f"Filter [{node.value}] does not exist")
        if node.value == "default" or lenient:
            # Pebble's default filter accepts an undefined input, as `??` does.
            args[0] = self.emit(node.children[0], True)
        rest = ", ".join(args[1:] + kwargs)
        return f"(({args[0]}) | {node.value}({rest}))"

    def binop(self, op: str, left_node: Node, right_node: Node, lenient: bool) -> str:
        if op in ("??", "???"):
            box = "__pb_box" if op == "??" else "__pb_box_defined"
            left = self.emit(left_node, True)
            # Inside another `??`'s left side, an undefined right side is passed on, not raised.
            right = (
                f"__pb_keep({self.emit(right_node, True)})"
                if lenient
                else f"__pb_wrap({self.emit(right_node)})"
            )
            return f"__pb_unbox({box}({left}) or {right})"
        left, right = self.emit(left_node), self.emit(right_node)
        if op in ("and", "or"):
            return f"(__pb_bool({left}) {op} __pb_bool({right}))"
        helpers = {"~": "concat", "contains": "contains", "..": "range", "/": "div", "%": "mod"}
        if op in helpers:
            return f"__pb_{helpers[op]}({left}, {right})"
        return f"(({left}) {'==' if op == 'equals' else op} ({right}))"


def _next_tag(source: str, pos: int) -> int:
    found = [index for opener in ("{{", "{%", "{#") if (index := source.find(opener, pos)) >= 0]
    return min(found) if found else -1


def _safe_name(name: str) -> str:
    if name.startswith("__"):
        raise PebbleSyntaxError(f"Unexpected name [{name}]")
    return name


def _block_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", lambda m: f"_{ord(m.group()):x}_", name)


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _literal(value: object) -> str:
    """Write value as a Jinja literal that reads back exactly (Jinja unescapes strings)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = "".join(_ESCAPES.get(char, char) for char in str(value))
    return f"'{text}'"


def translate(
    source: str, functions: Collection[str], filters: Collection[str], tests: Collection[str]
) -> str:
    """Return the Jinja2 template equivalent to the Pebble template source."""
    translator = _Translator(functions, filters, tests)
    result = translator.template(source)
    if translator.blocks or translator.loops:
        raise PebbleSyntaxError("Unclosed tag at the end of the template")
    return result
