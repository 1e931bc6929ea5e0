from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pydantic import ValidationError

from flowmesh.language._checks import parse_checks
from flowmesh.language._concurrency import parse_concurrency
from flowmesh.language._defaults import PluginDefaults, parse_plugin_defaults
from flowmesh.language._errors import join_path, message_of
from flowmesh.language._input_declarations import parse_inputs
from flowmesh.language._model import FlowDefinition, FlowInvalid, Input, Violation
from flowmesh.language._outputs import parse_outputs
from flowmesh.language._policies import parse_flow_retry, parse_sla
from flowmesh.language._triggers import parse_triggers
from flowmesh.language._yaml import Positions, load_document
from flowmesh.plugins import ExecutableTask, FlowableTask, Task, task_class

# Kestra's patterns (Flow.id, Flow.namespace), matched against the whole value.
FLOW_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
NAMESPACE = re.compile(r"[a-z0-9][a-z0-9._-]*")
MAX_LENGTHS = {"id": 100, "namespace": 150}
SYSTEM_LABEL_PREFIX = "system."
# The one system label a flow may carry (set by Kestra on flows it provisions).
READ_ONLY_LABEL = "system.readOnly"

SUPPORTED_KEYS = {
    "id", "namespace", "revision", "description", "labels", "inputs", "variables", "tasks",
    "errors", "finally", "afterExecution", "outputs", "disabled", "pluginDefaults", "taskDefaults",
    "triggers", "retry", "sla", "concurrency", "checks", "listeners",
}  # fmt: skip
# Kestra properties whose behaviour flowmesh does not have yet: refused rather than ignored.
# (`triggers` are accepted and kept, though nothing fires them yet: see _triggers; `listeners`,
# deprecated and disabled by default in Kestra, are validated and never run.)
# The keys of one of Kestra's deprecated listeners.
LISTENER_KEYS = {"tasks", "conditions", "description"}
NOT_YET_SUPPORTED = {
    "timeout", "workerGroup",
}  # fmt: skip


def split_documents(source: str) -> list[str]:
    """Split a multi-document YAML text on its `---` separators."""
    documents = re.split(r"(?m)^---[ \t]*$\n?", source)
    return [document for document in documents if document.strip()] or [source]


def parse_flow(source: str) -> FlowDefinition:
    """Parse and validate one flow; raise FlowInvalid listing every violation found."""
    data, positions = load_document(source)
    if not isinstance(data, dict):
        raise FlowInvalid([Violation("", "a flow must be a YAML map with id, namespace and tasks")])
    parser = _Parser(positions)
    flow = parser.flow(data, source)
    if parser.violations:
        raise FlowInvalid(parser.violations)
    assert flow is not None
    return flow


