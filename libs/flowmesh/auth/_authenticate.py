"""Who is calling: the `authorization` value of a call (Basic or Bearer) checked against the bucket."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import grpc

from flowmesh.auth._hashing import split_token, verify_password, verify_token_secret
from flowmesh.auth._roles import Principal
from flowmesh.auth._store import Credentials
from flowmesh.rpc import ApiError

# Passwords that verified lately, so that a client calling with basic auth pays scrypt once,
# not on every call: a keyed digest (never the password) by user and the user's revision,
# which changes with the password or the grants.
_MAX_REMEMBERED = 1024


def unauthenticated(reason: str, message: str) -> ApiError:
    """Return the answer to a call without valid credentials."""
    return ApiError(grpc.StatusCode.UNAUTHENTICATED, reason, message)


class Authenticator:
    """Turn a call's `authorization` metadata into the Principal it proves, or refuse it."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials
        self._key = secrets.token_bytes(32)
        self._verified: dict[tuple[str, int], bytes] = {}

    async def principal(self, authorization: str | None) -> Principal:
        """Return who the credentials prove; raise ApiError (UNAUTHENTICATED) otherwise."""
        if not authorization:
            raise unauthenticated(
                "CREDENTIALS_MISSING", "credentials are required: Authorization Basic or Bearer"
            )
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "basic":
            return await self._basic(value.strip())
        if scheme.lower() == "bearer":
            return await self._bearer(value.strip())
        raise unauthenticated("CREDENTIALS_INVALID", "the Authorization scheme must be Basic or Bearer")

    async def _basic(self, value: str) -> Principal:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthenticated(
                "CREDENTIALS_INVALID", "Basic credentials are not base64 user:password"
            ) from None
        user_id, colon, password = decoded.partition(":")
        user = await self._credentials.user(user_id) if colon else None
        if user is None or user.password_hash is None:
            raise _invalid()
        remembered = (user.id, user.revision)
        digest = hmac.new(self._key, password.encode("utf-8"), hashlib.sha256).digest()
        known = self._verified.get(remembered)
        if known is None or not hmac.compare_digest(known, digest):
            if not await asyncio.to_thread(verify_password, password, user.password_hash):
                raise _invalid()
            if len(self._verified) >= _MAX_REMEMBERED:
                self._verified.clear()
            self._verified[remembered] = digest
        return Principal(user.id, user.grants)

    async def _bearer(self, value: str) -> Principal:
        parts = split_token(value)
        token = await self._credentials.token(parts[0]) if parts else None
        if token is None or not verify_token_secret(value, token.salt, token.digest):
            raise _invalid()
        if token.expired(datetime.now(UTC)):
            raise unauthenticated("TOKEN_EXPIRED", f"the token {token.id} has expired")
        user = await self._credentials.user(token.user_id)
        if user is None:
            raise _invalid()
        return Principal(user.id, user.grants)


def _invalid() -> ApiError:
    # One answer for an unknown user, a wrong password and a revoked token: none tells which.
    return unauthenticated("CREDENTIALS_INVALID", "the credentials are not valid")
