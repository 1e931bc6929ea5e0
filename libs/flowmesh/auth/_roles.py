"""Who may do what where: roles granted on a namespace cover it and its children."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flowmesh.auth.v1.auth_messages_pb2 import Role
from flowmesh.auth.v1.auth_pb2 import Action

# The least role each action needs; the others need no role (public, signed in, own account).
_NEEDS: dict[Action, int] = {
    Action.ACTION_READ: Role.ROLE_VIEWER,
    Action.ACTION_WRITE: Role.ROLE_EDITOR,
    Action.ACTION_EXECUTE: Role.ROLE_EDITOR,
    Action.ACTION_ADMIN: Role.ROLE_ADMIN,
}
# The one tenant roles apply to.
TENANT = "main"


@dataclass(frozen=True)
class Grant:
    """A role on a namespace and its children; namespace "" is all namespaces."""

    role: int  # a Role
    namespace: str = ""

    def covers(self, namespace: str | None) -> bool:
        """Return whether the grant applies to namespace (None: every namespace at once)."""
        if not self.namespace:
            return True
        if namespace is None:
            return False
        return namespace == self.namespace or namespace.startswith(f"{self.namespace}.")


@dataclass(frozen=True)
class Principal:
    """The caller of an RPC: its user id ("" when auth is off) and what it was granted."""

    user_id: str
    grants: tuple[Grant, ...]

    def may(self, action: Action, namespace: str | None) -> bool:
        """Return whether the caller may do action on namespace (None: on every namespace)."""
        return allowed(self.grants, action, namespace)


# Who calls when auth is off: anyone may do anything.
EVERYONE = Principal("", (Grant(Role.ROLE_ADMIN),))


def least_role(action: Action) -> int | None:
    """Return the least Role that allows action; None for actions that need no role."""
    return _NEEDS.get(action)


def allowed(grants: Iterable[Grant], action: Action, namespace: str | None) -> bool:
    """Return whether grants allow action on namespace; an action needing no role is always allowed."""
    needed = least_role(action)
    if needed is None:
        return action in (Action.ACTION_PUBLIC, Action.ACTION_AUTHENTICATED, Action.ACTION_SELF)
    return any(grant.role >= needed and grant.covers(namespace) for grant in grants)
