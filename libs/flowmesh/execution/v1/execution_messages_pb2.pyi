import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.execution.v1 import execution_pb2 as _execution_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChildFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHILD_FILTER_UNSPECIFIED: _ClassVar[ChildFilter]
    CHILD_FILTER_CHILD: _ClassVar[ChildFilter]
    CHILD_FILTER_MAIN: _ClassVar[ChildFilter]
CHILD_FILTER_UNSPECIFIED: ChildFilter
CHILD_FILTER_CHILD: ChildFilter
CHILD_FILTER_MAIN: ChildFilter

class CreateExecutionRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "inputs", "labels", "revision", "wait", "request_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    inputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    revision: int
    wait: bool
    request_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., revision: _Optional[int] = ..., wait: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class ListExecutionsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "states", "page_size", "page_token", "query", "labels", "start_date", "end_date", "time_range", "sort", "trigger_execution_id", "child_filter")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHILD_FILTER_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    states: _containers.RepeatedScalarFieldContainer[_state_pb2.StateType]
    page_size: int
    page_token: str
    query: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    start_date: _timestamp_pb2.Timestamp
    end_date: _timestamp_pb2.Timestamp
    time_range: str
    sort: _containers.RepeatedScalarFieldContainer[str]
    trigger_execution_id: str
    child_filter: ChildFilter
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_state_pb2.StateType, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., start_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_range: _Optional[str] = ..., sort: _Optional[_Iterable[str]] = ..., trigger_execution_id: _Optional[str] = ..., child_filter: _Optional[_Union[ChildFilter, str]] = ...) -> None: ...

class ListExecutionsResponse(_message.Message):
    __slots__ = ("executions", "next_page_token", "total_size")
    EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    executions: _containers.RepeatedCompositeFieldContainer[_execution_pb2.Execution]
    next_page_token: str
    total_size: int
    def __init__(self, executions: _Optional[_Iterable[_Union[_execution_pb2.Execution, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class FollowExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class KillExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class RestartExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ...) -> None: ...

class ReplayExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "task_run_id", "revision")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    task_run_id: str
    revision: int
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class SetExecutionLabelsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "labels")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class ChangeTaskRunStateRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "task_run_id", "state")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    task_run_id: str
    state: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ResumeExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "inputs")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    inputs: _struct_pb2.Struct
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UnqueueExecutionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "state")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    state: _state_pb2.StateType
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class EvaluateExecutionExpressionRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "task_run_id", "template")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    task_run_id: str
    template: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., template: _Optional[str] = ...) -> None: ...

class TriggerWebhookRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "key", "body", "headers", "parameters")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HttpValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HttpValues, _Mapping]] = ...) -> None: ...
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HttpValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HttpValues, _Mapping]] = ...) -> None: ...
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    key: str
    body: bytes
    headers: _containers.MessageMap[str, HttpValues]
    parameters: _containers.MessageMap[str, HttpValues]
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., key: _Optional[str] = ..., body: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, HttpValues]] = ..., parameters: _Optional[_Mapping[str, HttpValues]] = ...) -> None: ...

class HttpValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class TriggerWebhookResponse(_message.Message):
    __slots__ = ("execution", "return_outputs", "http_status", "content_type")
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    RETURN_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    return_outputs: bool
    http_status: int
    content_type: str
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ..., return_outputs: _Optional[bool] = ..., http_status: _Optional[int] = ..., content_type: _Optional[str] = ...) -> None: ...

class FollowExecutionDependenciesRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "destination_only", "expand_all")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ONLY_FIELD_NUMBER: _ClassVar[int]
    EXPAND_ALL_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    destination_only: bool
    expand_all: bool
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., destination_only: _Optional[bool] = ..., expand_all: _Optional[bool] = ...) -> None: ...

class ExecutionStatusEvent(_message.Message):
    __slots__ = ("execution_id", "tenant_id", "namespace", "flow_id", "state")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    tenant_id: str
    namespace: str
    flow_id: str
    state: _state_pb2.State
    def __init__(self, execution_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., state: _Optional[_Union[_state_pb2.State, _Mapping]] = ...) -> None: ...
