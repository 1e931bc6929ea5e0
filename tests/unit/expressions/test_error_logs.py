"""errorLogs(): the execution's ERROR lines, which whoever renders puts in the context."""

from __future__ import annotations

import pytest

from flowmesh.expressions import ERROR_LOGS, ExpressionError, render, uses_error_logs


def test_error_logs_gives_the_lines_put_in_the_context() -> None:
    lines = [{"taskId": "boom", "level": "ERROR", "message": "it broke"}]

    rendered = render("{{ errorLogs()[0].taskId }}: {{ errorLogs() | length }}", {ERROR_LOGS: lines})

    assert rendered == "boom: 1"


def test_error_logs_without_the_logs_says_where_it_works() -> None:
    with pytest.raises(ExpressionError, match="works in tasks that workers run"):
        render("{{ errorLogs() }}", {})


def test_a_call_of_error_logs_is_found_in_a_template_or_in_properties() -> None:
    assert uses_error_logs("{{ errorLogs() }}")
    assert uses_error_logs({"message": ["first", "{{ errorLogs()[0].message }}"]})
    assert not uses_error_logs({"message": "errorLogs is only a word here"})
