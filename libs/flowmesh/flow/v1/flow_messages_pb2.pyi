from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.flow.v1 import flow_pb2 as _flow_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FlowRelation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLOW_RELATION_UNSPECIFIED: _ClassVar[FlowRelation]
    FLOW_RELATION_FLOW_TASK: _ClassVar[FlowRelation]
    FLOW_RELATION_FLOW_TRIGGER: _ClassVar[FlowRelation]

class TaskSection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_SECTION_UNSPECIFIED: _ClassVar[TaskSection]
    TASK_SECTION_TASKS: _ClassVar[TaskSection]
    TASK_SECTION_TRIGGERS: _ClassVar[TaskSection]
FLOW_RELATION_UNSPECIFIED: FlowRelation
FLOW_RELATION_FLOW_TASK: FlowRelation
FLOW_RELATION_FLOW_TRIGGER: FlowRelation
TASK_SECTION_UNSPECIFIED: TaskSection
TASK_SECTION_TASKS: TaskSection
TASK_SECTION_TRIGGERS: TaskSection

class CreateFlowRequest(_message.Message):
    __slots__ = ("tenant", "source", "request_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    request_id: str
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateFlowRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "source")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    source: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class GetFlowRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    revision: int
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListFlowsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "page_size", "page_token", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    page_size: int
    page_token: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class ListFlowsResponse(_message.Message):
    __slots__ = ("flows", "next_page_token", "total_size")
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.Flow]
    next_page_token: str
    total_size: int
    def __init__(self, flows: _Optional[_Iterable[_Union[_flow_pb2.Flow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DeleteFlowRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class DeleteFlowResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ValidateFlowsRequest(_message.Message):
    __slots__ = ("tenant", "source")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ValidateFlowsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_flow_pb2.FlowValidation]
    def __init__(self, results: _Optional[_Iterable[_Union[_flow_pb2.FlowValidation, _Mapping]]] = ...) -> None: ...

class ListFlowRevisionsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "allow_delete")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DELETE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    allow_delete: bool
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., allow_delete: _Optional[bool] = ...) -> None: ...

class ListFlowRevisionsResponse(_message.Message):
    __slots__ = ("flows",)
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.Flow]
    def __init__(self, flows: _Optional[_Iterable[_Union[_flow_pb2.Flow, _Mapping]]] = ...) -> None: ...

class DeleteFlowRevisionsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "revisions")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    revisions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., revisions: _Optional[_Iterable[int]] = ...) -> None: ...

class DeleteFlowRevisionsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetFlowGraphRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "revision", "subflows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SUBFLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    revision: int
    subflows: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., revision: _Optional[int] = ..., subflows: _Optional[_Iterable[str]] = ...) -> None: ...

class GenerateFlowGraphRequest(_message.Message):
    __slots__ = ("tenant", "source", "subflows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUBFLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    subflows: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ..., subflows: _Optional[_Iterable[str]] = ...) -> None: ...

class GetExecutionGraphRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "subflows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBFLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    subflows: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., subflows: _Optional[_Iterable[str]] = ...) -> None: ...

class BulkUpdateFlowsRequest(_message.Message):
    __slots__ = ("tenant", "source", "delete", "namespace", "allow_namespace_child")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_NAMESPACE_CHILD_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    delete: bool
    namespace: str
    allow_namespace_child: bool
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ..., delete: _Optional[bool] = ..., namespace: _Optional[str] = ..., allow_namespace_child: _Optional[bool] = ...) -> None: ...

class UpdateNamespaceFlowsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "source", "delete", "override")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    source: str
    delete: bool
    override: bool
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., source: _Optional[str] = ..., delete: _Optional[bool] = ..., override: _Optional[bool] = ...) -> None: ...

class UpdateFlowsResponse(_message.Message):
    __slots__ = ("flows",)
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.Flow]
    def __init__(self, flows: _Optional[_Iterable[_Union[_flow_pb2.Flow, _Mapping]]] = ...) -> None: ...

