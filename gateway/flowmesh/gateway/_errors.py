"""Turn gRPC statuses and the gateway's own request errors into HTTP answers.

Every error body has one shape, whatever raised it: ``{"message": str, "status":
"NOT_FOUND", "reason": str | None, "violations": [{"path": str, "message": str}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import grpc
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.protobuf import any_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2
from pydantic import BaseModel
from starlette.exceptions import HTTPException

log = structlog.get_logger(component="gateway")

_DETAILS_KEY = "grpc-status-details-bin"

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,  # Kestra answers 422 for an invalid entity
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,  # changed meanwhile: read again and retry
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}

# Bad input Kestra answers 400 for rather than 422 (a backfill it refuses).
_BAD_REQUEST_REASONS = frozenset({"BACKFILL_INVALID"})

# The status name shown for HTTP errors raised by Starlette itself (unknown path, ...).
_NAME_OF_HTTP = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    413: "RESOURCE_EXHAUSTED",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class Violation(BaseModel):
    """One bad field of a request."""

    path: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer (documented in the OpenAPI document)."""

    message: str
    status: str
    reason: str | None = None
    violations: list[Violation] = []


class GatewayError(Exception):
    """A request the gateway refuses before calling the api (400 unless told otherwise)."""

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None = None,
        http_status: int = 400,
        status: str = "INVALID_ARGUMENT",
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.status = status
        self.reason = reason
        self.violations = [(parameter, message)] if parameter else []


def error_body(
    message: str,
    status: str,
    reason: str | None = None,
    violations: Iterable[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Return the JSON body of an error."""
    return {
        "message": message,
        "status": status,
        "reason": reason,
        "violations": [{"path": path, "message": text} for path, text in violations],
    }


def rpc_error_body(error: grpc.aio.AioRpcError) -> tuple[int, dict[str, Any]]:
    """Return the HTTP status and the body for a failed gRPC call."""
    code = error.code()
    reason, violations = _rich_details(error.trailing_metadata())
    body = error_body(error.details() or code.name, code.name, reason, violations)
    if code == grpc.StatusCode.INVALID_ARGUMENT and reason in _BAD_REQUEST_REASONS:
        return 400, body
    return HTTP_STATUS.get(code, 500), body


def _holds(detail: any_pb2.Any, message: type[Message]) -> bool:
    """Tell whether detail packs a message of that class."""
    # types-protobuf types Message.DESCRIPTOR wider than the Descriptor that Any.Is takes.
    return detail.Is(cast(Descriptor, message.DESCRIPTOR))


def _rich_details(
    metadata: Sequence[tuple[str, Any]] | None,
) -> tuple[str | None, list[tuple[str, str]]]:
    reason: str | None = None
    violations: list[tuple[str, str]] = []
    for key, value in metadata or ():
        if key != _DETAILS_KEY or not isinstance(value, bytes):
            continue
        try:
            status = status_pb2.Status.FromString(value)
        except DecodeError:
            log.warning("bad_status_details", length=len(value))
            continue
        for detail in status.details:
            if _holds(detail, error_details_pb2.ErrorInfo):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason or reason
            elif _holds(detail, error_details_pb2.BadRequest):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations.extend((v.field, v.description) for v in bad.field_violations)
            elif _holds(detail, error_details_pb2.PreconditionFailure):
                failure = error_details_pb2.PreconditionFailure()
                detail.Unpack(failure)
                violations.extend((v.subject, v.description) for v in failure.violations)
    return reason, violations


async def _on_rpc_error(_: Request, exc: Exception) -> JSONResponse:
    error = cast(grpc.aio.AioRpcError, exc)  # registered for this class only
    http_status, body = rpc_error_body(error)
    log.info("rpc_failed", status=body["status"], http_status=http_status, reason=body["reason"])
    return JSONResponse(body, status_code=http_status)


async def _on_gateway_error(_: Request, exc: Exception) -> JSONResponse:
    error = cast(GatewayError, exc)  # registered for this class only
    body = error_body(error.message, error.status, error.reason, error.violations)
    return JSONResponse(body, status_code=error.http_status)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    error = cast(RequestValidationError, exc)  # registered for this class only
    violations = [(_parameter(err["loc"]), str(err["msg"])) for err in error.errors()]
    names = ", ".join(sorted({path for path, _ in violations}))
    body = error_body(f"invalid request parameter: {names}", "INVALID_ARGUMENT", None, violations)
    return JSONResponse(body, status_code=400)


def _parameter(loc: Sequence[Any]) -> str:
    """Return the parameter named by a location such as ("query", "state", 0)."""
    return next((part for part in loc[1:] if isinstance(part, str)), str(loc[-1]))


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    error = cast(HTTPException, exc)  # registered for this class only
    code = error.status_code
    status = _NAME_OF_HTTP.get(code, "INTERNAL" if code >= 500 else "UNKNOWN")
    body = error_body(str(error.detail), status)
    return JSONResponse(body, status_code=code, headers=error.headers)


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("gateway_error", error=repr(exc), exc_info=exc)
    return JSONResponse(error_body("internal error in the gateway", "INTERNAL"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error the app answers use the one error body."""
    app.add_exception_handler(grpc.aio.AioRpcError, _on_rpc_error)
    app.add_exception_handler(GatewayError, _on_gateway_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 404, 409, 422, 429, 500, 503, 504)
}
