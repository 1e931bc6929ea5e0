from __future__ import annotations

import grpc

from flowmesh.api._support import unary
from flowmesh.language import flow_schema
from flowmesh.plugin.v1 import plugin_messages_pb2 as messages
from flowmesh.plugin.v1.plugin_service_pb2_grpc import PluginServiceServicer
from flowmesh.values import to_struct


class PluginServicer(PluginServiceServicer):
    """What the installed task types accept, as the JSON Schema editors validate flows with."""

    @unary
    async def GetFlowSchema(
        self, request: messages.GetFlowSchemaRequest, context: grpc.aio.ServicerContext
    ) -> messages.FlowSchema:
        return messages.FlowSchema(schema=to_struct(flow_schema()))
