"""Namespaces, implicit as in Kestra's open-source edition: the namespaces of a tenant's deployed
flows and KV entries, the namespaces above them, and any namespace holding namespace files.

Their secrets are those of the api's environment, the same for every namespace: their names
are listed, never their values, and nothing writes them.
"""

from __future__ import annotations

import os
import re

import grpc

from flowmesh.api._support import not_found, page_of, unary
from flowmesh.auth import scope
from flowmesh.namespace.v1 import namespace_messages_pb2 as messages
from flowmesh.namespace.v1.namespace_pb2 import Namespace
from flowmesh.namespace.v1.namespace_service_pb2_grpc import NamespaceServiceServicer
from flowmesh.rpc import ApiError
from flowmesh.secrets import KESTRA_PREFIX, RAW_PREFIX, EnvironmentSecrets
from flowmesh.state import FlowStore, InvalidKey, KeyValueStore
from flowmesh.storage import Storage, namespace_files, uri_of

# Kestra's namespace pattern.
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9._-]*", re.IGNORECASE)
AUTOCOMPLETE_LIMIT = 50


class NamespaceServicer(NamespaceServiceServicer):
    """Namespaces read from the flows bucket, the KV store and internal storage."""

    def __init__(self, flows: FlowStore, kv: KeyValueStore, storage: Storage) -> None:
        self._flows = flows
        self._kv = kv
        self._storage = storage

    @unary
    async def SearchNamespaces(
        self, request: messages.SearchNamespacesRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchNamespacesResponse:
        text = request.query.lower()
        found = [
            n for n in await self._namespaces(request.tenant, existing=request.existing) if text in n.lower()
        ]
        chosen = page_of(found, request.page_size, request.page_token)
        return messages.SearchNamespacesResponse(
            namespaces=[Namespace(id=namespace) for namespace in chosen.items],
            total_size=chosen.total,
            next_page_token=chosen.next_token,
        )

    @unary
    async def GetNamespace(
        self, request: messages.GetNamespaceRequest, context: grpc.aio.ServicerContext
    ) -> Namespace:
        _check_namespace(request.id, "id")
        if request.id not in await self._namespaces(request.tenant, existing=False):
            folder = await self._storage.list_folder(request.tenant, uri_of(namespace_files(request.id)))
            if not folder:
                raise not_found("NAMESPACE_NOT_FOUND", f"Namespace {request.id} not found")
        return Namespace(id=request.id)

    @unary
    async def AutocompleteNamespaces(
        self, request: messages.AutocompleteNamespacesRequest, context: grpc.aio.ServicerContext
    ) -> messages.AutocompleteNamespacesResponse:
        text = request.q.lower()
        chosen = list(dict.fromkeys(request.ids))
        for namespace in await self._namespaces(request.tenant, existing=request.existing_only):
            if text in namespace.lower() and namespace not in chosen:
                chosen.append(namespace)
        return messages.AutocompleteNamespacesResponse(namespaces=chosen[:AUTOCOMPLETE_LIMIT])

    @unary
    async def SearchSecrets(
        self, request: messages.SearchSecretsRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchSecretsResponse:
        if request.namespace:
            _check_namespace(request.namespace, "namespace")
        text = request.query.lower()
        # Read at each call: the names of what this process has now.
        names = [name for name in EnvironmentSecrets(os.environ).names() if text in name.lower()]
        chosen = page_of(names, request.page_size, request.page_token)
        return messages.SearchSecretsResponse(
            secrets=[messages.SecretMeta(key=name, namespace=request.namespace) for name in chosen.items],
            total_size=chosen.total,
            next_page_token=chosen.next_token,
        )

    @unary
    async def GetInheritedSecrets(
        self, request: messages.GetInheritedSecretsRequest, context: grpc.aio.ServicerContext
    ) -> messages.InheritedSecrets:
        _check_namespace(request.namespace, "namespace")
        return messages.InheritedSecrets()

    @unary
    async def PutSecret(
        self, request: messages.PutSecretRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchSecretsResponse:
        raise _read_only()

    @unary
    async def PatchSecret(
        self, request: messages.PatchSecretRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchSecretsResponse:
        raise _read_only()

    @unary
    async def DeleteSecret(
        self, request: messages.DeleteSecretRequest, context: grpc.aio.ServicerContext
    ) -> messages.DeleteSecretResponse:
        raise _read_only()

    async def _namespaces(self, tenant: str, *, existing: bool) -> list[str]:
        """Return the namespaces of the deployed flows and KV entries (and those above them) that the
        caller may read, sorted."""
        try:
            used = {flow.namespace for flow in await self._flows.deployed(tenant)}
            used |= set(await self._kv.namespaces(tenant))
        except InvalidKey as error:
            raise ApiError(
                grpc.StatusCode.INVALID_ARGUMENT, "TENANT_INVALID", str(error), [("tenant", str(error))]
            ) from None
        if not existing:
            used |= {".".join(n.split(".")[:depth]) for n in used for depth in range(1, n.count(".") + 1)}
        readable = scope()
        return sorted(namespace for namespace in used if readable.covers(namespace))


def _check_namespace(namespace: str, field: str) -> None:
    """Refuse what cannot be a namespace, naming the field that holds it."""
    if not _NAMESPACE.fullmatch(namespace):
        raise ApiError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "NAMESPACE_INVALID",
            f"{namespace!r} is not a namespace",
            [(field, "letters, digits, `.`, `_` and `-`, starting with a letter or digit")],
        )


def _read_only() -> ApiError:
    return ApiError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "SECRETS_READ_ONLY",
        "flowmesh reads secrets from the environment of its processes "
        f"({KESTRA_PREFIX}<NAME> in base64, or {RAW_PREFIX}<NAME>): set them there, not through the API",
    )
