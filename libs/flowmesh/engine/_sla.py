"""Flow SLAs (Kestra's SLA types and ExecutorService.processViolation), as pure rules.

MAX_DURATION: an execution still running `duration` after it was created violates the
SLA. The deadline is derived from the execution's state and the flow alone (its first
state entry + duration), so no monitor is stored: the state stays its own outbox, and
next_deadline says when the executor must look again (Decision.wake_at).

EXECUTION_ASSERTION: checked each time a running execution changes, before the executor
decides what comes next (and before a new execution starts); `assert` rendering falsy
violates it. Of the assertions violated at once, only the first acts, as in Kestra.

A violation with behavior FAIL or CANCEL ends the execution FAILED or CANCELLED: the last
task run not ended takes that state and every other one is KILLED, running attempts
included, as a kill does. NONE leaves it running. The SLA's labels are added in every case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._jobs import execution_variables
from flowmesh.engine._resolver import TaskRunError
from flowmesh.engine._states import end_execution, is_terminal
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.expressions import render_value
from flowmesh.language import ExecutionAssertionSla, FlowDefinition, MaxDurationSla, Sla
from flowmesh.plugins import is_true
from flowmesh.values import iso_duration

_ENDS = {"FAIL": StateType.STATE_TYPE_FAILED, "CANCEL": StateType.STATE_TYPE_CANCELLED}
_NOT_STARTED = (StateType.STATE_TYPE_CREATED, StateType.STATE_TYPE_QUEUED)


@dataclass
class Enforced:
    """What enforcing the SLAs did: the errors to log, the task runs it changed."""

    errors: list[TaskRunError] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)


def enforce_sla(execution: Execution, flow: FlowDefinition, now: datetime) -> Enforced:
    """Apply to a running execution every SLA it violates by now: deadlines passed, then assertions.

    The execution is changed in place; one that has ended is left as it is.
    """
    enforced = Enforced()
    if not flow.sla or is_terminal(execution.state.current):
        return enforced
    for sla, deadline in _deadlines(execution, flow):
        if deadline <= now:
            waited = _to_millis(now - _created(execution))
            limit = _to_millis(sla.duration)
            reason = f"execution duration of {waited} exceeds the maximum duration of {limit}."
            _violate(execution, sla, reason, now, enforced)
            if is_terminal(execution.state.current):
                return enforced
    for check in flow.sla:
        if not isinstance(check, ExecutionAssertionSla):
            continue
        try:
            holds = is_true(render_value(check.assertion, execution_variables(execution, flow)))
        except ValueError as error:  # ExpressionError included
            # Kestra fails the execution when the executor cannot evaluate it.
            enforced.errors.append(TaskRunError("", "", f"Failed to evaluate SLA '{check.id}': {error}"))
            _end(execution, StateType.STATE_TYPE_FAILED, now, enforced)
            return enforced
        if not holds:
            _violate(execution, check, f"assertion is false: {check.assertion}.", now, enforced)
            return enforced
    return enforced


def next_deadline(execution: Execution, flow: FlowDefinition) -> datetime | None:
    """Return when the earliest MAX_DURATION SLA of a running execution comes due; None: none will.

    An execution that has not started (CREATED, QUEUED) waits for no deadline: one
    passed by the time it starts is applied then (start).
    """
    if execution.state.current in _NOT_STARTED:
        return None
    return min((deadline for _, deadline in _deadlines(execution, flow)), default=None)


def _deadlines(execution: Execution, flow: FlowDefinition) -> Iterator[tuple[MaxDurationSla, datetime]]:
    """Yield each MAX_DURATION SLA whose violation would still change the execution, and its deadline."""
    if not flow.sla or is_terminal(execution.state.current) or not execution.state.histories:
        return
    created = _created(execution)
    for sla in flow.sla:
        if isinstance(sla, MaxDurationSla) and _would_act(sla, execution):
            yield sla, created + sla.duration


def _would_act(sla: Sla, execution: Execution) -> bool:
    """Return whether violating sla changes the execution (NONE only adds labels it lacks)."""
    if sla.behavior in _ENDS:
        return True
    labels = {label.key: label.value for label in execution.labels}
    return any(labels.get(key) != value for key, value in sla.labels.items())


def _violate(execution: Execution, sla: Sla, reason: str, now: datetime, enforced: Enforced) -> None:
    state = _ENDS.get(sla.behavior)
    if state == StateType.STATE_TYPE_FAILED:
        message = f"Execution failed due to SLA '{sla.id}' violated: {reason}"
        enforced.errors.append(TaskRunError("", "", message))
    if state is not None:
        _end(execution, state, now, enforced)
    current = {label.key: label for label in execution.labels}
    for key, value in sla.labels.items():
        if key in current:
            current[key].value = value
        else:
            current[key] = execution.labels.add(key=key, value=value)


def _end(execution: Execution, state: StateType, now: datetime, enforced: Enforced) -> None:
    """End the execution in state: its last task run not ended with it, the others KILLED."""
    enforced.touched |= end_execution(execution, state, now)


def _created(execution: Execution) -> datetime:
    return execution.state.histories[0].date.ToDatetime(tzinfo=UTC)


def _to_millis(duration: timedelta) -> str:
    """Return a duration as Java prints one, to the millisecond (`PT2.001S`), as Kestra's message does."""
    return iso_duration(timedelta(milliseconds=duration // timedelta(milliseconds=1)))
