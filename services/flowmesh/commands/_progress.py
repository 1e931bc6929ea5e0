"""What `--follow` shows of an execution as it runs: its task runs' states and its log lines.

In a terminal, a live table of task runs (rich) with the log lines scrolling above it;
otherwise (a pipe, a CI log) one plain line per change, or JSON lines with --output json.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC
from typing import Protocol, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from flowmesh.commands._common import as_dict
from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.log.v1.log_pb2 import Level, LogEntry

_STYLES = {
    "SUCCESS": "green",
    "WARNING": "yellow",
    "FAILED": "bold red",
    "KILLED": "red",
    "CANCELLED": "red",
    "RUNNING": "cyan",
    "PAUSED": "magenta",
}


def state_name(state: StateType) -> str:
    return StateType.Name(state).removeprefix("STATE_TYPE_")


def level_name(level: Level) -> str:
    return Level.Name(level).removeprefix("LEVEL_")


def task_name(run: TaskRun) -> str:
    return f"{run.task_id}[{run.value}]" if run.value else run.task_id


def log_line(entry: LogEntry) -> str:
    """Return a log entry as one line: time, level, task, message."""
    when = entry.timestamp.ToDatetime(UTC).strftime("%H:%M:%S.%f")[:-3]
    task = f" {entry.task_id}" if entry.task_id else ""
    return f"{when} {level_name(entry.level):<5}{task}: {entry.message}"


class Progress(Protocol):
    def execution(self, execution: Execution) -> None: ...

    def log(self, entry: LogEntry) -> None: ...

    def close(self) -> None: ...


class PlainProgress:
    """One line per task run state change and per log line, and the execution's states."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._states: dict[str, str] = {}
        self._execution_state = ""

    def execution(self, execution: Execution) -> None:
        for run in execution.task_runs:
            state = state_name(run.state.current)
            if self._states.get(run.id) != state:
                self._states[run.id] = state
                self._print(f"task {task_name(run)} {state}")
        state = state_name(execution.state.current)
        if state != self._execution_state:
            self._execution_state = state
            self._print(f"execution {execution.id} {state}")

    def log(self, entry: LogEntry) -> None:
        self._print(log_line(entry))

    def close(self) -> None:
        self._out.flush()

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)


class JsonProgress:
    """One JSON object per line: {"execution": ...} for each change, {"log": ...} for each line."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def execution(self, execution: Execution) -> None:
        self._print({"execution": as_dict(execution)})

    def log(self, entry: LogEntry) -> None:
        self._print({"log": as_dict(entry)})

    def close(self) -> None:
        self._out.flush()

    def _print(self, value: object) -> None:
        print(json.dumps(value), file=self._out, flush=True)


class LiveProgress:
    """A table of task runs redrawn in place, the log lines printed above it."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._latest = Execution()
        self._live = Live(self._table(), console=console, auto_refresh=False, transient=False)
        self._live.start()

    def execution(self, execution: Execution) -> None:
        self._latest = execution
        self._live.update(self._table(), refresh=True)

    def log(self, entry: LogEntry) -> None:
        style = (
            "red" if entry.level >= Level.LEVEL_ERROR else "yellow" if entry.level == Level.LEVEL_WARN else ""
        )
        self._live.console.print(Text(log_line(entry), style=style))

    def close(self) -> None:
        self._live.update(self._table(), refresh=True)
        self._live.stop()

    def _table(self) -> Table:
        execution = self._latest
        state = state_name(execution.state.current) if execution.id else "..."
        table = Table(
            title=Text.assemble(
                f"{execution.namespace}.{execution.flow_id} {execution.id} ",
                (state, _STYLES.get(state, "")),
            ),
            title_justify="left",
        )
        table.add_column("task")
        table.add_column("state")
        table.add_column("attempts", justify="right")
        depth = _depths(execution)
        for run in execution.task_runs:
            run_state = state_name(run.state.current)
            table.add_row(
                "  " * depth.get(run.id, 0) + task_name(run),
                Text(run_state, style=_STYLES.get(run_state, "")),
                str(len(run.attempts) or ""),
            )
        return table


def _depths(execution: Execution) -> dict[str, int]:
    """Return how deep each task run sits under flowable parents (task runs come parents first)."""
    depth: dict[str, int] = {}
    for run in execution.task_runs:
        depth[run.id] = depth[run.parent_task_run_id] + 1 if run.parent_task_run_id in depth else 0
    return depth


def progress_for(output: str, out: TextIO = sys.stdout) -> Progress:
    """Return the display for output (text or json) and whether out is a terminal."""
    if output == "json":
        return JsonProgress(out)
    if out.isatty():
        return LiveProgress(Console(file=out))
    return PlainProgress(out)
