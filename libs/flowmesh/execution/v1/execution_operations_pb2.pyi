from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.execution.v1 import execution_messages_pb2 as _execution_messages_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeleteExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "delete_logs", "delete_metrics", "delete_storage")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_LOGS_FIELD_NUMBER: _ClassVar[int]
    DELETE_METRICS_FIELD_NUMBER: _ClassVar[int]
    DELETE_STORAGE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    delete_logs: bool
    delete_metrics: bool
    delete_storage: bool
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., delete_logs: _Optional[bool] = ..., delete_metrics: _Optional[bool] = ..., delete_storage: _Optional[bool] = ...) -> None: ...

class DeleteExecutionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ForceRunExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class ChangeExecutionStatusRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "status")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    status: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., status: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ExecutionsOperationResponse(_message.Message):
    __slots__ = ("operation_id", "total_items")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    total_items: int
    def __init__(self, operation_id: _Optional[str] = ..., total_items: _Optional[int] = ...) -> None: ...

class DeleteExecutionsResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class DeleteExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids", "delete_logs", "delete_metrics", "delete_storage")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    DELETE_LOGS_FIELD_NUMBER: _ClassVar[int]
    DELETE_METRICS_FIELD_NUMBER: _ClassVar[int]
    DELETE_STORAGE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    delete_logs: bool
    delete_metrics: bool
    delete_storage: bool
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ..., delete_logs: _Optional[bool] = ..., delete_metrics: _Optional[bool] = ..., delete_storage: _Optional[bool] = ...) -> None: ...

class KillExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RestartExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ResumeExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ForceRunExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ReplayExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids", "latest_revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    LATEST_REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    latest_revision: bool
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ..., latest_revision: _Optional[bool] = ...) -> None: ...

class UnqueueExecutionsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids", "state")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    state: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ChangeExecutionsStatusByIdsRequest(_message.Message):
    __slots__ = ("tenant", "execution_ids", "new_status")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDS_FIELD_NUMBER: _ClassVar[int]
    NEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_ids: _containers.RepeatedScalarFieldContainer[str]
    new_status: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., execution_ids: _Optional[_Iterable[str]] = ..., new_status: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class SetExecutionsLabelsByIdsRequest(_message.Message):
    __slots__ = ("tenant", "executions_id", "execution_labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTIONS_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    executions_id: _containers.RepeatedScalarFieldContainer[str]
    execution_labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., executions_id: _Optional[_Iterable[str]] = ..., execution_labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class DeleteExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "delete_logs", "delete_metrics", "delete_storage")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    DELETE_LOGS_FIELD_NUMBER: _ClassVar[int]
    DELETE_METRICS_FIELD_NUMBER: _ClassVar[int]
    DELETE_STORAGE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    delete_logs: bool
    delete_metrics: bool
    delete_storage: bool
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ..., delete_logs: _Optional[bool] = ..., delete_metrics: _Optional[bool] = ..., delete_storage: _Optional[bool] = ...) -> None: ...

class KillExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ...) -> None: ...

class RestartExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ...) -> None: ...

class ResumeExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ...) -> None: ...

class ForceRunExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ...) -> None: ...

class ReplayExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "latest_revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LATEST_REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    latest_revision: bool
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ..., latest_revision: _Optional[bool] = ...) -> None: ...

class UnqueueExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "new_state")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NEW_STATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    new_state: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ..., new_state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ChangeExecutionsStatusByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "new_status")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    new_status: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ..., new_status: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class SetExecutionsLabelsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...
