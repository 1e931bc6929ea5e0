"""The api's gate: each call is checked against the action its method declares before it runs.

A method that declares no action is refused (fail closed). Otherwise the caller is
authenticated (unless the action is public or auth is off), and its roles must allow the
action on every namespace the request names, or on all namespaces when it names none;
except for a scoped method (a search), which then answers with what the caller's roles
allow (`caller().scope(action)`): its handler filters.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message

from flowmesh.auth._authenticate import Authenticator
from flowmesh.auth._permissions import PUBLIC_SERVICES, action_of_path, scoped_of_path
from flowmesh.auth._roles import EVERYONE, TENANT, Principal, Scope, least_role
from flowmesh.auth.v1.auth_messages_pb2 import Role
from flowmesh.auth.v1.auth_pb2 import Action
from flowmesh.rpc import ApiError, abort_with, wrap_handler
from flowmesh.telemetry import get_logger

log = get_logger("auth")

# The namespaces a request names (its own, its execution's, those of the items it lists);
# None or empty when it names none, which then means all of them.
NamespaceResolver = Callable[[Message], Awaitable[set[str] | None]]
Admit = Callable[[Message | None, grpc.aio.ServicerContext], Awaitable[None]]

# Who calls a public method with auth on: nobody in particular, with no role.
_NOBODY = Principal("", ())
_CALLER: contextvars.ContextVar[Principal] = contextvars.ContextVar("flowmesh_caller", default=_NOBODY)
# Where the call being served may act: nowhere outside a checked call (fail closed).
_SCOPE: contextvars.ContextVar[Scope] = contextvars.ContextVar(
    "flowmesh_scope",
    default=Scope((), everything=False),  # noqa: B039  (frozen: never changed in place)
)
_VERBS = {
    Action.ACTION_READ: "read",
    Action.ACTION_WRITE: "change",
    Action.ACTION_EXECUTE: "execute in",
    Action.ACTION_ADMIN: "administer",
}


def caller() -> Principal:
    """Return who makes the call being served (nobody, with no role, outside a checked call)."""
    return _CALLER.get()


def scope() -> Scope:
    """Return the namespaces where the caller may do what the method being served does.

    What a scoped method (a search, a bulk action by query) answers within, whatever
    inner calls it makes: a bulk action reads its selection with its own action's scope.
    """
    return _SCOPE.get()


def _forbidden(reason: str, message: str) -> ApiError:
    """Return the answer to a caller whose roles do not allow what it asks."""
    return ApiError(grpc.StatusCode.PERMISSION_DENIED, reason, message)


class AccessInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc ships no types
    """Check every call of a flowmesh service; authenticator None means auth is off."""

    def __init__(self, authenticator: Authenticator | None, namespaces: NamespaceResolver) -> None:
        self._authenticator = authenticator
        self._namespaces = namespaces

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method: str = details.method
        if handler is None or method.split("/")[1] in PUBLIC_SERVICES:
            return handler
        action = action_of_path(method)
        authorization = _authorization(details.invocation_metadata or ())
        return _guarded(handler, functools.partial(self._admit, method, action, authorization))

    async def _admit(
        self,
        method: str,
        action: Action,
        authorization: str | None,
        request: Message | None,
        context: grpc.aio.ServicerContext,
    ) -> None:
        try:
            principal = await self._check(method, action, authorization, request)
        except ApiError as refusal:
            log.info("call_refused", method=method, status=refusal.code.name, reason=refusal.reason)
            await abort_with(context, refusal)
        _CALLER.set(principal)
        if least_role(action) is not None:
            _SCOPE.set(principal.scope(action))

    async def _check(
        self, method: str, action: Action, authorization: str | None, request: Message | None
    ) -> Principal:
        if action == Action.ACTION_UNSPECIFIED:
            raise _forbidden("PERMISSION_UNDECLARED", f"{method} declares no permission, so it is refused")
        if self._authenticator is None:
            return EVERYONE
        if action == Action.ACTION_PUBLIC:
            return _NOBODY
        principal = await self._authenticator.principal(authorization)
        tenant = getattr(request, "tenant", "") or TENANT
        if tenant != TENANT:
            raise _forbidden("TENANT_FORBIDDEN", f"roles apply to the tenant {TENANT} only")
        if action == Action.ACTION_AUTHENTICATED:
            return principal
        needed = action
        if action == Action.ACTION_SELF:
            other = getattr(request, "user_id", "")
            if not other or other == principal.user_id:
                return principal
            # Another user's account: an admin of every namespace's business.
            needed = Action.ACTION_ADMIN
            namespaces: Sequence[str | None] = [None]
        elif scoped_of_path(method) and not getattr(request, "namespace", ""):
            # A search naming no namespace: its handler answers within scope(). Nothing else
            # the request names (an execution) is looked up: a foreign execution's logs are
            # an empty page, as an unknown one's, so the answer tells nothing of either.
            return principal
        else:
            named = await self._namespaces(request) if request is not None else None
            namespaces = sorted(named) if named else [None]
        for namespace in namespaces:
            if not principal.may(needed, namespace):
                where = f"namespace {namespace}" if namespace else "all namespaces"
                raise _forbidden(
                    "PERMISSION_DENIED",
                    f"{principal.user_id} may not {_VERBS[needed]} {where}: "
                    f"it needs the {_role_needed(needed)} role there",
                )
        return principal


def _role_needed(action: Action) -> str:
    role = least_role(action)
    assert role is not None, "only actions on namespaces are checked against roles"
    return Role.Name(role).removeprefix("ROLE_").lower()


def _authorization(metadata: Sequence[tuple[str, Any]]) -> str | None:
    for key, value in metadata:
        if key == "authorization" and isinstance(value, str):
            return value
    return None


def _guarded(handler: grpc.RpcMethodHandler, admit: Admit) -> grpc.RpcMethodHandler:
    """Return handler with admit run before its behaviour (which it then runs as the caller).

    Streamed requests: no request to read namespaces from before the call, so the check
    sees none, which means all namespaces for an action on namespaces.
    """

    @contextlib.asynccontextmanager
    async def admitted(request: Message | None, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        await admit(request, context)
        yield

    return wrap_handler(handler, admitted)
