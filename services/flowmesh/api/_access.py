"""Which namespaces a request acts on, for the roles check of flowmesh.auth: the one place that knows.

A request names a namespace in its `namespace` field, through an execution (`execution_id`,
`execution_ids`: the stored execution's namespace), through flow sources (the namespace
each document declares, read as the api reads it), or in the items it lists (bulk
requests: each item's `namespace`). A request that names none acts on all namespaces, as
does one naming an execution that cannot be found or a source with a document whose
namespace cannot be read (a caller with roles on some namespaces only gets
PERMISSION_DENIED, never a hint of what exists elsewhere), and one that reads beyond the
namespaces it names (following an execution's dependencies).
"""

from __future__ import annotations

from google.protobuf.message import Message

from flowmesh.api._flow_checks import declared_names
from flowmesh.api._support import find_execution, translate
from flowmesh.auth import TENANT
from flowmesh.language import split_documents
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import ApiError
from flowmesh.state import ExecutionStore

# Requests that read beyond the namespaces they name: following an execution's dependencies
# tells the states of executions of other namespaces, so it needs the role on all of them.
_READS_ELSEWHERE = frozenset({"flowmesh.execution.v1.FollowExecutionDependenciesRequest"})


class RequestNamespaces:
    """The NamespaceResolver of the api: executions from the bucket, else the repository."""

    def __init__(self, executions: ExecutionStore, repository: RepositoryBackend) -> None:
        self._executions = executions
        self._repository = repository

    async def __call__(self, request: Message) -> set[str] | None:
        """Return the namespaces request acts on; None when it names none (all of them)."""
        if request.DESCRIPTOR.full_name in _READS_ELSEWHERE:
            return None
        names: set[str] = set()
        fields = request.DESCRIPTOR.fields_by_name
        tenant: str = _field(request, "tenant") or TENANT
        if _field(request, "namespace"):
            names.add(_field(request, "namespace"))
        execution_ids: list[str] = [_field(request, "execution_id")]
        if "execution_ids" in fields:
            execution_ids += getattr(request, "execution_ids")  # noqa: B009  (a field only some requests have)
        for execution_id in filter(None, execution_ids):
            namespace = await self._of_execution(tenant, execution_id)
            if namespace is None:
                return None
            names.add(namespace)
        if _field(request, "source"):
            declared = {
                declared_names(document)[0] for document in split_documents(_field(request, "source"))
            }
            # A document whose namespace cannot be read could be any namespace's.
            if "" in declared:
                return None
            names |= declared
        for field in fields.values():
            items = field.message_type
            if field.is_repeated and items is not None and "namespace" in items.fields_by_name:
                listed = {item.namespace for item in getattr(request, field.name)}
                # An item naming no namespace: fail closed, as for a request naming none.
                if "" in listed:
                    return None
                names |= listed
        return names or None

    async def _of_execution(self, tenant: str, execution_id: str) -> str | None:
        try:
            execution = await find_execution(self._executions, self._repository, tenant, execution_id)
        except ApiError:
            return None  # not found
        except Exception as error:
            # The repository unreachable is UNAVAILABLE, as it would be for the call itself.
            answer = translate(error)
            if answer is None:
                raise
            raise answer from None
        return execution.namespace


def _field(request: Message, name: str) -> str:
    """Return a string field of request, "" when it has no such field."""
    value = getattr(request, name, "") if name in request.DESCRIPTOR.fields_by_name else ""
    return value if isinstance(value, str) else ""
