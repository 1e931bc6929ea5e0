"""Roles granted on a namespace cover it and its children; each action needs its least role."""

from __future__ import annotations

import pytest

from flowmesh.auth import Grant, Principal, allowed
from flowmesh.auth.v1.auth_messages_pb2 import Role
from flowmesh.auth.v1.auth_pb2 import Action

VIEWER_OF_COMPANY = (Grant(Role.ROLE_VIEWER, "company"),)


@pytest.mark.parametrize(
    ("namespace", "covered"),
    [
        ("company", True),
        ("company.team", True),
        ("company.team.sub", True),
        ("companyx", False),
        ("other.company", False),
        ("comp", False),
        (None, False),  # every namespace at once
    ],
)
def test_a_grant_covers_its_namespace_and_its_children_only(namespace: str | None, covered: bool) -> None:
    assert Grant(Role.ROLE_VIEWER, "company").covers(namespace) is covered


def test_a_grant_on_all_namespaces_covers_every_one_and_all_at_once() -> None:
    everywhere = Grant(Role.ROLE_VIEWER)
    assert everywhere.covers("company.team")
    assert everywhere.covers(None)


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.ROLE_VIEWER, Action.ACTION_READ, True),
        (Role.ROLE_VIEWER, Action.ACTION_WRITE, False),
        (Role.ROLE_VIEWER, Action.ACTION_EXECUTE, False),
        (Role.ROLE_VIEWER, Action.ACTION_ADMIN, False),
        (Role.ROLE_EDITOR, Action.ACTION_READ, True),
        (Role.ROLE_EDITOR, Action.ACTION_WRITE, True),
        (Role.ROLE_EDITOR, Action.ACTION_EXECUTE, True),
        (Role.ROLE_EDITOR, Action.ACTION_ADMIN, False),
        (Role.ROLE_ADMIN, Action.ACTION_READ, True),
        (Role.ROLE_ADMIN, Action.ACTION_WRITE, True),
        (Role.ROLE_ADMIN, Action.ACTION_EXECUTE, True),
        (Role.ROLE_ADMIN, Action.ACTION_ADMIN, True),
    ],
)
def test_each_action_needs_its_least_role(role: int, action: Action, expected: bool) -> None:
    assert allowed((Grant(role, "company"),), action, "company.team") is expected


def test_roles_on_one_namespace_allow_nothing_on_another_nor_on_all() -> None:
    grants = (Grant(Role.ROLE_ADMIN, "company"), Grant(Role.ROLE_EDITOR, "other"))
    assert not allowed(grants, Action.ACTION_READ, "third")
    assert not allowed(grants, Action.ACTION_READ, None)
    assert allowed(grants, Action.ACTION_WRITE, "other.team")
    assert not allowed(grants, Action.ACTION_ADMIN, "other")


def test_the_strongest_grant_that_covers_a_namespace_decides() -> None:
    grants = (Grant(Role.ROLE_VIEWER), Grant(Role.ROLE_EDITOR, "company.team"))
    principal = Principal("someone", grants)
    assert principal.may(Action.ACTION_READ, "anything")
    assert principal.may(Action.ACTION_WRITE, "company.team.sub")
    assert not principal.may(Action.ACTION_WRITE, "company")


def test_an_undeclared_action_is_never_allowed_and_the_roleless_ones_always() -> None:
    everything = (Grant(Role.ROLE_ADMIN),)
    assert not allowed(everything, Action.ACTION_UNSPECIFIED, "company")
    for action in (Action.ACTION_PUBLIC, Action.ACTION_AUTHENTICATED, Action.ACTION_SELF):
        assert allowed((), action, None)


def test_grants_of_no_role_allow_nothing() -> None:
    assert not allowed((), Action.ACTION_READ, "company")
    assert not allowed(VIEWER_OF_COMPANY, Action.ACTION_READ, "other")


def test_a_scope_holds_the_topmost_namespaces_where_the_role_allows_the_action() -> None:
    grants = (
        Grant(Role.ROLE_VIEWER, "company.team"),
        Grant(Role.ROLE_VIEWER, "company"),
        Grant(Role.ROLE_EDITOR, "other.sub"),
    )
    principal = Principal("ana", grants)
    read = principal.scope(Action.ACTION_READ)
    assert (read.namespaces, read.everything, read.nothing) == (("company", "other.sub"), False, False)
    covered = ["company.team.x", "other.sub", "companyx", "other"]
    assert [read.covers(namespace) for namespace in covered] == [True, True, False, False]
    write = principal.scope(Action.ACTION_WRITE)
    assert write.namespaces == ("other.sub",)
    assert principal.scope(Action.ACTION_ADMIN).nothing
    assert not principal.scope(Action.ACTION_ADMIN).covers("company")


def test_a_grant_on_all_namespaces_scopes_nothing_out() -> None:
    scope = Principal("admin", (Grant(Role.ROLE_VIEWER, "company"), Grant(Role.ROLE_VIEWER))).scope(
        Action.ACTION_READ
    )
    assert (scope.namespaces, scope.everything, scope.nothing) == ((), True, False)
    assert scope.covers("anything.at.all")
