"""What --follow shows: plain lines off a terminal, JSON lines, and rich's live table in one."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from rich.console import Console

from flowmesh.commands._progress import JsonProgress, LiveProgress, PlainProgress, progress_for
from flowmesh.common.v1.state_pb2 import State, StateType
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.log.v1.log_pb2 import Level, LogEntry

S = StateType


def execution(state: StateType, **runs: StateType) -> Execution:
    """An execution of team.hello whose task runs (by task id) are in the states given.

    A task id `child_of_<parent>` is a task run under parent's.
    """
    task_runs = []
    for task_id, run_state in runs.items():
        parent = task_id.removeprefix("child_of_") if task_id.startswith("child_of_") else ""
        task_runs.append(
            TaskRun(id=f"tr-{task_id}", task_id=task_id, parent_task_run_id=f"tr-{parent}" if parent else "",
                    state=State(current=run_state))
        )  # fmt: skip
    return Execution(
        id="ex1", namespace="team", flow_id="hello", state=State(current=state), task_runs=task_runs
    )


def entry(message: str, level: Level = Level.LEVEL_INFO) -> LogEntry:
    log = LogEntry(task_id="greet", message=message, level=level)
    log.timestamp.FromDatetime(datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    return log


def test_plain_lines_say_each_state_change_once_and_each_log_line() -> None:
    out = io.StringIO()
    progress = PlainProgress(out)

    progress.execution(execution(S.STATE_TYPE_RUNNING, greet=S.STATE_TYPE_RUNNING))
    progress.log(entry("hello ann"))
    progress.execution(execution(S.STATE_TYPE_RUNNING, greet=S.STATE_TYPE_RUNNING))
    progress.execution(
        execution(S.STATE_TYPE_SUCCESS, greet=S.STATE_TYPE_SUCCESS, shout=S.STATE_TYPE_SUCCESS)
    )
    progress.close()

    assert out.getvalue().splitlines() == [
        "task greet RUNNING",
        "execution ex1 RUNNING",
        "03:04:05.678 INFO  greet: hello ann",
        "task greet SUCCESS",
        "task shout SUCCESS",
        "execution ex1 SUCCESS",
    ]


def test_json_lines_carry_every_change_and_log_line() -> None:
    out = io.StringIO()
    progress = JsonProgress(out)

    progress.execution(execution(S.STATE_TYPE_SUCCESS, greet=S.STATE_TYPE_SUCCESS))
    progress.log(entry("hello"))

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["execution"]["state"]["current"] == "STATE_TYPE_SUCCESS"
    assert second["log"]["message"] == "hello"


def test_a_terminal_gets_a_live_table_of_task_runs_with_log_lines_above() -> None:
    out = io.StringIO()
    progress = LiveProgress(Console(file=out, force_terminal=True, width=80, color_system=None))

    progress.execution(
        execution(S.STATE_TYPE_RUNNING, fan=S.STATE_TYPE_RUNNING, child_of_fan=S.STATE_TYPE_RUNNING)
    )
    progress.log(entry("boom", Level.LEVEL_ERROR))
    progress.execution(
        execution(S.STATE_TYPE_FAILED, fan=S.STATE_TYPE_FAILED, child_of_fan=S.STATE_TYPE_FAILED)
    )
    progress.close()

    shown = out.getvalue()
    assert "team.hello ex1 FAILED" in shown
    assert "03:04:05.678 ERROR greet: boom" in shown
    # The last table drawn: children indented under their flowable parent.
    last = shown[shown.rindex("team.hello ex1 FAILED") :]
    assert "│ fan " in last
    assert "│   child_of_fan " in last


def test_the_display_is_chosen_by_output_and_terminal() -> None:
    assert isinstance(progress_for("json", io.StringIO()), JsonProgress)
    assert isinstance(progress_for("text", io.StringIO()), PlainProgress)
