"""Triggers' rules: which deployed flows an execution's state change starts, and with what; which
scheduled dates a Schedule trigger's conditions let fire; polling triggers' leases and locks.

Pure: the executor feeds state changes in and starts the executions this says to.
"""

from __future__ import annotations

from flowmesh.triggers._conditions import ConditionError, condition_holds, expression_true, kind_of
from flowmesh.triggers._flow import (
    Firing,
    default_states,
    evaluate,
    firing_execution_id,
    listens_to,
    new_states,
    trigger_variables,
    upstream_of,
)
from flowmesh.triggers._polling import (
    claim_lease,
    end_evaluation,
    execution_ended,
    holds,
    next_evaluation,
    polling_execution_id,
    take_lease,
)
from flowmesh.triggers._schedule import conditions_allow, schedule_variables
from flowmesh.triggers._windows import Window, window_start

__all__ = [
    "claim_lease",
    "end_evaluation",
    "execution_ended",
    "holds",
    "next_evaluation",
    "polling_execution_id",
    "take_lease",
    "ConditionError",
    "Firing",
    "Window",
    "condition_holds",
    "conditions_allow",
    "default_states",
    "evaluate",
    "expression_true",
    "firing_execution_id",
    "kind_of",
    "listens_to",
    "new_states",
    "schedule_variables",
    "trigger_variables",
    "upstream_of",
    "window_start",
]
