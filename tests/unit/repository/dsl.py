"""What an OpenSearch query selects and in which order, for the subset the repository uses.

A reading of OpenSearch's documented semantics over plain documents, so that the tests of
the query translation check the records a query selects rather than the shape of its dict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

Doc = Mapping[str, Any]


def _comparable(value: Any) -> Any:
    if isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\dT", value):
        return datetime.fromisoformat(value)
    return value


def _wildcard(pattern: str, case_insensitive: bool) -> re.Pattern[str]:
    parts = re.findall(r"\\.|\*|\?|[^\\*?]+", pattern)
    text = "".join(
        ".*" if p == "*" else "." if p == "?" else re.escape(p[1] if p.startswith("\\") else p) for p in parts
    )
    return re.compile(text, re.IGNORECASE if case_insensitive else 0)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _has_phrase(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _simple_query_string(spec: Mapping[str, Any], doc: Doc) -> bool:
    """Clauses are words or "phrases", `-` negates one, `|` joins two into an OR; the rest AND."""
    assert spec["default_operator"] == "and"
    words = [w for field in spec["fields"] for w in _words(str(doc.get(field, "")))]
    groups: list[list[bool]] = []
    joined = False
    for token in re.findall(r'-?"[^"]*"|\||\S+', spec["query"]):
        if token == "|":
            joined = True
            continue
        negated = token.startswith("-")
        phrase = _words(token)
        hit = _has_phrase(words, phrase) if phrase else True
        hit = not hit if negated else hit
        if joined and groups:
            groups[-1].append(hit)
        else:
            groups.append([hit])
        joined = False
    return all(any(group) for group in groups)


def matches(query: Mapping[str, Any], doc: Doc) -> bool:
    """Whether doc matches query (filter context: no scores)."""
    ((kind, spec),) = query.items()
    if kind == "bool":
        if not all(matches(q, doc) for q in spec.get("filter", [])):
            return False
        if any(matches(q, doc) for q in spec.get("must_not", [])):
            return False
        should = spec.get("should", [])
        return bool(sum(matches(q, doc) for q in should) >= spec.get("minimum_should_match", 0))
    if kind == "nested":
        path = spec["path"]
        return any(
            matches(spec["query"], {f"{path}.{k}": v for k, v in inner.items()})
            for inner in doc.get(path, [])
        )
    if kind == "simple_query_string":
        return _simple_query_string(spec, doc)
    ((field, value),) = spec.items()
    present = doc.get(field)
    if kind == "term":
        return bool(present == value)
    if kind == "terms":
        return present in value
    if kind == "exists":
        return doc.get(value) is not None
    if present is None:
        return False
    if kind == "prefix":
        return str(present).startswith(value)
    if kind == "wildcard":
        return bool(_wildcard(value["value"], value.get("case_insensitive", False)).fullmatch(present))
    if kind == "range":
        have = _comparable(present)
        tests = {"gte": have.__ge__, "gt": have.__gt__, "lte": have.__le__, "lt": have.__lt__}
        return all(tests[op](_comparable(bound)) for op, bound in value.items())
    raise AssertionError(f"not in the subset: {kind}")


def ordered(docs: Iterable[Doc], sort: Sequence[Mapping[str, Any]]) -> list[Doc]:
    """Return docs in sort's order; a missing value goes _last unless the key says otherwise."""
    result = list(docs)
    for key in reversed(sort):
        ((field, options),) = key.items()
        if isinstance(options, str):
            options = {"order": options}
        present = [d for d in result if d.get(field) is not None]
        absent = [d for d in result if d.get(field) is None]
        present.sort(key=lambda d: _comparable(d[field]), reverse=options["order"] == "desc")
        result = absent + present if options.get("missing", "_last") == "_first" else present + absent
    return result


def select(
    docs: Iterable[Doc], query: Mapping[str, Any], sort: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    """Return the ids of the docs query selects, in sort's order."""
    return [doc["id"] for doc in ordered((d for d in docs if matches(query, d)), sort)]
