"""Authentication (basic auth, API tokens) and per-namespace roles, checked on every api call."""

from __future__ import annotations

from flowmesh.auth._authenticate import Authenticator
from flowmesh.auth._hashing import split_token
from flowmesh.auth._interceptor import AccessInterceptor, NamespaceResolver, caller, scope
from flowmesh.auth._permissions import action_of, action_of_path
from flowmesh.auth._roles import TENANT, Grant, Principal, Scope, allowed
from flowmesh.auth._store import (
    NAMESPACE_PATTERN,
    TOKEN_NAME_PATTERN,
    USER_ID_PATTERN,
    Credentials,
    StoredUser,
    UnknownUser,
    UserExists,
)

__all__ = [
    "AccessInterceptor",
    "Authenticator",
    "NamespaceResolver",
    "caller",
    "scope",
    "split_token",
    "action_of",
    "action_of_path",
    "TENANT",
    "Grant",
    "Principal",
    "Scope",
    "allowed",
    "NAMESPACE_PATTERN",
    "TOKEN_NAME_PATTERN",
    "USER_ID_PATTERN",
    "Credentials",
    "StoredUser",
    "UnknownUser",
    "UserExists",
]
