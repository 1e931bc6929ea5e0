"""Users and API tokens through the api, on Kestra EE's paths (`/api/v1/users`, `/api/v1/me/api-tokens`).

A token's secret is in the answer that creates it and nowhere else: the bucket keeps its
digest, listings show its first characters, logs its id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from flowmesh.api._support import not_found, now, unary
from flowmesh.auth import (
    NAMESPACE_PATTERN,
    TOKEN_NAME_PATTERN,
    USER_ID_PATTERN,
    Credentials,
    Grant,
    StoredUser,
    UnknownUser,
    UserExists,
    caller,
)
from flowmesh.auth.v1 import auth_messages_pb2 as messages
from flowmesh.auth.v1.auth_service_pb2_grpc import AuthServiceServicer
from flowmesh.language import parse_duration
from flowmesh.rpc import ApiError
from flowmesh.telemetry import get_logger

log = get_logger("api")

MIN_PASSWORD_LENGTH = 8
# The longest a token may be made to last (a longer one might as well never expire).
_MAX_TOKEN_AGE = timedelta(days=36_500)


class AuthServicer(AuthServiceServicer):
    """Users (admins of all namespaces only) and tokens (a caller's own, or any user's for such an admin)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    @unary
    async def CreateUser(
        self, request: messages.CreateUserRequest, context: grpc.aio.ServicerContext
    ) -> messages.User:
        grants = _grants(request)
        try:
            user = await self._credentials.create_user(request.id, request.password or None, grants)
        except UserExists:
            raise ApiError(
                grpc.StatusCode.ALREADY_EXISTS, "USER_EXISTS", f"User {request.id} already exists"
            ) from None
        log.info("user_created", user=user.id, by=caller().user_id)
        return _user(user)

    @unary
    async def ListUsers(
        self, request: messages.ListUsersRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListUsersResponse:
        users = await self._credentials.users()
        return messages.ListUsersResponse(results=[_user(user) for user in users], total_size=len(users))

    @unary
    async def DeleteUser(
        self, request: messages.DeleteUserRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteUserResponse:
        try:
            await self._credentials.delete_user(request.user_id)
        except UnknownUser:
            raise _no_user(request.user_id) from None
        log.info("user_deleted", user=request.user_id, by=caller().user_id)
        return messages.DeleteUserResponse()

    @unary
    async def CreateApiToken(
        self, request: messages.CreateApiTokenRequest, context: grpc.aio.ServicerContext
    ) -> messages.CreateApiTokenResponse:
        user_id = _user_id(request.user_id)
        if not TOKEN_NAME_PATTERN.fullmatch(request.name):
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "TOKEN_NAME_INVALID",
                "Invalid token name",
                [("name", "lower-case letters, digits and single dashes, 1 to 63 characters")],
            )
        max_age = _max_age(request.max_age)
        try:
            token, full = await self._credentials.create_token(
                user_id, request.name, request.description, max_age
            )
        except UnknownUser:
            raise _no_user(user_id) from None
        log.info("api_token_created", token_id=token.id, user=user_id, by=caller().user_id)
        return messages.CreateApiTokenResponse(id=token.id, name=token.name, full_token=full)

    @unary
    async def ListApiTokens(
        self, request: messages.ListApiTokensRequest, context: grpc.aio.ServicerContext
    ) -> messages.ListApiTokensResponse:
        tokens = await self._credentials.tokens(_user_id(request.user_id))
        at = now()
        results = [
            messages.ApiToken(
                id=token.id,
                name=token.name,
                description=token.description,
                prefix=token.prefix,
                iat=_timestamp(token.created),
                user_id=token.user_id,
                exp=_timestamp(token.expires) if token.expires is not None else None,
                expired=token.expired(at),
            )
            for token in tokens
        ]
        return messages.ListApiTokensResponse(results=results, total_size=len(results))

    @unary
    async def DeleteApiToken(
        self, request: messages.DeleteApiTokenRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteApiTokenResponse:
        user_id = _user_id(request.user_id)
        if not await self._credentials.delete_token(user_id, request.token_id):
            raise not_found("TOKEN_NOT_FOUND", f"{user_id} has no token {request.token_id}")
        log.info("api_token_revoked", token_id=request.token_id, user=user_id, by=caller().user_id)
        return messages.DeleteApiTokenResponse()

    @unary
    async def UpdateCurrentUserPassword(
        self, request: messages.UpdateCurrentUserPasswordRequest, context: grpc.aio.ServicerContext
    ) -> messages.UpdateCurrentUserPasswordResponse:
        user_id = _user_id("")
        user = await self._credentials.user(user_id)
        if user is None or user.password_hash is None:
            raise ApiError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "PASSWORD_NOT_SET",
                f"{user_id} signs in with tokens only: an admin sets a password by making the user again",
            )
        if len(request.new_password) < MIN_PASSWORD_LENGTH:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "PASSWORD_INVALID",
                "Invalid new password",
                [("new_password", f"must have {MIN_PASSWORD_LENGTH} characters or more")],
            )
        if not await self._credentials.change_password(user_id, request.old_password, request.new_password):
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT,
                "PASSWORD_WRONG",
                "The old password is not the current one",
                [("old_password", "is not the current password")],
            )
        log.info("password_changed", user=user_id)
        return messages.UpdateCurrentUserPasswordResponse()


