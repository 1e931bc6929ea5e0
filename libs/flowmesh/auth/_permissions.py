"""The action each RPC declares with the flowmesh.auth.v1.action method option."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor

from flowmesh.auth.v1 import auth_pb2
from flowmesh.auth.v1.auth_pb2 import Action

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import MethodOptions
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

# mypy-protobuf types the extension as a bare FieldDescriptor, which Extensions[] refuses.
_ACTION = cast("_ExtensionFieldDescriptor[MethodOptions, Action]", auth_pb2.action)
_SCOPED = cast("_ExtensionFieldDescriptor[MethodOptions, bool]", auth_pb2.scoped)
# Services that are not flowmesh's and need no credentials: health checks (load balancers,
# the gateway's /health) and reflection (it describes the API, which /openapi.json shows anyway).
PUBLIC_SERVICES = frozenset({"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"})


def action_of(method: MethodDescriptor) -> Action:
    """Return the action a method declares; ACTION_UNSPECIFIED when it declares none."""
    return method.GetOptions().Extensions[_ACTION]


def scoped_of(method: MethodDescriptor) -> bool:
    """Return whether a method answers a request naming no namespace within the caller's roles."""
    return method.GetOptions().Extensions[_SCOPED]


def _method(path: str) -> MethodDescriptor | None:
    """Return the method at a gRPC path (`/package.Service/Method`), None for an unknown one.

    The method is looked up among the generated modules imported (a servicer's module
    imports its service's), so a service added later needs no list kept here.
    """
    service, _, method = path.removeprefix("/").partition("/")
    try:
        return descriptor_pool.Default().FindServiceByName(service).methods_by_name[method]
    except KeyError:
        return None


@functools.cache
def action_of_path(path: str) -> Action:
    """Return the action of the method at a gRPC path; a path naming no known method declares none."""
    method = _method(path)
    return Action.ACTION_UNSPECIFIED if method is None else action_of(method)


@functools.cache
def scoped_of_path(path: str) -> bool:
    """Return whether the method at a gRPC path is scoped (see scoped_of)."""
    method = _method(path)
    return method is not None and scoped_of(method)
