"""Amazon Ion text, as far as Kestra writes it: its toIon filter, fromIon function and ION files."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}(?:-\d{2})?(?:T[0-9:.]*(?:Z|[+-]\d{2}:\d{2})?)?")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eEdD][+-]?\d+)?)")
_KEYWORDS: dict[str, Any] = {"null": None, "true": True, "false": False, "nan": math.nan}


def dumps(value: Any) -> str:
    """Write value as compact Ion text: maps as structs with symbol keys, floats with an exponent."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        mantissa, _, exponent = repr(value).partition("e")
        return f"{mantissa}e{int(exponent) if exponent else 0}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ",".join(f"{_symbol(str(key))}:{dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    raise TypeError(f"Cannot write a {type(value).__name__} as Ion")


def _symbol(name: str) -> str:
    if _IDENTIFIER.fullmatch(name) and name not in _KEYWORDS:
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def loads(text: str) -> Any:
    """Read one Ion text value (structs, lists, strings, symbols, numbers, timestamps, null, bools)."""
    reader = _Reader(text)
    value = reader.value()
    reader.space()
    if reader.pos != len(text):
        raise ValueError(f"Unexpected Ion text at {reader.pos}")
    return value


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def space(self) -> None:
        while self.pos < len(self.text):
            if self.text[self.pos].isspace():
                self.pos += 1
            elif self.text.startswith("//", self.pos):
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif self.text.startswith("/*", self.pos):
                self.pos = self.text.index("*/", self.pos) + 2
            else:
                return

    def value(self) -> Any:
        self.space()
        if self.pos >= len(self.text):
            raise ValueError("Unexpected end of Ion text")
        char = self.text[self.pos]
        if char == "{":
            return self.container("}", struct=True)
        if char in "[(":
            return self.container("]" if char == "[" else ")", struct=False)
        if self.text.startswith("'''", self.pos):
            parts = []
            while self.text.startswith("'''", self.pos):
                parts.append(self.quoted("'''"))
                self.space()
            return "".join(parts)
        if char in "\"'":
            return self.quoted(char)
        if match := _TIMESTAMP.match(self.text, self.pos):
            self.pos = match.end()
            stamp = match.group().replace("Z", "+00:00")
            return dt.datetime.fromisoformat(stamp) if "T" in stamp else dt.date.fromisoformat(stamp)
        if match := _NUMBER.match(self.text, self.pos):
            self.pos = match.end()
            return _number(match.group())
        if match := _IDENTIFIER.match(self.text, self.pos):
            self.pos = match.end()
            word = match.group()
            if self.text.startswith("::", self.pos):  # an annotation: keep the value only
                self.pos += 2
                return self.value()
            if word == "null" and self.text.startswith(".", self.pos):
                self.pos = _IDENTIFIER.match(self.text, self.pos + 1).end()  # type: ignore[union-attr]
                return None
            return _KEYWORDS.get(word, word)
        raise ValueError(f"Unexpected character [{char}] in Ion text")

    def quoted(self, quote: str) -> str:
        self.pos += len(quote)
        out: list[str] = []
        while not self.text.startswith(quote, self.pos):
            if self.pos >= len(self.text):
                raise ValueError("Unclosed string in Ion text")
            char = self.text[self.pos]
            if char == "\\":
                out.append(json.loads('"' + self.text[self.pos : self.pos + 2] + '"'))
                self.pos += 2
            else:
                out.append(char)
                self.pos += 1
        self.pos += len(quote)
        return "".join(out)

    def container(self, closer: str, struct: bool) -> Any:
        self.pos += 1
        items: list[Any] = []
        fields: dict[str, Any] = {}
        while True:
            self.space()
            if self.text.startswith(closer, self.pos):
                self.pos += 1
                return fields if struct else items
            if struct:
                key = self.value()
                self.space()
                if not self.text.startswith(":", self.pos):
                    raise ValueError("Expected [:] in an Ion struct")
                self.pos += 1
                fields[str(key)] = self.value()
            else:
                items.append(self.value())
            self.space()
            if self.text.startswith(",", self.pos):
                self.pos += 1


def _number(text: str) -> Any:
    clean = text.replace("_", "")
    if clean.lower().startswith(("0x", "-0x")):
        return int(clean, 16)
    if re.search(r"[eE]", clean):
        return float(clean)
    if re.search(r"[dD.]", clean):
        return float(clean.replace("d", "e").replace("D", "e"))
    return int(clean)
