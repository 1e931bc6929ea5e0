import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.execution.v1 import execution_messages_pb2 as _execution_messages_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class PauseExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class ForceRunExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class ReplayExecutionWithInputsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "task_run_id", "revision", "inputs")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    task_run_id: str
    revision: int
    inputs: _struct_pb2.Struct
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., revision: _Optional[int] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

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

class PauseExecutionsByIdsRequest(_message.Message):
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

class PauseExecutionsByQueryRequest(_message.Message):
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

class GetExecutionFlowRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class GetFlowForExecutionRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    revision: int
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class FlowForExecution(_message.Message):
    __slots__ = ("flow",)
    FLOW_FIELD_NUMBER: _ClassVar[int]
    flow: _struct_pb2.Struct
    def __init__(self, flow: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListExecutableNamespacesRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class ListExecutableNamespacesResponse(_message.Message):
    __slots__ = ("namespaces",)
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespaces: _Optional[_Iterable[str]] = ...) -> None: ...

class ListExecutableFlowsRequest(_message.Message):
    __slots__ = ("tenant", "namespace")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class ListExecutableFlowsResponse(_message.Message):
    __slots__ = ("flows",)
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[FlowForExecution]
    def __init__(self, flows: _Optional[_Iterable[_Union[FlowForExecution, _Mapping]]] = ...) -> None: ...

class FlowRef(_message.Message):
    __slots__ = ("namespace", "id")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    id: str
    def __init__(self, namespace: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetLatestExecutionsRequest(_message.Message):
    __slots__ = ("tenant", "flows")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    flows: _containers.RepeatedCompositeFieldContainer[FlowRef]
    def __init__(self, tenant: _Optional[str] = ..., flows: _Optional[_Iterable[_Union[FlowRef, _Mapping]]] = ...) -> None: ...

class LatestExecution(_message.Message):
    __slots__ = ("id", "flow_id", "namespace", "start_date", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    flow_id: str
    namespace: str
    start_date: _timestamp_pb2.Timestamp
    status: _state_pb2.StateType
    def __init__(self, id: _Optional[str] = ..., flow_id: _Optional[str] = ..., namespace: _Optional[str] = ..., start_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class GetLatestExecutionsResponse(_message.Message):
    __slots__ = ("executions",)
    EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    executions: _containers.RepeatedCompositeFieldContainer[LatestExecution]
    def __init__(self, executions: _Optional[_Iterable[_Union[LatestExecution, _Mapping]]] = ...) -> None: ...

class ValidateExecutionInputsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "inputs", "labels", "revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    inputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    revision: int
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class ValidateResumeExecutionInputsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "inputs")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    inputs: _struct_pb2.Struct
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class InputError(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class InputAndValue(_message.Message):
    __slots__ = ("input", "value", "enabled", "is_default", "errors")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    input: _struct_pb2.Struct
    value: _struct_pb2.Value
    enabled: bool
    is_default: bool
    errors: _containers.RepeatedCompositeFieldContainer[InputError]
    def __init__(self, input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., enabled: _Optional[bool] = ..., is_default: _Optional[bool] = ..., errors: _Optional[_Iterable[_Union[InputError, _Mapping]]] = ...) -> None: ...

class CheckFailure(_message.Message):
    __slots__ = ("message", "style", "behavior")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    message: str
    style: str
    behavior: str
    def __init__(self, message: _Optional[str] = ..., style: _Optional[str] = ..., behavior: _Optional[str] = ...) -> None: ...

class ValidateExecutionInputsResponse(_message.Message):
    __slots__ = ("id", "namespace", "inputs", "checks")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    id: str
    namespace: str
    inputs: _containers.RepeatedCompositeFieldContainer[InputAndValue]
    checks: _containers.RepeatedCompositeFieldContainer[CheckFailure]
    def __init__(self, id: _Optional[str] = ..., namespace: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[InputAndValue, _Mapping]]] = ..., checks: _Optional[_Iterable[_Union[CheckFailure, _Mapping]]] = ...) -> None: ...

class ExportExecutionsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: _execution_messages_pb2.ListExecutionsRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[_execution_messages_pb2.ListExecutionsRequest, _Mapping]] = ...) -> None: ...
