"""Where files go: Kestra's layout of paths, and its `kestra://` URIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flowmesh.storage._errors import InvalidStoragePath

SCHEME = "kestra"

# Characters no segment may hold: separators, and NUL.
_FORBIDDEN = ("/", "\\", "\x00")


def task_run_file(
    namespace: str, flow_id: str, execution_id: str, task_id: str, task_run_id: str, name: str
) -> str:
    """Return the path of a file a task run writes, as Kestra lays it out.

    `/<namespace as folders>/<flowId>/executions/<executionId>/tasks/<taskId>/<taskRunId>/<name>`
    """
    return f"{execution_folder(namespace, flow_id, execution_id)}/tasks/{task_id}/{task_run_id}/{name}"


def segments(path: str) -> list[str]:
    """Return the segments of an absolute path; raise InvalidStoragePath for one that may escape.

    Empty segments, `.`, `..`, backslashes and NUL are refused rather than normalised
    away: a path that needs normalising was not written by flowmesh.
    """
    if not path.startswith("/"):
        raise InvalidStoragePath(f"Not an absolute storage path: {path!r}")
    parts = path[1:].split("/")
    for part in parts:
        check_segment(part, path)
    return parts


def check_segment(part: str, whole: str) -> None:
    """Raise InvalidStoragePath unless part is one plain segment (whole names it in the message)."""
    if part in ("", ".", "..") or any(char in part for char in _FORBIDDEN):
        raise InvalidStoragePath(f"Invalid storage path {whole!r}: segment {part!r} is not allowed")


def check_move(source: str, target: str) -> None:
    """Raise InvalidStoragePath when target is inside source: a folder cannot move into itself."""
    if target.startswith(f"{source}/"):
        raise InvalidStoragePath(f"Cannot move {source!r} into itself, to {target!r}")


def uri_of(path: str) -> str:
    """Return the URI of a stored path: `kestra:///io/kestra/tests/...`."""
    segments(path)
    return f"{SCHEME}://{quote(path, safe='/')}"


def path_of(uri: str) -> str:
    """Return the path a `kestra:///...` URI names; raise InvalidStoragePath for any other URI."""
    parts = urlsplit(uri)
    if parts.scheme != SCHEME or parts.netloc or parts.query or parts.fragment:
        raise InvalidStoragePath(f"Not an internal storage URI: {uri!r}")
    path = unquote(parts.path)
    segments(path)
    return path


def execution_folder(namespace: str, flow_id: str, execution_id: str) -> str:
    """Return the folder of an execution's files.

    `/<namespace as folders>/<flowId>/executions/<executionId>`
    """
    return "/" + "/".join([*namespace.split("."), flow_id, "executions", execution_id])


def execution_input_file(
    namespace: str, flow_id: str, execution_id: str, input_id: str, filename: str
) -> str:
    """Return the path of a FILE input's file, as Kestra lays it out.

    `/<namespace as folders>/<flowId>/executions/<executionId>/inputs/<inputId>/<filename>`
    """
    check_segment(filename, filename)
    return f"{execution_folder(namespace, flow_id, execution_id)}/inputs/{input_id}/{filename}"


def namespace_files(namespace: str) -> str:
    """Return the folder of a namespace's files: `/<namespace as folders>/_files`."""
    return "/" + "/".join([*namespace.split("."), "_files"])


def execution_file_folders(
    flow: Mapping[str, Any], execution: Mapping[str, Any], trigger: Mapping[str, Any]
) -> list[str]:
    """Return the folders (ending in `/`) of the files an execution may read, as Kestra allows.

    Its own, and those of the execution that started it (a subflow reads the FILE inputs its
    parent passed on); the arguments are Kestra's `flow`, `execution` and `trigger` variables.
    """
    owners = [(flow.get("namespace"), flow.get("id"), execution.get("id"))]
    if trigger.get("executionId"):
        owners.append((trigger.get("namespace"), trigger.get("flowId"), trigger.get("executionId")))
    return [
        execution_folder(str(namespace), str(flow_id), str(execution_id)) + "/"
        for namespace, flow_id, execution_id in owners
        if namespace and flow_id
    ]
