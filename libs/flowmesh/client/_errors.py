from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2, status_pb2

# The trailing metadata key under which gRPC carries a google.rpc.Status.
_STATUS_DETAILS = "grpc-status-details-bin"


@dataclass(frozen=True)
class ApiProblem:
    """What a failed call said: its gRPC code, message, ErrorInfo reason and field violations."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    violations: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        lines = [f"{self.code.name}{reason}: {self.message}"]
        lines += [f"  {name}: {description}" for name, description in self.violations]
        return "\n".join(lines)


def problem_of(error: grpc.RpcError) -> ApiProblem:
    """Read the google.rpc.Status details of a failed call (a grpc.Call that raised)."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    message = error.details() if isinstance(error, grpc.Call) else str(error)
    reason = ""
    violations: list[tuple[str, str]] = []
    trailing = error.trailing_metadata() if isinstance(error, grpc.Call) else None
    for key, value in trailing or ():
        if key != _STATUS_DETAILS or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(bad_request):
                violations += [(v.field, v.description) for v in bad_request.field_violations]
    return ApiProblem(code=code, message=message or "", reason=reason, violations=violations)
