"""Which conformance cases flowmesh answers for now, and why the others are set aside.

OUT_OF_SCOPE: cases that need what another issue builds, skipped with the reason naming
the issue (none now: the scheduler issue brought the last ones, trigger state and the
Toggle task). Two expression cases are set aside for another reason: no REST client can
ask them (their variable is a Java 32-bit float).

KNOWN_GAPS: cases in scope that do not pass yet, or differ from Kestra on purpose (secrets
are masked in outputs too). They are strict xfails: the day one passes, the run fails with
XPASS until its line here is removed.
"""

from __future__ import annotations

from typing import Any

import pytest

# ------------------------------------------------------------------------- manifest cases

OUT_OF_SCOPE: dict[str, str] = {}

KNOWN_GAPS: dict[str, str] = {
    # A divergence kept on purpose: flowmesh masks a secret wherever it would leave a worker.
    "secrets": "flowmesh masks secrets in task outputs as in logs (DESIGN: secrets never reach outputs);"
    " Kestra returns them, so get-secret's value is ****** here, not secretValue",
    "allow-failure-no-input": "the Java test skips the required-input check, which REST has no way to ask"
    " for: the api refuses the execution (`crash` missing)",
}

# --------------------------------------------------------------------------- invalid flows

INVALID_OUT_OF_SCOPE: dict[str, str] = {}

INVALID_KNOWN_GAPS: dict[str, str] = {
    "invalid-task.yaml": "Kestra's YAML parser stops at the first unknown type and counts 2 violations;"
    " flowmesh reports each of the three unknown types (listeners', tasks', errors') as one",
}

# Violation counts that differ from Kestra's for a reason that is not a gap: invalid.yaml's
# task without id breaks both @NotNull and @NotBlank of Kestra's TaskInterface.getId, and
# flowmesh reports one violation per problem.
INVALID_VIOLATIONS = {"invalid.yaml": 3}

# ------------------------------------------------------------------------ expression cases

EXPRESSIONS_OUT_OF_SCOPE: dict[str, str] = {
    # No server can be asked these through REST: JSON numbers are doubles, and a double 1.123
    # is 1.123e0 in Ion, as the case itself would be with a Java double.
    "028-ToIonFilterTest-toIonFilter": "the variable is a Java float (32-bit), which JSON cannot carry",
    "029-ToIonFilterTest-toIonFilter": "the variable is a Java float (32-bit), which JSON cannot carry",
}

EXPRESSIONS_KNOWN_GAPS: dict[str, str] = {}


def param(value: Any, case_id: str, out_of_scope: dict[str, str], known_gaps: dict[str, str]) -> Any:
    """Return a pytest parameter for a case, skipped when out of scope, a strict xfail when a known gap."""
    if case_id in out_of_scope:
        return pytest.param(
            value, id=case_id, marks=pytest.mark.skip(reason=f"out of scope: {out_of_scope[case_id]}")
        )
    if case_id in known_gaps:
        return pytest.param(
            value, id=case_id, marks=pytest.mark.xfail(strict=True, reason=known_gaps[case_id])
        )
    return pytest.param(value, id=case_id)
