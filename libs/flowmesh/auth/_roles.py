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


def within(namespace: str, parent: str) -> bool:
    """Return whether namespace is parent or below it (`company.team` is within `company`)."""
    return namespace == parent or namespace.startswith(f"{parent}.")


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
        return within(namespace, self.namespace)


@dataclass(frozen=True)
class Principal:
    """The caller of an RPC: its user id ("" when auth is off) and what it was granted."""

    user_id: str
    grants: tuple[Grant, ...]

    def may(self, action: Action, namespace: str | None) -> bool:
        """Return whether the caller may do action on namespace (None: on every namespace)."""
        return allowed(self.grants, action, namespace)

    def scope(self, action: Action) -> Scope:
        """Return the namespaces where the caller may do action (an action on namespaces)."""
        needed = least_role(action)
        assert needed is not None, "a scope is of an action on namespaces"
        granted = {grant.namespace for grant in self.grants if grant.role >= needed}
        if "" in granted:
            return Scope((), everything=True)
        # Only the topmost: `company` already covers `company.team`.
        top = sorted(n for n in granted if not any(n != other and within(n, other) for other in granted))
        return Scope(tuple(top), everything=False)


@dataclass(frozen=True)
class Scope:
    """The namespaces a caller may do an action on: all of them, or those listed and their children.

    `namespaces` is what a repository query's `readable_namespaces` takes: empty for all
    (with `everything`), else the listed ones; `nothing` when the caller may do it nowhere.
    """

    namespaces: tuple[str, ...]
    everything: bool

    @property
    def nothing(self) -> bool:
        """Return whether the scope holds no namespace at all."""
        return not self.everything and not self.namespaces

    def covers(self, namespace: str) -> bool:
        """Return whether namespace is in the scope."""
        return self.everything or any(within(namespace, mine) for mine in self.namespaces)


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
