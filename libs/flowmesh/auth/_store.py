"""Users and API tokens in one NATS KV bucket that every api shares, secrets hashed.

Keys: `users.<id>` (password hash and grants) and `tokens.<id>` (its user, name and the
digest of its secret), each a JSON object.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from flowmesh.auth._hashing import (
    SHOWN_PREFIX_LENGTH,
    TOKEN_ID_PATTERN,
    hash_password,
    hash_token_secret,
    new_token,
    verify_password,
)
from flowmesh.auth._roles import Grant
from flowmesh.auth.v1.auth_messages_pb2 import Role
from flowmesh.messaging import AUTH_BUCKET, Broker
from flowmesh.state._watch import bucket_snapshot

USER_ID_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}")
# Kestra's CreateApiTokenRequest.name.
TOKEN_NAME_PATTERN = re.compile(r"(?=.{1,63}$)[a-z0-9]+(?:-[a-z0-9]+)*")
NAMESPACE_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")


class UserExists(Exception):
    """A user with that id exists already."""


class UnknownUser(Exception):
    """No user has that id."""


@dataclass(frozen=True)
class StoredUser:
    """A user as stored: the password's hash (None: tokens only), grants, and the bucket revision."""

    id: str
    password_hash: str | None
    grants: tuple[Grant, ...]
    created: datetime
    revision: int = 0


@dataclass(frozen=True)
class StoredToken:
    """An API token as stored: never the token, only its salt and digest."""

    id: str
    user_id: str
    name: str
    description: str
    prefix: str
    salt: str
    digest: str
    created: datetime
    expires: datetime | None = None  # None: never

    def expired(self, at: datetime) -> bool:
        """Return whether the token is no longer valid at that moment."""
        return self.expires is not None and at >= self.expires


