from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "flowmesh.io"


class ApiError(Exception):
    """An error to answer with: a gRPC code, a stable reason and, for bad input, what was wrong where."""

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str,
        message: str,
        violations: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.violations = violations or []

    def to_status(self) -> grpc.Status:
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN))
        details = [info]
        if self.violations:
            bad_request = any_pb2.Any()
            bad_request.Pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=field, description=description)
                        for field, description in self.violations
                    ]
                )
            )
            details.append(bad_request)
        status = status_pb2.Status(
            code=getattr(code_pb2, self.code.name), message=self.message, details=details
        )
        return rpc_status.to_status(status)


async def abort_with(context: grpc.aio.ServicerContext, error: ApiError) -> NoReturn:
    """End the call with error as a google.rpc.Status."""
    await context.abort_with_status(error.to_status())
    raise AssertionError("abort_with_status returns only by raising")
