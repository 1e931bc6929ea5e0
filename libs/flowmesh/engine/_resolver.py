from __future__ import annotations

from datetime import datetime

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.engine._ids import task_run_id
from flowmesh.engine._jobs import build_job
from flowmesh.engine._states import FAILING, is_terminal, merge, transition
from flowmesh.execution.v1.execution_pb2 import Execution, TaskRun
from flowmesh.language import FlowDefinition
from flowmesh.plugins import FlowableTask, Task
from flowmesh.queue.v1.queue_pb2 import WorkerJob

FAILED = StateType.STATE_TYPE_FAILED


class Resolver:
    """Walks an execution's task tree, creating the task runs that can start now.

    Flowable tasks call back into sequence() and concurrently() to decide their
    children; runnable task runs created on the way become worker jobs.
    """

    def __init__(self, execution: Execution, flow: FlowDefinition, now: datetime) -> None:
        self.execution = execution
        self.flow = flow
        self.now = now
        self.jobs: list[WorkerJob] = []
        self.touched: set[str] = set()
        self._runs: dict[tuple[str, str], TaskRun] = {
            (run.parent_task_run_id, run.task_id): run for run in execution.task_runs
        }

    def resolve_execution(self) -> StateType | None:
        """Advance the whole execution; return its final state once it has one."""
        return self.sequence(self.flow.tasks, self.flow.errors, None)

    def sequence(self, tasks: list[Task], errors: list[Task], parent: TaskRun | None) -> StateType | None:
        parent_id = parent.id if parent else ""
        return self._with_errors(self._one_after_another(tasks, parent_id), errors, parent_id)

    def concurrently(
        self, tasks: list[Task], errors: list[Task], parent: TaskRun | None, limit: int
    ) -> StateType | None:
        parent_id = parent.id if parent else ""
        return self._with_errors(self._side_by_side(tasks, parent_id, limit), errors, parent_id)

    def set_state(self, run: TaskRun, state: StateType) -> None:
        transition(run.state, state, self.now)
        self.touched.add(run.id)

    def _with_errors(self, state: StateType | None, errors: list[Task], parent_id: str) -> StateType | None:
        if state != FAILED or not _enabled(errors):
            return state
        handled = self._one_after_another(errors, parent_id)
        return None if handled is None else FAILED

    def _one_after_another(self, tasks: list[Task], parent_id: str) -> StateType | None:
        finished: list[StateType] = []
        for task in _enabled(tasks):
            run = self._runs.get((parent_id, task.id)) or self._create(task, parent_id)
            state = self._settle(run, task)
            if not is_terminal(state):
                return None
            finished.append(state)
            if state in FAILING:
                break
        return merge(finished)

    def _side_by_side(self, tasks: list[Task], parent_id: str, limit: int) -> StateType | None:
        finished: list[StateType] = []
        running = 0
        waiting = 0
        for task in _enabled(tasks):
            run = self._runs.get((parent_id, task.id))
            if run is None:
                if merge(finished) == FAILED or (limit and running >= limit):
                    waiting += 1
                    continue
                run = self._create(task, parent_id)
            state = self._settle(run, task)
            if is_terminal(state):
                finished.append(state)
            else:
                running += 1
        if running or (waiting and merge(finished) != FAILED):
            return None
        return merge(finished)

    def _settle(self, run: TaskRun, task: Task) -> StateType:
        if not is_terminal(run.state.current) and isinstance(task, FlowableTask):
            state = task.resolve(self, run)
            if state is not None:
                self.set_state(run, state)
        return run.state.current

    def _create(self, task: Task, parent_id: str) -> TaskRun:
        execution = self.execution
        run = execution.task_runs.add(
            id=task_run_id(execution.id, parent_id, task.id, ""),
            execution_id=execution.id,
            namespace=execution.namespace,
            flow_id=execution.flow_id,
            task_id=task.id,
            parent_task_run_id=parent_id,
            position=len(execution.task_runs),
        )
        self._runs[(parent_id, task.id)] = run
        self.set_state(run, StateType.STATE_TYPE_CREATED)
        if isinstance(task, FlowableTask):
            self.set_state(run, StateType.STATE_TYPE_RUNNING)
        else:
            self.jobs.append(build_job(execution, self.flow, run, task))
        return run


def _enabled(tasks: list[Task]) -> list[Task]:
    return [task for task in tasks if not task.disabled]