class Credentials:
    """The users and tokens of the auth bucket."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def user(self, user_id: str) -> StoredUser | None:
        """Return the user with that id, or None."""
        if not USER_ID_PATTERN.fullmatch(user_id):
            return None
        kv = await self._broker.kv(AUTH_BUCKET)
        try:
            entry = await kv.get(f"users.{user_id}")
        except KeyNotFoundError:
            return None
        if not entry.value:
            return None
        return _user(json.loads(entry.value), entry.revision or 0)

    async def create_user(self, user_id: str, password: str | None, grants: tuple[Grant, ...]) -> StoredUser:
        """Store a new user; raise UserExists when the id is taken."""
        hashed = await asyncio.to_thread(hash_password, password) if password else None
        user = StoredUser(user_id, hashed, grants, datetime.now(UTC))
        kv = await self._broker.kv(AUTH_BUCKET)
        try:
            revision = await kv.create(f"users.{user_id}", _user_json(user))
        except KeyWrongLastSequenceError:
            raise UserExists(user_id) from None
        return StoredUser(user.id, user.password_hash, user.grants, user.created, revision)

    async def ensure_admin(self, user_id: str, password: str) -> None:
        """Make user_id an admin of every namespace signing in with password, unless it is one already."""
        user = await self.user(user_id)
        admin = Grant(Role.ROLE_ADMIN)
        if user is None:
            try:
                await self.create_user(user_id, password, (admin,))
            except UserExists:
                await self.ensure_admin(user_id, password)
            return
        if (
            admin in user.grants
            and user.password_hash is not None
            and verify_password(password, user.password_hash)
        ):
            return
        grants = user.grants if admin in user.grants else (*user.grants, admin)
        changed = StoredUser(user.id, hash_password(password), grants, user.created)
        kv = await self._broker.kv(AUTH_BUCKET)
        await kv.put(f"users.{user_id}", _user_json(changed))

    async def change_password(self, user_id: str, old: str, new: str) -> bool:
        """Set user_id's password to new if old is its password now; return whether it was.

        Compare-and-set on the user's revision: a change of grants meanwhile is kept, and
        of two changes at once with the same old password only one wins.
        """
        user = await self.user(user_id)
        if user is None or user.password_hash is None:
            return False
        if not await asyncio.to_thread(verify_password, old, user.password_hash):
            return False
        hashed = await asyncio.to_thread(hash_password, new)
        changed = StoredUser(user.id, hashed, user.grants, user.created)
        kv = await self._broker.kv(AUTH_BUCKET)
        try:
            await kv.update(f"users.{user_id}", _user_json(changed), last=user.revision)
        except KeyWrongLastSequenceError:
            return False
        return True

    async def users(self) -> list[StoredUser]:
        """Return every user, by id."""
        entries = await bucket_snapshot(self._broker, AUTH_BUCKET, "users.*")
        users = [_user(json.loads(entry.value), entry.revision or 0) for entry in entries if entry.value]
        return sorted(users, key=lambda user: user.id)

    async def delete_user(self, user_id: str) -> None:
        """Delete a user and every token of theirs; raise UnknownUser when there is none."""
        if await self.user(user_id) is None:
            raise UnknownUser(user_id)
        kv = await self._broker.kv(AUTH_BUCKET)
        # The tokens first: a token must never outlive its user, even if this stops halfway.
        for token in await self.tokens(user_id):
            await kv.delete(f"tokens.{token.id}")
        await kv.delete(f"users.{user_id}")

    async def create_token(
        self, user_id: str, name: str, description: str, max_age: timedelta | None = None
    ) -> tuple[StoredToken, str]:
        """Store a new token of user_id, valid for max_age (None: for ever); return it and the
        token itself, which is not kept."""
        if await self.user(user_id) is None:
            raise UnknownUser(user_id)
        token_id, full = new_token()
        salt, digest = hash_token_secret(full)
        created = datetime.now(UTC)
        expires = created + max_age if max_age is not None else None
        token = StoredToken(
            token_id, user_id, name, description, full[:SHOWN_PREFIX_LENGTH], salt, digest, created, expires
        )
        kv = await self._broker.kv(AUTH_BUCKET)
        await kv.create(f"tokens.{token_id}", _token_json(token))
        return token, full

    async def token(self, token_id: str) -> StoredToken | None:
        """Return the token with that id, or None."""
        if not TOKEN_ID_PATTERN.fullmatch(token_id):
            return None
        kv = await self._broker.kv(AUTH_BUCKET)
        try:
            entry = await kv.get(f"tokens.{token_id}")
        except KeyNotFoundError:
            return None
        return _token(json.loads(entry.value)) if entry.value else None

    async def tokens(self, user_id: str) -> list[StoredToken]:
        """Return the tokens of user_id, oldest first."""
        entries = await bucket_snapshot(self._broker, AUTH_BUCKET, "tokens.*")
        tokens = [_token(json.loads(entry.value)) for entry in entries if entry.value]
        return sorted((t for t in tokens if t.user_id == user_id), key=lambda token: token.created)

    async def delete_token(self, user_id: str, token_id: str) -> bool:
        """Revoke a token of user_id; return whether it had one with that id."""
        token = await self.token(token_id)
        if token is None or token.user_id != user_id:
            return False
        kv = await self._broker.kv(AUTH_BUCKET)
        await kv.delete(f"tokens.{token_id}")
        return True


def _user_json(user: StoredUser) -> bytes:
    return json.dumps(
        {
            "id": user.id,
            "password": user.password_hash,
            "grants": [{"role": Role.Name(g.role), "namespace": g.namespace} for g in user.grants],
            "created": user.created.isoformat(),
        }
    ).encode()


def _user(data: dict[str, Any], revision: int) -> StoredUser:
    grants = tuple(Grant(Role.Value(g["role"]), g["namespace"]) for g in data["grants"])
    return StoredUser(data["id"], data["password"], grants, datetime.fromisoformat(data["created"]), revision)


def _token_json(token: StoredToken) -> bytes:
    return json.dumps(
        {
            "id": token.id,
            "user": token.user_id,
            "name": token.name,
            "description": token.description,
            "prefix": token.prefix,
            "salt": token.salt,
            "digest": token.digest,
            "created": token.created.isoformat(),
            "expires": token.expires.isoformat() if token.expires is not None else None,
        }
    ).encode()


def _token(data: dict[str, Any]) -> StoredToken:
    return StoredToken(
        data["id"],
        data["user"],
        data["name"],
        data["description"],
        data["prefix"],
        data["salt"],
        data["digest"],
        datetime.fromisoformat(data["created"]),
        datetime.fromisoformat(data["expires"]) if data.get("expires") else None,
    )
