"""scope.py names only cases the corpus has, each once: a renamed case cannot hide there."""

from __future__ import annotations

from tests.conformance import scope
from tests.conformance.corpus import cases, expression_cases, invalid_flows, require_corpus

require_corpus()


def test_every_case_named_in_scope_is_in_the_corpus() -> None:
    assert set(scope.OUT_OF_SCOPE) | set(scope.KNOWN_GAPS) <= {case["id"] for case in cases()}
    files = {entry["file"] for entry in invalid_flows()}
    assert (
        set(scope.INVALID_OUT_OF_SCOPE) | set(scope.INVALID_KNOWN_GAPS) | set(scope.INVALID_VIOLATIONS)
        <= files
    )
    expressions = set(expression_cases())
    assert set(scope.EXPRESSIONS_OUT_OF_SCOPE) | set(scope.EXPRESSIONS_KNOWN_GAPS) <= expressions


def test_no_case_is_both_out_of_scope_and_a_known_gap() -> None:
    assert not set(scope.OUT_OF_SCOPE) & set(scope.KNOWN_GAPS)
    assert not set(scope.INVALID_OUT_OF_SCOPE) & set(scope.INVALID_KNOWN_GAPS)
    assert not set(scope.EXPRESSIONS_OUT_OF_SCOPE) & set(scope.EXPRESSIONS_KNOWN_GAPS)


def test_manifest_case_ids_are_unique() -> None:
    ids = [case["id"] for case in cases()]
    assert len(ids) == len(set(ids))
