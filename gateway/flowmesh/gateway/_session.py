"""Sessions of the web UI: Kestra 2.0's `POST /api/v1/login` and `/logout`, over an HttpOnly cookie.

A browser's EventSource cannot send an Authorization header, so the UI signs in once and
the session travels as a cookie that no script can read. The session is an API token of
the user, made by the api (`CreateApiToken` with the basic credentials the login posts) and
valid SESSION_AGE: the api checks it on every call as any token, and logout revokes it, so
a cookie kept after logout is refused; the sessions that expired without one are deleted
at the user's next login. The gateway holds no state of its own and never logs or answers
the token: only the cookie carries it.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import cast

import grpc
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flowmesh.auth import split_token
from flowmesh.auth.v1 import auth_messages_pb2
from flowmesh.gateway._client import ApiClient
from flowmesh.gateway._errors import ERROR_RESPONSES, ErrorBody, GatewayError
from flowmesh.instance.v1 import instance_messages_pb2, instance_pb2

log = structlog.get_logger(component="gateway")

SESSION_COOKIE = "flowmesh_session"
# How long a session lasts: a working day, after which the UI asks to sign in again.
SESSION_AGE = timedelta(hours=12)
# The name of the tokens that sessions are, as the user's token list shows them.
SESSION_TOKEN_NAME = "ui-session"  # noqa: S105  (a name, not a secret)
_CREATE_SESSION_RPC = "/flowmesh.auth.v1.AuthService/CreateApiToken"
_REVOKE_SESSION_RPC = "/flowmesh.auth.v1.AuthService/DeleteApiToken"
_LIST_SESSIONS_RPC = "/flowmesh.auth.v1.AuthService/ListApiTokens"
_LOGIN_CONFIGURATION_RPC = "/flowmesh.instance.v1.InstanceService/GetLoginConfiguration"
# What a gRPC metadata value may hold (a header holding more cannot be passed on).
_METADATA_VALUE = re.compile(r"[\x20-\x7e]*")
_LOGGED_IN = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"username": {"type": "string"}},
            "required": ["username"],
            "additionalProperties": False,
        }
    }
}
_LOGGED_OUT = {"application/json": {"schema": {"type": "object", "additionalProperties": False}}}


class LoginRequest(BaseModel):
    """Kestra's MiscController.LoginRequest."""

    username: str
    password: str


def credentials(request: Request) -> str | None:
    """Return the Authorization to pass on to the api: the header's, else the session cookie's.

    None when the request has neither. An Authorization header wins: the caller chose it.
    """
    if "authorization" in request.headers:
        return _printable(request.headers["authorization"], "Authorization", "header")
    token = request.cookies.get(SESSION_COOKIE)
    return f"Bearer {_printable(token, SESSION_COOKIE, 'cookie')}" if token else None


def _printable(value: str, parameter: str, place: str) -> str:
    """Return value if gRPC metadata can carry it (printable ASCII only), else refuse the request."""
    if not _METADATA_VALUE.fullmatch(value):
        raise GatewayError(
            f"the {parameter} {place} is not printable ASCII",
            parameter=parameter,
            http_status=401,
            status="UNAUTHENTICATED",
            reason="CREDENTIALS_INVALID",
        )
    return value


async def _forget_ended_sessions(client: ApiClient, authorization: str) -> None:
    """Delete the caller's expired session tokens: a browser closed without logging out leaves one.

    A failure is logged, not raised: the login it follows has worked.
    """
    metadata = (("authorization", authorization),)
    try:
        listed = cast(
            auth_messages_pb2.ListApiTokensResponse,
            await client.unary(
                _LIST_SESSIONS_RPC,
                auth_messages_pb2.ListApiTokensRequest(),
                auth_messages_pb2.ListApiTokensResponse,
                seconds=client.call_timeout,
                metadata=metadata,
            ),
        )
        for token in listed.results:
            if token.name == SESSION_TOKEN_NAME and token.expired:
                await client.unary(
                    _REVOKE_SESSION_RPC,
                    auth_messages_pb2.DeleteApiTokenRequest(token_id=token.id),
                    auth_messages_pb2.DeleteApiTokenResponse,
                    seconds=client.call_timeout,
                    metadata=metadata,
                )
                log.info("ended_session_forgotten", token_id=token.id)
    except grpc.aio.AioRpcError as error:
        log.warning("ended_sessions_not_forgotten", status=error.code().name)


