"""Authentication (basic auth, API tokens) and per-namespace roles, checked on every api call."""

from __future__ import annotations

from flowmesh.auth._authenticate import Authenticator
from flowmesh.auth._hashing import hash_password, verify_password
from flowmesh.auth._interceptor import AccessInterceptor, NamespaceResolver, caller, forbidden
from flowmesh.auth._permissions import PUBLIC_SERVICES, action_of, action_of_path
from flowmesh.auth._roles import EVERYONE, TENANT, Grant, Principal, allowed
from flowmesh.auth._store import (
    NAMESPACE_PATTERN,
    TOKEN_NAME_PATTERN,
    USER_ID_PATTERN,
    Credentials,
    StoredToken,
    StoredUser,
    UnknownUser,
    UserExists,
)

__all__ = [
    "AccessInterceptor",
    "Authenticator",
    "NamespaceResolver",
    "caller",
    "forbidden",
    "hash_password",
    "verify_password",
    "PUBLIC_SERVICES",
    "action_of",
    "action_of_path",
    "EVERYONE",
    "TENANT",
    "Grant",
    "Principal",
    "allowed",
    "NAMESPACE_PATTERN",
    "TOKEN_NAME_PATTERN",
    "USER_ID_PATTERN",
    "Credentials",
    "StoredToken",
    "StoredUser",
    "UnknownUser",
    "UserExists",
]
