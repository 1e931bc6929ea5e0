from __future__ import annotations

from flowmesh.api._access import RequestNamespaces
from flowmesh.api._auth import AuthServicer
from flowmesh.api._executions import ExecutionServicer
from flowmesh.api._expressions import ExpressionServicer
from flowmesh.api._files import FileServicer
from flowmesh.api._flows import FlowServicer
from flowmesh.api._instance import InstanceServicer
from flowmesh.api._kv import KvServicer
from flowmesh.api._logs import LogServicer
from flowmesh.api._namespaces import NamespaceServicer
from flowmesh.api._plugins import PluginServicer
from flowmesh.api._stats import StatsServicer
from flowmesh.api._triggers import TriggerServicer
from flowmesh.auth import AccessInterceptor, Authenticator, Credentials
from flowmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from flowmesh.execution.v1 import execution_service_pb2, execution_service_pb2_grpc
from flowmesh.expression.v1 import expression_service_pb2, expression_service_pb2_grpc
from flowmesh.file.v1 import file_service_pb2, file_service_pb2_grpc
from flowmesh.flow.v1 import flow_service_pb2, flow_service_pb2_grpc
from flowmesh.instance.v1 import instance_service_pb2, instance_service_pb2_grpc
from flowmesh.kv.v1 import kv_service_pb2, kv_service_pb2_grpc
from flowmesh.log.v1 import log_service_pb2, log_service_pb2_grpc
from flowmesh.messaging import Broker
from flowmesh.namespace.v1 import namespace_service_pb2, namespace_service_pb2_grpc
from flowmesh.plugin.v1 import plugin_service_pb2, plugin_service_pb2_grpc
from flowmesh.repository import RepositoryBackend
from flowmesh.rpc import GrpcServer
from flowmesh.state import ExecutionStore, FlowStore, KeyValueStore, Services, TriggerStates
from flowmesh.stats.v1 import stats_service_pb2, stats_service_pb2_grpc
from flowmesh.storage import Storage
from flowmesh.trigger.v1 import trigger_service_pb2, trigger_service_pb2_grpc


def build_api_server(
    broker: Broker, repository: RepositoryBackend, storage: Storage, address: str, *, authenticate: bool
) -> GrpcServer:
    """Return the api's gRPC server (not started) listening on address; files go to storage.

    With authenticate, callers prove who they are (basic auth or an API token) and their
    roles must allow what each call does; without, anyone may do anything. Either way a
    method that declares no action is refused.
    """
    flows = FlowStore(broker)
    credentials = Credentials(broker)
    access = AccessInterceptor(
        Authenticator(credentials) if authenticate else None,
        RequestNamespaces(ExecutionStore(broker), repository),
    )
    return GrpcServer(
        address,
        service_names=[
            flow_service_pb2.DESCRIPTOR.services_by_name["FlowService"].full_name,
            execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name,
            log_service_pb2.DESCRIPTOR.services_by_name["LogService"].full_name,
            plugin_service_pb2.DESCRIPTOR.services_by_name["PluginService"].full_name,
            expression_service_pb2.DESCRIPTOR.services_by_name["ExpressionService"].full_name,
            kv_service_pb2.DESCRIPTOR.services_by_name["KvService"].full_name,
            file_service_pb2.DESCRIPTOR.services_by_name["FileService"].full_name,
            trigger_service_pb2.DESCRIPTOR.services_by_name["TriggerService"].full_name,
            stats_service_pb2.DESCRIPTOR.services_by_name["StatsService"].full_name,
            auth_service_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
            namespace_service_pb2.DESCRIPTOR.services_by_name["NamespaceService"].full_name,
            instance_service_pb2.DESCRIPTOR.services_by_name["InstanceService"].full_name,
        ],
        registrars=[
            lambda server: flow_service_pb2_grpc.add_FlowServiceServicer_to_server(
                FlowServicer(flows, repository, storage, ExecutionStore(broker)), server
            ),
            lambda server: execution_service_pb2_grpc.add_ExecutionServiceServicer_to_server(
                ExecutionServicer(broker, flows, repository, storage), server
            ),
            lambda server: log_service_pb2_grpc.add_LogServiceServicer_to_server(
                LogServicer(broker, repository), server
            ),
            lambda server: plugin_service_pb2_grpc.add_PluginServiceServicer_to_server(
                PluginServicer(), server
            ),
            lambda server: expression_service_pb2_grpc.add_ExpressionServiceServicer_to_server(
                ExpressionServicer(repository), server
            ),
            lambda server: kv_service_pb2_grpc.add_KvServiceServicer_to_server(
                KvServicer(KeyValueStore(broker)), server
            ),
            lambda server: file_service_pb2_grpc.add_FileServiceServicer_to_server(
                FileServicer(storage, ExecutionStore(broker), repository), server
            ),
            lambda server: trigger_service_pb2_grpc.add_TriggerServiceServicer_to_server(
                TriggerServicer(flows, TriggerStates(broker)), server
            ),
            lambda server: stats_service_pb2_grpc.add_StatsServiceServicer_to_server(
                StatsServicer(repository), server
            ),
            lambda server: auth_service_pb2_grpc.add_AuthServiceServicer_to_server(
                AuthServicer(credentials), server
            ),
            lambda server: namespace_service_pb2_grpc.add_NamespaceServiceServicer_to_server(
                NamespaceServicer(flows, KeyValueStore(broker), storage), server
            ),
            lambda server: instance_service_pb2_grpc.add_InstanceServiceServicer_to_server(
                InstanceServicer(Services(broker), auth_enabled=authenticate), server
            ),
        ],
        interceptors=[access],
    )
