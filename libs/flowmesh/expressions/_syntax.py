"""Tokens and a Pratt parser for Pebble expressions (what sits inside `{{ }}` and tags)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class PebbleSyntaxError(ValueError):
    """Pebble text that cannot be translated; the message says why."""


# Longest first, so that `???` is not read as `??` then `?`.
_OPERATORS = sorted(
    [
        "???", "??", "?:", "..", "**", "==", "!=", "<=", ">=", "?", ":", ".", ",", "|", "(", ")",
        "[", "]", "{", "}", "+", "-", "*", "/", "%", "~", "<", ">", "=",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_SPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class Token:
    kind: str  # name, number, string, op
    text: str
    value: Any = None


def tokenize(source: str, start: int, closer: str) -> tuple[list[Token], int, bool]:
    """Read tokens from source[start:] up to closer (`}}` or `%}`) outside brackets.

    Return the tokens, the index just past the closer and whether it had a `-` before it.
    """
    tokens: list[Token] = []
    depth = 0
    pos = start
    while True:
        pos = _SPACE.match(source, pos).end()  # type: ignore[union-attr]
        if pos >= len(source):
            raise PebbleSyntaxError(f"Unclosed tag: expected `{closer}`")
        if depth == 0:
            if source.startswith(closer, pos):
                return tokens, pos + len(closer), False
            if source.startswith("-" + closer, pos):
                return tokens, pos + len(closer) + 1, True
        char = source[pos]
        if char in "'\"":
            value, pos = _read_string(source, pos)
            tokens.append(Token("string", value, value))
            continue
        if match := _NUMBER.match(source, pos):
            text = match.group()
            number: Any = float(text) if "." in text or "e" in text.lower() else int(text)
            tokens.append(Token("number", text, number))
            pos = match.end()
            continue
        if match := _NAME.match(source, pos):
            tokens.append(Token("name", match.group()))
            pos = match.end()
            continue
        for op in _OPERATORS:
            if source.startswith(op, pos):
                depth += 1 if op in "([{" else -1 if op in ")]}" else 0
                tokens.append(Token("op", op))
                pos += len(op)
                break
        else:
            raise PebbleSyntaxError(f"Unexpected character [{char}]")


def _read_string(source: str, pos: int) -> tuple[str, int]:
    quote = source[pos]
    out: list[str] = []
    index = pos + 1
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source) and source[index + 1] in (quote, "\\"):
            # Pebble unescapes the quote (and a doubled backslash); other escapes stay as written.
            out.append(source[index + 1] if source[index + 1] == quote else "\\")
            index += 2
            continue
        if char == quote:
            return "".join(out), index + 1
        out.append(char)
        index += 1
    raise PebbleSyntaxError("Unclosed string literal")


@dataclass
class Node:
    kind: str  # const, name, attr, item, call, method, filter, binop, unary, test, cond, elvis, list, map
    value: Any = None  # constant, name, operator, attribute, filter, function or test name
    children: list[Node] = field(default_factory=list)
    kwargs: list[tuple[str, Node]] = field(default_factory=list)
    negated: bool = False


_BINARY = {
    "or": 10, "and": 15, "is": 20, "contains": 20, "in": 20,
    "==": 30, "equals": 30, "!=": 30, "<": 30, ">": 30, "<=": 30, ">=": 30,
    "+": 40, "-": 40, "*": 60, "/": 60, "%": 60, "**": 70,
    "|": 100, "~": 110, "..": 120, "??": 120, "???": 120,
}  # fmt: skip
_UNARY = {"not": 5, "-": 500, "+": 500}
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "none": None}


class Parser:
    """Parse a token list into Nodes with Pebble's operator precedences."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "name") and token.text == text

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise PebbleSyntaxError("Unexpected end of expression")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text or token.kind not in ("op", "name"):
            raise PebbleSyntaxError(f"Expected [{text}] but found [{token.text}]")

    def name(self) -> str:
        token = self.next()
        if token.kind != "name":
            raise PebbleSyntaxError(f"Expected a name but found [{token.text}]")
        return token.text

    def done(self) -> bool:
        return self.index >= len(self.tokens)

    def parse_all(self) -> Node:
        node = self.expression()
        if not self.done():
            raise PebbleSyntaxError(f"Unexpected token [{self.next().text}]")
        return node

    def expression(self, min_precedence: int = 0) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("op", "name") and token.text in _UNARY:
            self.next()
            left = Node("unary", token.text, [self.expression(_UNARY[token.text])])
        else:
            left = self.postfix(self.primary())
        while (token := self.peek()) is not None and token.kind in ("op", "name"):
            precedence = _BINARY.get(token.text)
            if precedence is None or precedence < min_precedence:
                break
            self.next()
            if token.text == "|":
                left = self.filter(left)
            elif token.text == "is":
                negated = self.at("not")
                if negated:
                    self.next()
                test = self.name()
                args, kwargs = self.arguments() if self.at("(") else ([], [])
                left = Node("test", test, [left, *args], kwargs, negated)
            else:
                right_assoc = token.text == "**"
                right = self.expression(precedence if right_assoc else precedence + 1)
                left = Node("binop", token.text, [left, right])
        if min_precedence == 0 and self.at("?:"):
            self.next()
            return Node("elvis", None, [left, self.expression()])
        if min_precedence == 0 and self.at("?"):
            self.next()
            then = self.expression()
            self.expect(":")
            return Node("cond", None, [left, then, self.expression()])
        return left

    def filter(self, value: Node) -> Node:
        name = self.name()
        args, kwargs = self.arguments() if self.at("(") else ([], [])
        return Node("filter", name, [value, *args], kwargs)

    def primary(self) -> Node:
        token = self.next()
        if token.kind in ("number", "string"):
            return Node("const", token.value)
        if token.kind == "name":
            if token.text in _CONSTANTS:
                return Node("const", _CONSTANTS[token.text])
            if token.text.startswith("__"):
                raise PebbleSyntaxError(f"Unexpected name [{token.text}]")
            if self.at("("):
                args, kwargs = self.arguments()
                return Node("call", token.text, args, kwargs)
            return Node("name", token.text)
        if token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.text == "[":
            return Node("list", None, self.sequence("]"))
        if token.text == "{":
            items: list[Node] = []
            while not self.at("}"):
                items.append(self.expression())
                self.expect(":")
                items.append(self.expression())
                if not self.at("}"):
                    self.expect(",")
            self.next()
            return Node("map", None, items)
        raise PebbleSyntaxError(f"Unexpected token [{token.text}]")

    def sequence(self, closer: str) -> list[Node]:
        items: list[Node] = []
        while not self.at(closer):
            items.append(self.expression())
            if not self.at(closer):
                self.expect(",")
        self.next()
        return items

    def arguments(self) -> tuple[list[Node], list[tuple[str, Node]]]:
        self.expect("(")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while not self.at(")"):
            token, following = self.peek(), self.peek(1)
            if token is not None and token.kind == "name" and following is not None and following.text == "=":
                self.index += 2
                kwargs.append((token.text, self.expression()))
            elif kwargs:
                raise PebbleSyntaxError("Positional arguments must come before named arguments")
            else:
                args.append(self.expression())
            if not self.at(")"):
                self.expect(",")
        self.next()
        return args, kwargs

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("."):
                self.next()
                token = self.next()
                if token.kind not in ("name", "number"):
                    raise PebbleSyntaxError(f"Unexpected token [{token.text}] after [.]")
                if token.kind == "number":
                    node = Node("item", None, [node, Node("const", token.value)])
                elif self.at("("):
                    args, kwargs = self.arguments()
                    node = Node("method", token.text, [node, *args], kwargs)
                else:
                    node = Node("attr", token.text, [node])
            elif self.at("["):
                self.next()
                key = self.expression()
                self.expect("]")
                node = Node("item", None, [node, key])
            else:
                return node
