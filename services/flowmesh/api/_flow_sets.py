"""Sets of flows: several YAML documents read all or nothing, ZIP archives, source edits."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from flowmesh.common.v1.state_pb2 import Label
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.language import FlowDefinition, FlowInvalid, parse_flow, split_documents
from flowmesh.rpc import ApiError

# The most an imported file, or the files of a ZIP once inflated, may hold.
MAX_IMPORT_BYTES = 32 * 1024 * 1024
_YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Document:
    """One flow source of a set, and the name it is reported by (an index or a file name)."""

    name: str
    source: str


def documents_of(source: str) -> list[Document]:
    """Return the YAML documents of a text, named by their 0-based index."""
    if not source.strip():
        raise _invalid("FLOWS_INVALID", "no flow was given", [("source", "must hold YAML documents")])
    return [Document(str(index), text) for index, text in enumerate(split_documents(source))]


def parse_all(documents: Iterable[Document], field: str = "documents") -> list[FlowDefinition]:
    """Parse every document; raise INVALID_ARGUMENT naming each bad document and field."""
    documents = list(documents)
    flows, violations = [], []
    for document in documents:
        try:
            flows.append(parse_flow(document.source))
        except FlowInvalid as invalid:
            violations += [
                (f"{field}[{document.name}].{v.path}" if v.path else f"{field}[{document.name}]", str(v))
                for v in invalid.violations
            ]
    if violations:
        first = violations[0][0].split(".", 1)[0]
        raise _invalid("FLOWS_INVALID", f"Invalid flow in {first}: nothing was changed", violations)
    seen: set[tuple[str, str]] = set()
    for document, flow in zip(documents, flows, strict=True):
        if (flow.namespace, flow.id) in seen:
            raise _invalid(
                "FLOWS_DUPLICATED",
                f"Flow {flow.namespace}.{flow.id} is given twice",
                [(f"{field}[{document.name}].id", f"{flow.namespace}.{flow.id} is given twice")],
            )
        seen.add((flow.namespace, flow.id))
    return flows


def check_namespace(flows: list[FlowDefinition], namespace: str, *, children: bool) -> None:
    """Refuse the flows outside namespace (or below it, with children)."""
    for index, flow in enumerate(flows):
        if flow.namespace == namespace or (children and below(flow.namespace, namespace)):
            continue
        where = "in or below" if children else "in"
        raise _invalid(
            "FLOW_NAMESPACE_INVALID",
            f"Flow {flow.namespace}.{flow.id} is not {where} namespace {namespace}",
            [(f"documents[{index}].namespace", f"must be {namespace}")],
        )


def with_property(source: str, key: str, value: str) -> str:
    """Return source with its top-level `key` set to value (added at the end when absent).

    The text is edited, not rewritten, so comments and layout stay as the user wrote them.
    """
    line = re.compile(rf"(?m)^{re.escape(key)}[ \t]*:.*$")
    if line.search(source):
        return line.sub(f"{key}: {value}", source, count=1)
    return source.rstrip("\n") + f"\n{key}: {value}\n"


def below(namespace: str, parent: str) -> bool:
    """Return whether namespace is below parent (`a.b.c` is below `a` and `a.b`)."""
    return namespace.startswith(parent + ".")


def in_scope(flow: Flow, namespace: str, query: str, labels: Iterable[Label]) -> bool:
    """Return whether a flow is in namespace (or below), has every one of labels (key and
    value equal, as the flows search matches them) and its id or namespace contains query."""
    if namespace and flow.namespace != namespace and not below(flow.namespace, namespace):
        return False
    has = {(label.key, label.value) for label in flow.labels}
    if any((label.key, label.value) not in has for label in labels):
        return False
    text = query.lower()
    return not text or text in flow.id.lower() or text in flow.namespace.lower()


def read_import(data: bytes) -> list[Document]:
    """Return the flow sources of an imported file: a ZIP's YAML files, or YAML documents."""
    check_import_size(len(data))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid(
                "IMPORT_INVALID", "the file is neither a ZIP nor YAML text", [("fileUpload", "not UTF-8")]
            ) from None
        return documents_of(text)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [
                i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(_YAML_SUFFIXES)
            ]
            if sum(entry.file_size for entry in entries) > MAX_IMPORT_BYTES:
                raise _too_large()
            return [Document(e.filename, archive.read(e).decode("utf-8", errors="replace")) for e in entries]
    except zipfile.BadZipFile as error:
        raise _invalid("IMPORT_INVALID", f"bad ZIP file: {error}", [("fileUpload", str(error))]) from None


def check_import_size(size: int) -> None:
    """Refuse an imported file larger than MAX_IMPORT_BYTES."""
    if size > MAX_IMPORT_BYTES:
        raise _too_large()


def write_archive(flows: Iterable[Flow]) -> bytes:
    """Return a ZIP of the flows' sources, one `<namespace>.<id>.yml` each, as Kestra exports."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for flow in flows:
            archive.writestr(f"{flow.namespace}.{flow.id}.yml", flow.source)
    return buffer.getvalue()


def _too_large() -> ApiError:
    return _invalid(
        "IMPORT_TOO_LARGE",
        f"the file holds more than {MAX_IMPORT_BYTES} bytes",
        [("fileUpload", f"at most {MAX_IMPORT_BYTES} bytes")],
    )


def _invalid(reason: str, message: str, violations: list[tuple[str, str]]) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, reason, message, violations)
