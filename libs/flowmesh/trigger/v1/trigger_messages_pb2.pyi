import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.trigger.v1 import trigger_pb2 as _trigger_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchTriggersRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "query", "sort", "page_size", "page_token", "trigger_id", "worker_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    query: str
    sort: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    trigger_id: str
    worker_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., query: _Optional[str] = ..., sort: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., trigger_id: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class SearchTriggersResponse(_message.Message):
    __slots__ = ("triggers", "next_page_token", "total_size")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerAndState]
    next_page_token: str
    total_size: int
    def __init__(self, triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerAndState, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ListFlowTriggersRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "query", "sort", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    query: str
    sort: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., query: _Optional[str] = ..., sort: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFlowTriggersResponse(_message.Message):
    __slots__ = ("triggers", "next_page_token", "total_size")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerState]
    next_page_token: str
    total_size: int
    def __init__(self, triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerState, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class SetTriggerDisabledRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id", "disabled")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    disabled: bool
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., disabled: _Optional[bool] = ...) -> None: ...

class SetTriggersDisabledRequest(_message.Message):
    __slots__ = ("tenant", "triggers", "disabled")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    disabled: bool
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ..., disabled: _Optional[bool] = ...) -> None: ...

class TriggersOperationResponse(_message.Message):
    __slots__ = ("operation_id", "total_items")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    total_items: int
    def __init__(self, operation_id: _Optional[str] = ..., total_items: _Optional[int] = ...) -> None: ...

class UnlockTriggerRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class UnlockTriggersRequest(_message.Message):
    __slots__ = ("tenant", "triggers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ...) -> None: ...

class NewBackfill(_message.Message):
    __slots__ = ("start", "end", "inputs", "labels")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    inputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class CreateBackfillRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id", "backfill")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    backfill: NewBackfill
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., backfill: _Optional[_Union[NewBackfill, _Mapping]] = ...) -> None: ...

class PauseBackfillRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class UnpauseBackfillRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class DeleteBackfillRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class PauseBackfillsRequest(_message.Message):
    __slots__ = ("tenant", "triggers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ...) -> None: ...

class UnpauseBackfillsRequest(_message.Message):
    __slots__ = ("tenant", "triggers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ...) -> None: ...

class DeleteBackfillsRequest(_message.Message):
    __slots__ = ("tenant", "triggers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnlockTriggersByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...

class SetTriggersDisabledByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query", "disabled")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    disabled: bool
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ..., disabled: _Optional[bool] = ...) -> None: ...

class DeleteTriggersByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...

class DeleteTriggersRequest(_message.Message):
    __slots__ = ("tenant", "triggers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    triggers: _containers.RepeatedCompositeFieldContainer[_trigger_pb2.TriggerRef]
    def __init__(self, tenant: _Optional[str] = ..., triggers: _Optional[_Iterable[_Union[_trigger_pb2.TriggerRef, _Mapping]]] = ...) -> None: ...

class PauseBackfillsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...

class UnpauseBackfillsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...

class DeleteBackfillsByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...

class RestartTriggerRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "flow_id", "trigger_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class ExportTriggersByQueryRequest(_message.Message):
    __slots__ = ("tenant", "query")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: SearchTriggersRequest
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[_Union[SearchTriggersRequest, _Mapping]] = ...) -> None: ...