def _max_age(text: str) -> timedelta | None:
    """Return a token's validity from Kestra's maxAge (an ISO-8601 duration); None when not given."""
    if not text:
        return None
    try:
        nanos = parse_duration(text)
    except ValueError as error:
        nanos, problem = 0, str(error)
    else:
        problem = f"must be a positive duration of {_MAX_TOKEN_AGE.days} days at most"
    if nanos <= 0 or nanos // 1000 > _MAX_TOKEN_AGE // timedelta(microseconds=1):
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT, "MAX_AGE_INVALID", f"max_age: {problem}", [("max_age", problem)]
        )
    return timedelta(microseconds=nanos // 1000)


def _user_id(named: str) -> str:
    """Return the user a token request is about: the one named, else the caller."""
    user_id = named or caller().user_id
    if not user_id:
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "USER_REQUIRED",
            "Auth is off, so there is no caller: name the user",
            [("user_id", "required when auth is off")],
        )
    return user_id


def _grants(request: messages.CreateUserRequest) -> tuple[Grant, ...]:
    violations = []
    if not USER_ID_PATTERN.fullmatch(request.id):
        violations.append(("id", "letters, digits, _ and -, starting with a letter or digit, 64 at most"))
    if request.password and len(request.password) < MIN_PASSWORD_LENGTH:
        violations.append(("password", f"must have {MIN_PASSWORD_LENGTH} characters or more"))
    for index, grant in enumerate(request.grants):
        if grant.role == messages.ROLE_UNSPECIFIED:
            violations.append((f"grants[{index}].role", "must be ROLE_VIEWER, ROLE_EDITOR or ROLE_ADMIN"))
        if grant.namespace and not NAMESPACE_PATTERN.fullmatch(grant.namespace):
            violations.append((f"grants[{index}].namespace", "must be a namespace, or empty for all"))
    if violations:
        raise ApiError(grpc.StatusCode.INVALID_ARGUMENT, "USER_INVALID", "Invalid user", violations)
    return tuple(Grant(grant.role, grant.namespace) for grant in request.grants)


def _user(user: StoredUser) -> messages.User:
    return messages.User(
        id=user.id,
        grants=[messages.Grant(role=messages.Role.Name(g.role), namespace=g.namespace) for g in user.grants],
        has_password=user.password_hash is not None,
        created=_timestamp(user.created),
    )


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _no_user(user_id: str) -> ApiError:
    return not_found("USER_NOT_FOUND", f"User {user_id} not found")
