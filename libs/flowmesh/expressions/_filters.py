"""Pebble's and Kestra's filters on strings, numbers and collections."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import unicodedata
import urllib.parse
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from jinja2 import Undefined

from flowmesh.expressions._registry import Args, pebble_filter, require
from flowmesh.expressions._runtime import to_text

MAX_OUTPUT = 1_000_000
MAX_PRECISION = 100


def _text(value: Any) -> str:
    return value if isinstance(value, str) else to_text(value)


def _bounded(text: str) -> str:
    if len(text) > MAX_OUTPUT:
        raise ValueError(f"the result would be longer than {MAX_OUTPUT}")
    return text


@pebble_filter("upper")
def _upper(value: Any, args: Args) -> Any:
    return _text(value).upper()


@pebble_filter("lower")
def _lower(value: Any, args: Args) -> Any:
    return _text(value).lower()


@pebble_filter("capitalize")
def _capitalize(value: Any, args: Args) -> Any:
    text = _text(value)
    return text[:1].upper() + text[1:]


@pebble_filter("title")
def _title(value: Any, args: Args) -> Any:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), _text(value))


@pebble_filter("trim")
def _trim(value: Any, args: Args) -> Any:
    return _text(value).strip()


@pebble_filter("abbreviate", "length")
def _abbreviate(value: Any, args: Args) -> Any:
    text, length = _text(value), int(require(args, "length", "filter [abbreviate]"))
    return text if len(text) <= length else text[: max(length - 3, 0)] + "..."


@pebble_filter("default", "default", lenient=True)
def _default(value: Any, args: Args) -> Any:
    empty = (
        value is None or isinstance(value, Undefined) or (isinstance(value, str | list | dict) and not value)
    )
    return args.get("default") if empty else value


@pebble_filter("replace", "replace_pairs", "regexp")
def _replace(value: Any, args: Args) -> Any:
    text, pairs = _text(value), require(args, "replace_pairs", "filter [replace]")
    if not isinstance(pairs, dict):
        raise TypeError("The filter [replace] takes a map of replacements")
    for old, new in pairs.items():
        if args.get("regexp"):
            template = re.sub(r"\$(\d+)", r"\\g<\1>", _text(new))
            budget = [len(text)]

            def expand(match: re.Match[str], template: str = template, budget: list[int] = budget) -> str:
                result = match.expand(template)
                budget[0] += len(result)
                if budget[0] > MAX_OUTPUT:
                    raise ValueError(f"the result would be longer than {MAX_OUTPUT}")
                return result

            text = re.sub(_text(old), expand, text)
        else:
            grows = max(len(_text(new)) - len(_text(old)), 0) * text.count(_text(old)) if _text(old) else 0
            if len(text) + grows > MAX_OUTPUT:
                raise ValueError(f"the result would be longer than {MAX_OUTPUT}")
            text = text.replace(_text(old), _text(new))
    return text


@pebble_filter("split", "delimiter", "limit")
def _split(value: Any, args: Args) -> Any:
    delimiter = _text(require(args, "delimiter", "filter [split]"))
    limit = args.get("limit")
    return _text(value).split(delimiter, int(limit) - 1 if limit and int(limit) > 0 else -1)


@pebble_filter("join", "separator")
def _join(value: Any, args: Args) -> Any:
    if value is None:
        return None
    return _bounded(_text(args.get("separator") or "").join(_text(item) for item in value))


@pebble_filter("length")
def _length(value: Any, args: Args) -> Any:
    return 0 if value is None else len(value) if hasattr(value, "__len__") else 1


@pebble_filter("first")
def _first(value: Any, args: Args) -> Any:
    items = list(value.values()) if isinstance(value, dict) else value
    return items[0] if items else None


@pebble_filter("last")
def _last(value: Any, args: Args) -> Any:
    items = list(value.values()) if isinstance(value, dict) else value
    return items[-1] if items else None


@pebble_filter("slice", "fromIndex", "toIndex")
def _slice(value: Any, args: Args) -> Any:
    start, end = int(args.get("fromIndex") or 0), args.get("toIndex")
    if isinstance(value, str | list | tuple):
        return value[start : len(value) if end is None else int(end)]
    raise TypeError("The filter [slice] applies to a string or a list")


@pebble_filter("sort")
def _sort(value: Any, args: Args) -> Any:
    return sorted(value)


@pebble_filter("rsort")
def _rsort(value: Any, args: Args) -> Any:
    return sorted(value, reverse=True)


@pebble_filter("reverse")
def _reverse(value: Any, args: Args) -> Any:
    return value[::-1] if isinstance(value, str) else list(reversed(list(value)))


@pebble_filter("keys")
def _keys(value: Any, args: Args) -> Any:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return list(range(len(value)))
    raise TypeError("The filter [keys] applies to a map or a list")


@pebble_filter("values")
def _values(value: Any, args: Args) -> Any:
    if isinstance(value, dict):
        return list(value.values())
    raise TypeError("The filter [values] applies to a map")


@pebble_filter("merge", "items")
def _merge(value: Any, args: Args) -> Any:
    items = args.get("items")
    if isinstance(value, dict) and isinstance(items, dict):
        return {**value, **items}
    if isinstance(value, list | tuple):
        return [*value, *(items if isinstance(items, list | tuple) else [items])]
    raise TypeError("The filter [merge] applies to two maps or to a list")


@pebble_filter("chunk", "size")
def _chunk(value: Any, args: Args) -> Any:
    size = int(require(args, "size", "filter [chunk]"))
    if not isinstance(value, list | tuple) or size < 1:
        raise TypeError("The filter [chunk] applies to a list, with a size of at least 1")
    return [list(value[index : index + size]) for index in range(0, len(value), size)]


@pebble_filter("distinct")
def _distinct(value: Any, args: Args) -> Any:
    seen: list[Any] = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return seen


@pebble_filter("flatten")
def _flatten(value: Any, args: Args) -> Any:
    if not isinstance(value, list | tuple):
        raise TypeError("The filter [flatten] applies to a list")
    return [inner for item in value for inner in (item if isinstance(item, list | tuple) else [item])]


@pebble_filter("abs")
def _abs(value: Any, args: Args) -> Any:
    return abs(value)


@pebble_filter("round", "precision", "method")
def _round(value: Any, args: Args) -> Any:
    precision, method = int(args.get("precision") or 0), args.get("method") or "common"
    if not 0 <= precision <= MAX_PRECISION:
        raise ValueError(f"The filter [round] takes a precision from 0 to {MAX_PRECISION}")
    factor = 10**precision
    if method == "ceil":
        result: float = math.ceil(value * factor) / factor
    elif method == "floor":
        result = math.floor(value * factor) / factor
    else:
        result = float(Decimal(str(value)).quantize(Decimal(1).scaleb(-precision), "ROUND_HALF_UP"))
    return int(result) if precision == 0 else result


@pebble_filter("number", "type")
def _number(value: Any, args: Args) -> Any:
    kind = str(args.get("type") or "").upper()
    text = _text(value).strip()
    if kind in ("INT", "LONG", "BIGINTEGER"):
        return int(text)
    if kind in ("FLOAT", "DOUBLE", "BIGDECIMAL"):
        return float(text)
    try:
        return int(text)
    except ValueError:
        return float(text)


@pebble_filter("numberFormat", "format")
def _number_format(value: Any, args: Args) -> Any:
    return format_decimal(value, _text(require(args, "format", "filter [numberFormat]")))


def format_decimal(value: Any, pattern: str) -> str:
    """Format a number with a java.text.DecimalFormat pattern (#, 0, grouping, fraction, %)."""
    match = re.fullmatch(r"([^#0,.]*)([#0,]*)(?:\.([#0]*))?([^#0,.]*)", pattern)
    if match is None:
        raise ValueError(f"Unsupported number format [{pattern}]")
    prefix, integer, fraction, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    number = Decimal(str(value)) * (100 if "%" in prefix + suffix else 1)
    rounded = number.quantize(Decimal(1).scaleb(-len(fraction)), ROUND_HALF_EVEN)
    sign, digits = ("-" if rounded < 0 else ""), f"{abs(rounded):f}"
    whole, _, decimals = digits.partition(".")
    decimals = decimals.ljust(len(fraction), "0")[: len(fraction)]
    keep = fraction.count("0")
    while len(decimals) > keep and decimals.endswith("0"):
        decimals = decimals[:-1]
    whole = whole.lstrip("0").rjust(integer.replace(",", "").count("0"), "0")
    if "," in integer:
        group = len(integer) - integer.rfind(",") - 1
        whole = ",".join(whole[max(i - group, 0) : i] for i in range(len(whole), 0, -group)[::-1])
    return f"{prefix}{sign}{whole}{'.' + decimals if decimals else ''}{suffix}"


@pebble_filter("base64encode")
def _base64encode(value: Any, args: Args) -> Any:
    return base64.b64encode(_text(value).encode()).decode()


@pebble_filter("base64decode")
def _base64decode(value: Any, args: Args) -> Any:
    return base64.b64decode(_text(value), validate=True).decode()


@pebble_filter("urlencode")
def _urlencode(value: Any, args: Args) -> Any:
    return urllib.parse.quote_plus(_text(value), safe="*")


@pebble_filter("urldecode")
def _urldecode(value: Any, args: Args) -> Any:
    return urllib.parse.unquote_plus(_text(value))


def _hash(name: str) -> None:
    @pebble_filter(name)
    def digest(value: Any, args: Args) -> Any:
        return hashlib.new(name, _text(value).encode()).hexdigest()


for _algorithm in ("md5", "sha1", "sha256", "sha512"):
    _hash(_algorithm)


@pebble_filter("slugify")
def _slugify(value: Any, args: Args) -> Any:
    text = unicodedata.normalize("NFKD", _text(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _substring(name: str, last: bool, before: bool) -> None:
    @pebble_filter(name, "separator")
    def cut(value: Any, args: Args) -> Any:
        text, separator = _text(value), _text(require(args, "separator", f"filter [{name}]"))
        index = text.rfind(separator) if last else text.find(separator)
        if index < 0:
            return text if before else ""
        return text[:index] if before else text[index + len(separator) :]


_substring("substringBefore", last=False, before=True)
_substring("substringBeforeLast", last=True, before=True)
_substring("substringAfter", last=False, before=False)
_substring("substringAfterLast", last=True, before=False)


@pebble_filter("startsWith", "prefix")
def _starts_with(value: Any, args: Args) -> Any:
    return _text(value).startswith(_text(require(args, "prefix", "filter [startsWith]")))


@pebble_filter("endsWith", "suffix")
def _ends_with(value: Any, args: Args) -> Any:
    return _text(value).endswith(_text(require(args, "suffix", "filter [endsWith]")))


_ESCAPES = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}


@pebble_filter("escapeChar", "type")
def _escape_char(value: Any, args: Args) -> Any:
    kind = str(require(args, "type", "filter [escapeChar]")).lower()
    if kind not in _ESCAPES:
        raise ValueError(f"The filter [escapeChar] takes single, double or shell, not [{kind}]")
    old, new = _ESCAPES[kind]
    return _text(value).replace(old, new)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _indent_text(value: Any, args: Args, name: str) -> tuple[str, str]:
    amount = int(require(args, "amount", f"filter [{name}]"))
    text, unit = _text(value), _text(args.get("prefix", " "))
    if len(unit) * amount * (len(_LINE_BREAK.findall(text)) + 1) + len(text) > MAX_OUTPUT:
        raise ValueError(f"the result would be longer than {MAX_OUTPUT}")
    prefix = unit * amount
    return _LINE_BREAK.sub(lambda m: m.group() + prefix, text), prefix


@pebble_filter("indent", "amount", "prefix")
def _indent(value: Any, args: Args) -> Any:
    return _indent_text(value, args, "indent")[0]


@pebble_filter("nindent", "amount", "prefix")
def _nindent(value: Any, args: Args) -> Any:
    text, prefix = _indent_text(value, args, "nindent")
    if not text:
        return ""
    first_break = _LINE_BREAK.search(_text(value))
    return (first_break.group() if first_break else "\n") + prefix + text


_CLASS_NAMES = {bool: "Boolean", int: "Integer", float: "Double", str: "String"}


@pebble_filter("className")
def _class_name(value: Any, args: Args) -> Any:
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    if isinstance(value, list | tuple):
        return "java.util.ArrayList"
    return "java.lang." + _CLASS_NAMES.get(type(value), "Object") if value is not None else None


@pebble_filter("string")
def _string(value: Any, args: Args) -> Any:
    return _text(value)


@pebble_filter("raw")
def _raw(value: Any, args: Args) -> Any:
    return value
