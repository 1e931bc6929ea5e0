"""Helpers every api servicer uses: error answers, paging, the clock."""

from __future__ import annotations

import csv
import functools
import io
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import grpc
import structlog
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from nats.js.errors import InvalidKeyError

from flowmesh.common.v1.state_pb2 import Label
from flowmesh.engine import OperationRefused
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.file.v1.file_messages_pb2 import FileChunk
from flowmesh.language import FlowInvalid, InputsError
from flowmesh.repository import InvalidRecord, RepositoryBackend, RepositoryUnavailable
from flowmesh.rpc import ApiError, abort_with
from flowmesh.state import ExecutionStore, FlowUnavailable
from flowmesh.storage import InvalidStoragePath, StoredFileNotFound
from flowmesh.telemetry import bind_log_context

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 25

# What one part of a NATS KV key may be: what nats-py accepts in a key, without its separator.
_KEY_PART = re.compile(r"[-_=a-zA-Z0-9]([-_=.a-zA-Z0-9]*[-_=a-zA-Z0-9])?")
# The request fields that name objects, and so become parts of keys (the gateway documents
# the same fields' form in the OpenAPI document).
_ID_FIELDS = frozenset({"tenant", "namespace", "id", "flow_id", "execution_id", "trigger_id"})

R = TypeVar("R")
T = TypeVar("T")
Unary = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[R]]
Streaming = Callable[[Any, Any, grpc.aio.ServicerContext], AsyncIterator[R]]


def now() -> datetime:
    return datetime.now(UTC)


log = structlog.get_logger(component="api")


def answer_for(error: Exception, request: Message | None = None) -> ApiError:
    """Return the answer for any error: translate's, or for a bug an INTERNAL one.

    A bug's text can hold anything (paths of the server, values of other calls), so the
    answer gives only an incident id, which the api logs with the traceback.
    """
    answer = translate(error, request)
    if answer is not None:
        return answer
    incident = uuid.uuid4().hex[:12]
    log.error("api_bug", incident=incident, error_type=type(error).__name__, exc_info=error)
    return ApiError(
        grpc.StatusCode.INTERNAL,
        "INTERNAL",
        f"internal error in the api: its log has the details under incident {incident}",
    )


