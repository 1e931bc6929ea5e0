from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc

# The metadata key the api's authentication reads: `authorization: Bearer <token>`.
AUTHORIZATION = "authorization"


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]  # grpc ships no type information
    """The details of a call as the interceptor passes them on."""

    method: str
    timeout: float | None
    metadata: tuple[tuple[str, str | bytes], ...] | None
    credentials: grpc.CallCredentials | None
    wait_for_ready: bool | None
    compression: grpc.Compression | None


class _CallDefaults(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Add the token's metadata to every call, and a deadline to calls that answer once.

    A call that streams its answer (following an execution, downloading a file) lasts as
    long as the caller reads it, so it gets a deadline only when the caller gives one.
    """

    def __init__(self, token: str | None, deadline: float | None) -> None:
        self._metadata = ((AUTHORIZATION, f"Bearer {token}"),) if token else ()
        self._deadline = deadline

    def _details(self, details: grpc.ClientCallDetails, *, single_answer: bool) -> _CallDetails:
        timeout = details.timeout
        if timeout is None and single_answer:
            timeout = self._deadline
        return _CallDetails(
            method=details.method,
            timeout=timeout,
            metadata=(*(details.metadata or ()), *self._metadata),
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
            compression=details.compression,
        )

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return continuation(self._details(details, single_answer=True), request)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return continuation(self._details(details, single_answer=False), request)

    def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, requests: Iterator[Any]
    ) -> Any:
        return continuation(self._details(details, single_answer=True), requests)

    def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, requests: Iterator[Any]
    ) -> Any:
        return continuation(self._details(details, single_answer=False), requests)


def open_channel(
    address: str,
    *,
    token: str | None,
    deadline: float | None,
    tls: bool,
    root_certificates: bytes | None,
) -> grpc.Channel:
    """Return a channel to address whose calls carry the token and the default deadline."""
    # Files and executions can be large: take what the api sends (it bounds its own).
    options = [("grpc.max_receive_message_length", -1)]
    if tls or root_certificates:
        credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        channel = grpc.secure_channel(address, credentials, options=options)
    else:
        channel = grpc.insecure_channel(address, options=options)
    return grpc.intercept_channel(channel, _CallDefaults(token, deadline))