class ImportFlowsRequest(_message.Message):
    __slots__ = ("tenant", "file_upload", "fail_on_error")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FILE_UPLOAD_FIELD_NUMBER: _ClassVar[int]
    FAIL_ON_ERROR_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    file_upload: str
    fail_on_error: bool
    def __init__(self, tenant: _Optional[str] = ..., file_upload: _Optional[str] = ..., fail_on_error: _Optional[bool] = ...) -> None: ...

class ImportFlowsResponse(_message.Message):
    __slots__ = ("failed",)
    FAILED_FIELD_NUMBER: _ClassVar[int]
    failed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, failed: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportFlowsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "flows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.FlowRef]
    def __init__(self, tenant: _Optional[str] = ..., flows: _Optional[_Iterable[_Union[_flow_pb2.FlowRef, _Mapping]]] = ...) -> None: ...

class ExportFlowsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class ExportFlowsCsvRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class DeleteFlowsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class DisableFlowsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class EnableFlowsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class DeleteFlowsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "flows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.FlowRef]
    def __init__(self, tenant: _Optional[str] = ..., flows: _Optional[_Iterable[_Union[_flow_pb2.FlowRef, _Mapping]]] = ...) -> None: ...

class DisableFlowsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "flows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.FlowRef]
    def __init__(self, tenant: _Optional[str] = ..., flows: _Optional[_Iterable[_Union[_flow_pb2.FlowRef, _Mapping]]] = ...) -> None: ...

class EnableFlowsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "flows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.FlowRef]
    def __init__(self, tenant: _Optional[str] = ..., flows: _Optional[_Iterable[_Union[_flow_pb2.FlowRef, _Mapping]]] = ...) -> None: ...

class BulkFlowsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class ListNamespaceFlowsRequest(_message.Message):
    __slots__ = ("tenant", "namespace")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class ListNamespaceFlowsResponse(_message.Message):
    __slots__ = ("flows",)
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[_flow_pb2.Flow]
    def __init__(self, flows: _Optional[_Iterable[_Union[_flow_pb2.Flow, _Mapping]]] = ...) -> None: ...

class ListDistinctNamespacesRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: str
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListDistinctNamespacesResponse(_message.Message):
    __slots__ = ("namespaces",)
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespaces: _Optional[_Iterable[str]] = ...) -> None: ...

class GetFlowTaskRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "task_id", "revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    task_id: str
    revision: int
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., task_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class FlowTask(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _struct_pb2.Struct
    def __init__(self, task: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetFlowDependenciesRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "id", "destination_only", "expand_all")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ONLY_FIELD_NUMBER: _ClassVar[int]
    EXPAND_ALL_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    id: str
    destination_only: bool
    expand_all: bool
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., destination_only: _Optional[bool] = ..., expand_all: _Optional[bool] = ...) -> None: ...

class GetNamespaceDependenciesRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "destination_only")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    destination_only: bool
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., destination_only: _Optional[bool] = ...) -> None: ...

class FlowTopologyNode(_message.Message):
    __slots__ = ("uid", "namespace", "id")
    UID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    uid: str
    namespace: str
    id: str
    def __init__(self, uid: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class FlowTopologyEdge(_message.Message):
    __slots__ = ("source", "target", "relation")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    relation: FlowRelation
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., relation: _Optional[_Union[FlowRelation, str]] = ...) -> None: ...

class FlowTopology(_message.Message):
    __slots__ = ("nodes", "edges")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[FlowTopologyNode]
    edges: _containers.RepeatedCompositeFieldContainer[FlowTopologyEdge]
    def __init__(self, nodes: _Optional[_Iterable[_Union[FlowTopologyNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[FlowTopologyEdge, _Mapping]]] = ...) -> None: ...

class ValidateTaskRequest(_message.Message):
    __slots__ = ("tenant", "source", "section")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    section: TaskSection
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ..., section: _Optional[_Union[TaskSection, str]] = ...) -> None: ...

class ValidateTriggerRequest(_message.Message):
    __slots__ = ("tenant", "source")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    source: str
    def __init__(self, tenant: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...