def translate(error: Exception, request: Message | None = None) -> ApiError | None:
    """Return the answer for an error callers can cause, or None for a bug.

    request, when given, lets the answer name the fields that hold the values refused.
    """
    if isinstance(error, ApiError):
        return error
    if isinstance(error, InvalidKeyError):
        return ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "ID_INVALID",
            "an identifier holds characters that no id may hold",
            _fields_holding(
                request,
                lambda field, text: field in _ID_FIELDS and not _KEY_PART.fullmatch(text),
                "must be letters, digits, `.`, `_` and `-`, not ending with `.`",
            ),
        )
    if isinstance(error, InvalidRecord):
        # The database refuses a value of the request (a NUL character in text): sent again,
        # the same request fails the same way, so it is the caller's to fix.
        return ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "VALUE_INVALID",
            f"the repository refuses a value of the request: {error}",
            _fields_holding(request, lambda _, text: "\x00" in text, "must not hold a NUL character"),
        )
    if isinstance(error, FlowInvalid):
        return ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "FLOW_INVALID",
            f"Invalid flow: {error}",
            [(v.path or "source", str(v)) for v in error.violations],
        )
    if isinstance(error, InputsError):
        return ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "INPUTS_INVALID",
            f"Invalid inputs: {error}",
            [(v.path, v.message) for v in error.violations],
        )
    if isinstance(error, OperationRefused | FlowUnavailable):
        missing = error.reason.endswith("_NOT_FOUND")
        code = grpc.StatusCode.NOT_FOUND if missing else grpc.StatusCode.FAILED_PRECONDITION
        return ApiError(code, error.reason, str(error))
    if isinstance(error, InvalidStoragePath):
        return ApiError(
            grpc.StatusCode.INVALID_ARGUMENT, "FILE_PATH_INVALID", str(error), [("path", str(error))]
        )
    if isinstance(error, StoredFileNotFound):
        return ApiError(grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND", str(error))
    if isinstance(error, RepositoryUnavailable):
        return ApiError(
            grpc.StatusCode.UNAVAILABLE, "REPOSITORY_UNAVAILABLE", "the repository is unreachable"
        )
    return None


def _fields_holding(
    request: Message | None, refused: Callable[[str, str], bool], why: str
) -> list[tuple[str, str]]:
    """Return a violation (why) for each string field of request that holds a value refused
    (refused(field name, value)).

    Fields are named as in JSON (`executionId`): as the REST parameters that fill them.
    """
    if request is None:
        return []
    violations = []
    for field, value in request.ListFields():
        values = value if field.is_repeated else [value]
        if field.message_type is not None and field.message_type.full_name == Label.DESCRIPTOR.full_name:
            values = [text for label in values for text in (label.key, label.value)]  # `labels`: key:value
        elif field.type != FieldDescriptor.TYPE_STRING:
            continue
        if any(refused(field.name, text) for text in values):
            violations.append((field.json_name, why))
    return violations


def unary(method: Unary[R]) -> Unary[R]:
    """Answer a unary RPC's errors as google.rpc.Status (see answer_for)."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        _bind_log_context(request)
        try:
            return await method(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await abort_with(context, answer_for(error, request))

    return wrapper


def streaming(method: Streaming[R]) -> Streaming[R]:
    """Answer a server-streaming RPC's errors as google.rpc.Status (see answer_for)."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[R]:
        _bind_log_context(request)
        try:
            async for item in method(self, request, context):
                yield item
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await abort_with(context, answer_for(error, request))

    return wrapper


# Request fields that the call's log lines carry, under these names.
_LOG_FIELDS = {"execution_id": "execution_id", "namespace": "namespace", "flow_id": "flow"}


def _bind_log_context(request: Message | AsyncIterator[Message]) -> None:
    """Give the call's log lines the execution, namespace and flow its request names (a
    client-streaming call, such as an upload, has no one request to read them from)."""
    if not isinstance(request, Message):
        return
    fields = request.DESCRIPTOR.fields_by_name
    bind_log_context(
        **{
            name: getattr(request, field)
            for field, name in _LOG_FIELDS.items()
            if field in fields
            and fields[field].type == FieldDescriptor.TYPE_STRING
            and not fields[field].is_repeated
        }
    )


def page(page_size: int, page_token: str) -> tuple[int, int]:
    """Return (offset, limit) from a request's page size and token (a decimal offset)."""
    if page_token and not page_token.isdigit():
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "PAGE_TOKEN_INVALID",
            "page_token is not a token this api gave",
            [("page_token", "must be a next_page_token from an earlier answer")],
        )
    if page_size < 0:
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "PAGE_SIZE_INVALID",
            "page_size must not be negative",
            [("page_size", "must be 0 or more")],
        )
    return int(page_token or 0), min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def next_token(offset: int, count: int, total: int) -> str:
    return str(offset + count) if offset + count < total else ""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list the api holds whole: its items, the list's size, the next page's token."""

    items: list[T]
    total: int
    next_token: str


def page_of(items: list[T], page_size: int, page_token: str) -> Page[T]:
    """Return the page of items that a request's page size and token ask for."""
    offset, limit = page(page_size, page_token)
    chosen = items[offset : offset + limit]
    return Page(chosen, len(items), next_token(offset, len(chosen), len(items)))


def not_found(reason: str, message: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, reason, message)


async def find_execution(
    executions: ExecutionStore, repository: RepositoryBackend, tenant: str, execution_id: str
) -> Execution:
    """Return an execution of tenant: in flight from the bucket, else from the repository."""
    stored = await executions.get(execution_id)
    if stored is not None and stored.execution.tenant_id == tenant:
        return stored.execution
    execution = await repository.get_execution(tenant, execution_id)
    if execution is None:
        raise not_found("EXECUTION_NOT_FOUND", f"Execution {execution_id} not found")
    return execution


def csv_chunk(name: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> FileChunk:
    """Return a whole CSV file (RFC 4180, UTF-8, a header row of columns) as the one chunk of a download."""
    return FileChunk(filename=f"{name}.csv", content_type="text/csv", data=csv_rows(columns, rows))


def csv_rows(columns: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> bytes:
    """Return rows as CSV (RFC 4180, UTF-8), after a header row of columns unless None."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if columns is not None:
        writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode()
