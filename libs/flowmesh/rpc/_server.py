from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from flowmesh.rpc._telemetry import TelemetryInterceptor
from flowmesh.telemetry import get_logger

log = get_logger("rpc")

Registrar = Callable[[grpc.aio.Server], None]


class GrpcServer:
    """A grpc.aio server with health checking and reflection, as every component serves."""

    def __init__(
        self,
        address: str,
        service_names: Sequence[str] = (),
        registrars: Sequence[Registrar] = (),
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    ):
        # Telemetry first: it counts and traces the calls the others refuse too.
        self.server = grpc.aio.server(
            interceptors=[TelemetryInterceptor(), *interceptors],
            options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        for register in registrars:
            register(self.server)
        names = [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
        reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], self.server)
        self.port = self.server.add_insecure_port(address)
        self._services = list(service_names)

    async def start(self) -> None:
        await self.server.start()
        await self.set_serving(True)
        log.info("grpc_listening", port=self.port)

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for service in ["", *self._services]:
            await self.health.set(service, status)

    async def stop(self, grace: float = 5.0) -> None:
        await self.set_serving(False)
        await self.server.stop(grace)
