"""What the instance tells about itself: Kestra's configuration endpoints, with flowmesh's version
and whether callers must sign in, and its running component instances (Kestra's Instance / Services)."""

from __future__ import annotations

from importlib.metadata import version

import grpc

from flowmesh.api._preview import DEFAULT_ROWS, MAX_ROWS
from flowmesh.api._support import not_found, page_of, unary
from flowmesh.instance.v1 import instance_messages_pb2 as messages
from flowmesh.instance.v1.instance_pb2 import (
    Configuration,
    Environment,
    LoginConfiguration,
    Preview,
    ServiceInstance,
)
from flowmesh.instance.v1.instance_service_pb2_grpc import InstanceServiceServicer
from flowmesh.state import Services

# Kestra's system namespace.
SYSTEM_NAMESPACE = "system"


class InstanceServicer(InstanceServiceServicer):
    """Answers the configuration from the package's metadata, the services from the services bucket.

    auth_enabled: whether the api authenticates its callers (the login page's question).
    """

    def __init__(self, services: Services, *, auth_enabled: bool) -> None:
        self._services = services
        self._configuration = Configuration(
            version=version("flowmesh"),
            edition="OSS",
            environment=Environment(name="flowmesh"),
            preview=Preview(initial=DEFAULT_ROWS, max=MAX_ROWS),
            system_namespace=SYSTEM_NAMESPACE,
            hidden_labels_prefixes=["system."],
            is_basic_auth_initialized=auth_enabled,
        )
        self._login = LoginConfiguration(is_basic_auth_initialized=auth_enabled)

    @unary
    async def GetConfiguration(
        self, request: messages.GetConfigurationRequest, context: grpc.aio.ServicerContext
    ) -> Configuration:
        return self._configuration

    @unary
    async def GetLoginConfiguration(
        self, request: messages.GetLoginConfigurationRequest, context: grpc.aio.ServicerContext
    ) -> LoginConfiguration:
        return self._login

    @unary
    async def SearchServices(
        self, request: messages.SearchServicesRequest, context: grpc.aio.ServicerContext
    ) -> messages.SearchServicesResponse:
        found = page_of(await self._services.running(), request.page_size, request.page_token)
        return messages.SearchServicesResponse(
            services=found.items, next_page_token=found.next_token, total_size=found.total
        )

    @unary
    async def GetService(
        self, request: messages.GetServiceRequest, context: grpc.aio.ServicerContext
    ) -> ServiceInstance:
        for instance in await self._services.running():
            if instance.id == request.id:
                return instance
        raise not_found("SERVICE_NOT_FOUND", f"no running service instance has the id {request.id!r}")
