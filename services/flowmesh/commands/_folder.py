"""A folder of flows and namespace files, and what syncing it to a server would change.

The layout `flowmesh flow deploy` reads:

    DIR/**/*.yml, DIR/**/*.yaml      one flow per file, at any depth (outside DIR/files)
    DIR/files/<namespace>/<path>     the namespace file <path> of <namespace>

`flowmesh flow export` writes DIR/<namespace>/<id>.yml, which reads back the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import yaml

FILES_DIR = "files"
FLOW_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class LocalFlow:
    path: Path
    namespace: str
    id: str
    source: str


@dataclass(frozen=True)
class LocalFile:
    """A namespace file: `target` is its path in the namespace, e.g. `/scripts/main.py`."""

    path: Path
    namespace: str
    target: str


@dataclass
class Folder:
    flows: list[LocalFlow] = field(default_factory=list)
    files: list[LocalFile] = field(default_factory=list)
    # Files that cannot be deployed, each with the reason: "path: why".
    problems: list[str] = field(default_factory=list)

    @property
    def flow_namespaces(self) -> set[str]:
        return {flow.namespace for flow in self.flows}

    @property
    def file_namespaces(self) -> set[str]:
        return {file.namespace for file in self.files}


def flow_paths(paths: Sequence[Path]) -> list[Path]:
    """Return the flow files that paths name: files as given, directories searched (but files/)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                candidate
                for candidate in path.rglob("*")
                if candidate.suffix in FLOW_SUFFIXES
                and candidate.is_file()
                and candidate.relative_to(path).parts[0] != FILES_DIR
            )
        else:
            found.append(path)
    return found


def read_folder(root: Path) -> Folder:
    """Read the flows and namespace files of a folder laid out as this module says."""
    folder = Folder()
    seen: dict[tuple[str, str], Path] = {}
    for path in flow_paths([root]):
        flow = _read_flow(path, folder.problems)
        if flow is None:
            continue
        key = (flow.namespace, flow.id)
        if key in seen:
            folder.problems.append(f"{path}: flow {flow.namespace}.{flow.id} is also in {seen[key]}")
            continue
        seen[key] = path
        folder.flows.append(flow)
    files_root = root / FILES_DIR
    if files_root.is_dir():
        for path in sorted(files_root.rglob("*")):
            if not path.is_file():
                continue
            namespace, *rest = path.relative_to(files_root).parts
            if not rest:
                folder.problems.append(f"{path}: a namespace file goes under {FILES_DIR}/<namespace>/")
                continue
            folder.files.append(LocalFile(path, namespace, "/" + "/".join(rest)))
    return folder


def _read_flow(path: Path, problems: list[str]) -> LocalFlow | None:
    source = path.read_text(encoding="utf-8")
    try:
        documents = [document for document in yaml.safe_load_all(source) if document is not None]
    except yaml.YAMLError as error:
        problems.append(f"{path}: not YAML: {error}")
        return None
    if len(documents) > 1:
        problems.append(f"{path}: holds {len(documents)} YAML documents; a flow file holds one flow")
        return None
    data = documents[0] if documents else None
    if not isinstance(data, dict):
        problems.append(f"{path}: a flow is a YAML map with id, namespace and tasks")
        return None
    missing = [name for name in ("namespace", "id") if not isinstance(data.get(name), str) or not data[name]]
    if missing:
        problems.append(f"{path}: {' and '.join(missing)} missing")
        return None
    return LocalFlow(path, data["namespace"], data["id"], source)


class Action(Enum):
    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"
    DELETE = "deleted"


@dataclass(frozen=True)
class Change:
    action: Action
    namespace: str
    # A flow's id, or a namespace file's path.
    name: str
    # What to send for CREATE and UPDATE: the flow's source, or the local file.
    source: str = ""
    path: Path | None = None


@dataclass
class Plan:
    flows: list[Change] = field(default_factory=list)
    files: list[Change] = field(default_factory=list)

    def count(self, changes: Iterable[Change]) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in changes:
            counts[change.action.value] += 1
        return counts


def plan_sync(
    folder: Folder,
    remote_flows: Mapping[tuple[str, str], str],
    remote_files: Mapping[tuple[str, str], bytes],
    *,
    delete: bool,
) -> Plan:
    """Return what makes the server hold the folder's flows and namespace files.

    remote_flows maps (namespace, id) to the stored source of the flows the server has, at
    least those of the folder and, with delete, every flow of the folder's namespaces;
    remote_files maps (namespace, path) to the stored bytes the same way. With delete, the
    flows of a namespace that has flows in the folder and are not in it are deleted, and so
    are the files of a namespace that has a files/<namespace> folder and are not in it.
    """
    plan = Plan()
    local_flows = {(flow.namespace, flow.id) for flow in folder.flows}
    for flow in folder.flows:
        stored = remote_flows.get((flow.namespace, flow.id))
        action = Action.CREATE if stored is None else Action.UPDATE
        if stored == flow.source:
            action = Action.UNCHANGED
        plan.flows.append(Change(action, flow.namespace, flow.id, source=flow.source))
    if delete:
        plan.flows += [
            Change(Action.DELETE, namespace, flow_id)
            for namespace, flow_id in sorted(remote_flows)
            if namespace in folder.flow_namespaces and (namespace, flow_id) not in local_flows
        ]
    local_files = {(file.namespace, file.target) for file in folder.files}
    for file in folder.files:
        stored_bytes = remote_files.get((file.namespace, file.target))
        action = Action.CREATE if stored_bytes is None else Action.UPDATE
        if stored_bytes is not None and stored_bytes == file.path.read_bytes():
            action = Action.UNCHANGED
        plan.files.append(Change(action, file.namespace, file.target, path=file.path))
    if delete:
        plan.files += [
            Change(Action.DELETE, namespace, target)
            for namespace, target in sorted(remote_files)
            if namespace in folder.file_namespaces and (namespace, target) not in local_files
        ]
    return plan