def install_session(app: FastAPI, client: ApiClient) -> None:
    """Add Kestra's login and logout routes, which make and revoke the session cookie."""

    async def login(http_request: Request, body: LoginRequest) -> JSONResponse:
        """Check the credentials and answer with a session cookie (HttpOnly: no script reads it)."""
        for field in ("username", "password"):
            if not getattr(body, field):
                raise GatewayError(f"{field} is required to sign in", parameter=field)
        configuration = cast(
            instance_pb2.LoginConfiguration,
            await client.unary(
                _LOGIN_CONFIGURATION_RPC,
                instance_messages_pb2.GetLoginConfigurationRequest(),
                instance_pb2.LoginConfiguration,
                seconds=client.call_timeout,
            ),
        )
        if not configuration.is_basic_auth_initialized:
            raise GatewayError(
                "authentication is off: there is nothing to sign in to", reason="AUTH_DISABLED"
            )
        basic = base64.b64encode(f"{body.username}:{body.password}".encode()).decode("ascii")
        request = auth_messages_pb2.CreateApiTokenRequest(
            name=SESSION_TOKEN_NAME,
            description="A session of the web UI, made by signing in",
            max_age=f"PT{int(SESSION_AGE.total_seconds())}S",
        )
        try:
            created = cast(
                auth_messages_pb2.CreateApiTokenResponse,
                await client.unary(
                    _CREATE_SESSION_RPC,
                    request,
                    auth_messages_pb2.CreateApiTokenResponse,
                    seconds=client.call_timeout,
                    metadata=(("authorization", f"Basic {basic}"),),
                ),
            )
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAUTHENTICATED:
                raise
            # Not the username: a password typed in its field would reach the logs.
            log.info("login_refused")
            raise GatewayError(
                "wrong username or password",
                http_status=401,
                status="UNAUTHENTICATED",
                reason="CREDENTIALS_INVALID",
            ) from None
        log.info("login", user=body.username, token_id=created.id)
        await _forget_ended_sessions(client, f"Bearer {created.full_token}")
        answer = JSONResponse({"username": body.username})
        answer.set_cookie(
            SESSION_COOKIE,
            created.full_token,
            max_age=int(SESSION_AGE.total_seconds()),
            path="/",
            secure=http_request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return answer

    async def logout(http_request: Request) -> JSONResponse:
        """Revoke the session's token and clear its cookie."""
        token = http_request.cookies.get(SESSION_COOKIE, "")
        parts = split_token(token) if _METADATA_VALUE.fullmatch(token) else None
        if parts is not None:
            try:
                await client.unary(
                    _REVOKE_SESSION_RPC,
                    auth_messages_pb2.DeleteApiTokenRequest(token_id=parts[0]),
                    auth_messages_pb2.DeleteApiTokenResponse,
                    seconds=client.call_timeout,
                    metadata=(("authorization", f"Bearer {token}"),),
                )
            except grpc.aio.AioRpcError as error:
                # Expired or revoked already: the session is over either way.
                if error.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.NOT_FOUND):
                    raise
            log.info("logout", token_id=parts[0])
        answer = JSONResponse({})
        answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return answer

    app.add_api_route(
        "/api/v1/login",
        login,
        methods=["POST"],
        tags=["Misc"],
        name="login",
        operation_id="login",
        summary="Authenticate with basic auth credentials",
        description="On success, sets the HttpOnly session cookie `flowmesh_session` that the "
        "other calls (SSE streams included) then authenticate with.",
        responses=ERROR_RESPONSES
        | {
            200: {"description": "Signed in: the cookie is set", "content": _LOGGED_IN},
            401: {"model": ErrorBody, "description": "Wrong username or password"},
        },
        openapi_extra={"security": []},
    )
    app.add_api_route(
        "/api/v1/logout",
        logout,
        methods=["POST"],
        tags=["Misc"],
        name="logout",
        operation_id="logout",
        summary="Revoke the session and clear its cookie",
        responses=ERROR_RESPONSES | {200: {"description": "Signed out", "content": _LOGGED_OUT}},
        openapi_extra={"security": []},
    )
