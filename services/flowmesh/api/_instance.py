"""What the instance tells about itself: Kestra's configuration endpoint, with flowmesh's version."""

from __future__ import annotations

from importlib.metadata import version

import grpc

from flowmesh.api._preview import DEFAULT_ROWS, MAX_ROWS
from flowmesh.api._support import unary
from flowmesh.instance.v1 import instance_messages_pb2 as messages
from flowmesh.instance.v1.instance_pb2 import Configuration, Environment, Preview
from flowmesh.instance.v1.instance_service_pb2_grpc import InstanceServiceServicer

# Kestra's system namespace.
SYSTEM_NAMESPACE = "system"


class InstanceServicer(InstanceServiceServicer):
    """Answers from the package's metadata: nothing here depends on a request."""

    def __init__(self) -> None:
        self._configuration = Configuration(
            version=version("flowmesh"),
            edition="OSS",
            environment=Environment(name="flowmesh"),
            preview=Preview(initial=DEFAULT_ROWS, max=MAX_ROWS),
            system_namespace=SYSTEM_NAMESPACE,
            hidden_labels_prefixes=["system."],
        )

    @unary
    async def GetConfiguration(
        self, request: messages.GetConfigurationRequest, context: grpc.aio.ServicerContext
    ) -> Configuration:
        return self._configuration
