from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import grpc

from flowmesh.client._channel import open_channel
from flowmesh.execution.v1 import execution_messages_pb2 as executions
from flowmesh.execution.v1.execution_pb2 import Execution
from flowmesh.execution.v1.execution_service_pb2_grpc import ExecutionServiceStub
from flowmesh.file.v1 import file_messages_pb2 as files
from flowmesh.file.v1.file_service_pb2_grpc import FileServiceStub
from flowmesh.flow.v1 import flow_messages_pb2 as flows
from flowmesh.flow.v1.flow_pb2 import Flow
from flowmesh.flow.v1.flow_service_pb2_grpc import FlowServiceStub
from flowmesh.instance.v1 import instance_messages_pb2 as instance
from flowmesh.instance.v1.instance_pb2 import ServiceInstance
from flowmesh.instance.v1.instance_service_pb2_grpc import InstanceServiceStub
from flowmesh.kv.v1.kv_service_pb2_grpc import KvServiceStub
from flowmesh.log.v1.log_service_pb2_grpc import LogServiceStub
from flowmesh.plugin.v1.plugin_service_pb2_grpc import PluginServiceStub
from flowmesh.trigger.v1.trigger_service_pb2_grpc import TriggerServiceStub

# Where `flowmesh server standalone` serves gRPC by default (the `api_address` setting).
DEFAULT_ADDRESS = "127.0.0.1:50051"
# The deadline of each call that answers once, unless the call gives its own timeout.
DEFAULT_DEADLINE_SECONDS = 30.0
# Upload chunks: well under gRPC's 4 MiB message limit.
_CHUNK = 1 << 20
# The most flows one ListFlows page may hold.
_PAGE = 1000


class Client:
    """A connection to the flowmesh api: its service stubs, and a few conveniences over them.

    Every call carries `authorization: Bearer <token>` when a token is given, and calls that
    answer once get `deadline` seconds unless they pass their own `timeout`. Requests name
    their tenant: `client.tenant` is the one to use.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        token: str | None = None,
        tenant: str = "main",
        deadline: float | None = DEFAULT_DEADLINE_SECONDS,
        tls: bool = False,
        root_certificates: bytes | None = None,
    ) -> None:
        self.address = address
        self.tenant = tenant
        self.channel = open_channel(
            address, token=token, deadline=deadline, tls=tls, root_certificates=root_certificates
        )
        self.flows = FlowServiceStub(self.channel)
        self.executions = ExecutionServiceStub(self.channel)
        self.logs = LogServiceStub(self.channel)
        self.files = FileServiceStub(self.channel)
        self.kv = KvServiceStub(self.channel)
        self.triggers = TriggerServiceStub(self.channel)
        self.plugins = PluginServiceStub(self.channel)
        self.instance = InstanceServiceStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def list_flows(self, namespace: str = "") -> Iterator[Flow]:
        """Yield the latest revision of every flow in namespace and below it, page after page."""
        return _pages(
            lambda token: self.flows.ListFlows(
                flows.ListFlowsRequest(
                    tenant=self.tenant, namespace=namespace, page_size=_PAGE, page_token=token
                )
            ),
            "flows",
        )

    def services(self) -> Iterator[ServiceInstance]:
        """Yield the running component instances, page after page."""
        return _pages(
            lambda token: self.instance.SearchServices(
                instance.SearchServicesRequest(page_size=_PAGE, page_token=token)
            ),
            "services",
        )

    def get_flow(self, namespace: str, flow_id: str) -> Flow | None:
        """Return the latest revision of a flow, or None when there is none (or it is deleted)."""
        try:
            flow: Flow = self.flows.GetFlow(
                flows.GetFlowRequest(tenant=self.tenant, namespace=namespace, id=flow_id)
            )
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return flow

    def wait_execution(self, execution_id: str, *, timeout: float | None = None) -> Execution:
        """Return the execution once it has ended (the last change FollowExecution streams)."""
        request = executions.FollowExecutionRequest(tenant=self.tenant, execution_id=execution_id)
        ended: Execution = deque(self.executions.FollowExecution(request, timeout=timeout), maxlen=1)[0]
        return ended

    def upload(self, filename: str, content: Iterable[bytes]) -> str:
        """Upload a file's bytes, given in pieces; return the URI a FILE input or a namespace file takes."""

        def requests() -> Iterator[files.UploadFileRequest]:
            yield files.UploadFileRequest(tenant=self.tenant, filename=filename)
            for piece in content:
                for start in range(0, len(piece), _CHUNK):
                    yield files.UploadFileRequest(chunk=piece[start : start + _CHUNK])

        return str(self.files.UploadFile(requests()).uri)

    def read_namespace_file(self, namespace: str, path: str) -> bytes | None:
        """Return a namespace file's bytes, or None when there is no such file."""
        request = files.GetNamespaceFileRequest(tenant=self.tenant, namespace=namespace, path=path)
        try:
            return b"".join(chunk.data for chunk in self.files.GetNamespaceFile(request))
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def write_namespace_file(self, namespace: str, path: str, content: bytes) -> None:
        """Create or replace a namespace file."""
        uri = self.upload(path.rsplit("/", 1)[-1], [content])
        self.files.CreateNamespaceFile(
            files.CreateNamespaceFileRequest(
                tenant=self.tenant, namespace=namespace, path=path, file_content=uri
            )
        )

    def namespace_file_paths(self, namespace: str) -> list[str]:
        """Return the paths of every file of a namespace, e.g. `/scripts/main.py`, sorted."""
        answer = self.files.SearchNamespaceFiles(
            files.SearchNamespaceFilesRequest(tenant=self.tenant, namespace=namespace)
        )
        return list(answer.paths)

    def delete_namespace_file(self, namespace: str, path: str) -> None:
        """Delete a namespace file (or directory)."""
        self.files.DeleteNamespaceFile(
            files.DeleteNamespaceFileRequest(tenant=self.tenant, namespace=namespace, path=path)
        )


def _pages(call: Callable[[str], Any], items: str) -> Iterator[Any]:
    """Yield the items (the repeated field named items) of every page call(page_token) answers."""
    token = ""
    while True:
        page = call(token)
        yield from getattr(page, items)
        token = page.next_page_token
        if not token:
            return