class _Parser:
    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.violations: list[Violation] = []
        # Every task id met, invalid tasks included, so that duplicates are all reported.
        self.task_ids: list[str] = []
        self.defaults = PluginDefaults()

    def fail(self, path: str, message: str) -> None:
        line, column = self._where(path)
        self.violations.append(Violation(path, message, line, column))

    def _where(self, path: str) -> tuple[int, int]:
        while path not in self.positions and path:
            parent = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)
            path = "" if parent == path else parent
        return self.positions.get(path, (0, 0))

    def flow(self, data: dict[str, Any], source: str) -> FlowDefinition | None:
        for key in data:
            if key in NOT_YET_SUPPORTED:
                self.fail(key, f"`{key}` is not supported by flowmesh yet")
            elif key not in SUPPORTED_KEYS:
                self.fail(key, f'Unrecognized field "{key}"')
        self.defaults = parse_plugin_defaults(data, self.fail)
        flow_id = self._identifier(data, "id", FLOW_ID)
        namespace = self._identifier(data, "namespace", NAMESPACE)
        tasks = self.tasks(data.get("tasks"), "tasks", required=True)
        errors = self.tasks(data.get("errors"), "errors", required=False)
        finally_tasks = self.tasks(data.get("finally"), "finally", required=False)
        after_execution = self.tasks(data.get("afterExecution"), "afterExecution", required=False)
        self._listeners(data.get("listeners"))
        self._whole_flow(data, namespace, flow_id, [*tasks, *errors, *finally_tasks, *after_execution])
        inputs = self.inputs(data.get("inputs"))
        outputs = parse_outputs(data.get("outputs"), self.fail)
        labels = self.labels(data.get("labels"))
        triggers = parse_triggers(data.get("triggers"), self.fail)
        retry = parse_flow_retry(data.get("retry"), self.fail)
        sla = parse_sla(data.get("sla"), self.fail)
        concurrency = parse_concurrency(data.get("concurrency"), self.fail)
        checks = parse_checks(data.get("checks"), self.fail)
        variables = data.get("variables") or {}
        if not isinstance(variables, dict):
            self.fail("variables", "must be a map")
            variables = {}
        if self.violations:
            return None
        return FlowDefinition(
            id=flow_id,
            namespace=namespace,
            source=source,
            tasks=tasks,
            errors=errors,
            finally_tasks=finally_tasks,
            after_execution=after_execution,
            outputs=outputs,
            inputs=inputs,
            variables=variables,
            labels=labels,
            triggers=triggers,
            retry=retry,
            sla=sla,
            concurrency=concurrency,
            checks=checks,
            description=data.get("description"),
            disabled=bool(data.get("disabled", False)),
        )

    def _identifier(self, data: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
        value = data.get(key)
        if value is None:
            self.fail(key, "must not be null")
            return ""
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(key, f"must match ^{pattern.pattern}$, got {value!r}")
            return ""
        if len(value) > MAX_LENGTHS[key]:
            self.fail(key, f"must be at most {MAX_LENGTHS[key]} characters long")
            return ""
        return value

    def tasks(self, raw: Any, path: str, *, required: bool) -> list[Task]:
        if raw is None or raw == []:
            if required:
                self.fail(path, "must not be empty")
            return []
        if not isinstance(raw, list):
            self.fail(path, "must be a list of tasks")
            return []
        parsed = [self.task(item, f"{path}[{index}]") for index, item in enumerate(raw)]
        return [task for task in parsed if task is not None]

    def task(self, raw: Any, path: str) -> Task | None:
        if not isinstance(raw, dict):
            self.fail(path, "must be a task: a map with id and type")
            return None
        if isinstance(raw.get("id"), str | int):
            self.task_ids.append(str(raw["id"]))  # numbers are ids too (`id: 7`)
        type_name = raw.get("type")
        if not isinstance(type_name, str):
            self.fail(f"{path}.type", "missing type id property 'type'")
            return None
        cls = task_class(type_name)
        if cls is None:
            self.fail(f"{path}.type", f"Invalid type: {type_name}")
            return None
        values = self.defaults.apply((type_name, *cls.type_names), dict(raw))
        # Child lists that lost tasks to their own violations: those say why already.
        incomplete: set[str] = set()
        if issubclass(cls, FlowableTask):
            incomplete = cls.parse_children(values, path, self._children)
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            for problem in error.errors():
                if problem["loc"][:1] and problem["loc"][0] in incomplete:
                    continue
                self.fail(join_path(path, problem["loc"]), message_of(problem))
            return None

    def _children(self, raw: Any, path: str) -> tuple[list[Task], bool]:
        children = self.tasks(raw, path, required=False)
        return children, raw is None or len(children) == len(_as_list(raw))

    def _listeners(self, raw: Any) -> None:
        """Validate Kestra's deprecated `listeners` (their tasks' ids count); they never run."""
        if raw is None:
            return
        if not isinstance(raw, list):
            self.fail("listeners", "must be a list of listeners")
            return
        for index, listener in enumerate(raw):
            path = f"listeners[{index}]"
            if not isinstance(listener, dict):
                self.fail(path, "must be a map with tasks")
                continue
            for key in sorted(set(listener) - LISTENER_KEYS):
                self.fail(f"{path}.{key}", f'Unrecognized field "{key}"')
            self.tasks(listener.get("tasks"), f"{path}.tasks", required=True)

    def _whole_flow(self, data: dict[str, Any], namespace: str, flow_id: str, tasks: list[Task]) -> None:
        """Report what makes the flow as a whole invalid, in one violation as Kestra's FlowValidation.

        Task ids (of listeners too) and trigger ids that repeat, and a Subflow task
        that starts the flow it is in.
        """
        problems = []
        task_ids = _repeated(self.task_ids)
        if task_ids:
            problems.append(f"Duplicate task id with name [{', '.join(task_ids)}]")
        raw_triggers = data.get("triggers")
        trigger_ids = _repeated(
            [str(item["id"]) for item in raw_triggers if isinstance(item, dict) and "id" in item]
            if isinstance(raw_triggers, list)
            else []
        )
        if trigger_ids:
            problems.append(f"Duplicate trigger id with name [{', '.join(trigger_ids)}]")
        if _calls_itself(namespace, flow_id, tasks):
            problems.append(f"Recursive call to flow [{namespace}.{flow_id}]")
        if problems:
            self.fail("", f"Invalid Flow: {', '.join(problems)}")

    def inputs(self, raw: Any) -> list[Input]:
        return parse_inputs(raw, self.fail)

    def labels(self, raw: Any) -> dict[str, str]:
        if raw is None:
            return {}
        if isinstance(raw, dict):
            labels = {str(key): str(value) for key, value in raw.items()}
        elif isinstance(raw, list) and all(isinstance(item, dict) and "key" in item for item in raw):
            labels = {str(item["key"]): str(item.get("value", "")) for item in raw}
        else:
            self.fail("labels", "must be a map or a list of {key, value}")
            return {}
        for key, value in labels.items():
            if key.startswith(SYSTEM_LABEL_PREFIX) and key != READ_ONLY_LABEL:
                self.fail(
                    f"labels.{key}",
                    f"System labels can only be set by Kestra itself, offending label: {key}={value}",
                )
        return labels


def _repeated(ids: list[str]) -> list[str]:
    return sorted(item for item, count in Counter(ids).items() if count > 1)


def _calls_itself(namespace: str, flow_id: str, tasks: list[Task]) -> bool:
    """Return whether a Subflow task among tasks (nested ones too) starts the flow they are in."""
    pending = list(tasks)
    while pending:
        task = pending.pop()
        if isinstance(task, FlowableTask):
            pending.extend(task.children())
        elif isinstance(task, ExecutableTask) and task.calls(namespace, flow_id):
            return True
    return False


def _as_list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else [raw]
