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
# Services that are not flowmesh's and need no credentials: health checks (load balancers,
# the gateway's /health) and reflection (it describes the API, which /openapi.json shows anyway).
PUBLIC_SERVICES = frozenset({"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"})


def action_of(method: MethodDescriptor) -> Action:
    """Return the action a method declares; ACTION_UNSPECIFIED when it declares none."""
    return method.GetOptions().Extensions[_ACTION]


@functools.cache
def action_of_path(path: str) -> Action:
    """Return the action of the method at a gRPC path (`/package.Service/Method`).

    The method is looked up among the generated modules imported (a servicer's module
    imports its service's), so a service added later needs no list kept here. A path
    that names no known method declares nothing.
    """
    service, _, method = path.removeprefix("/").partition("/")
    try:
        found = descriptor_pool.Default().FindServiceByName(service).methods_by_name[method]
    except KeyError:
        return Action.ACTION_UNSPECIFIED
    return action_of(found)
