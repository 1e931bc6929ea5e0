import datetime

from flowmesh.log.v1 import log_pb2 as _log_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListLogsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "min_level", "task_run_id", "task_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    min_level: _log_pb2.Level
    task_run_id: str
    task_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., min_level: _Optional[_Union[_log_pb2.Level, str]] = ..., task_run_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class ListLogsResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_log_pb2.LogEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[_log_pb2.LogEntry, _Mapping]]] = ...) -> None: ...

class FollowLogsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "min_level")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    min_level: _log_pb2.Level
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., min_level: _Optional[_Union[_log_pb2.Level, str]] = ...) -> None: ...

class SearchLogsRequest(_message.Message):
    __slots__ = ("tenant", "query", "namespace", "flow_id", "execution_id", "min_level", "start_date", "end_date", "time_range", "sort", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: str
    namespace: str
    flow_id: str
    execution_id: str
    min_level: _log_pb2.Level
    start_date: _timestamp_pb2.Timestamp
    end_date: _timestamp_pb2.Timestamp
    time_range: str
    sort: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., execution_id: _Optional[str] = ..., min_level: _Optional[_Union[_log_pb2.Level, str]] = ..., start_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_range: _Optional[str] = ..., sort: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchLogsResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_log_pb2.LogEntry]
    next_page_token: str
    total_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[_log_pb2.LogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DownloadLogsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "min_level", "task_run_id", "task_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    min_level: _log_pb2.Level
    task_run_id: str
    task_id: str
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., min_level: _Optional[_Union[_log_pb2.Level, str]] = ..., task_run_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class DeleteLogsRequest(_message.Message):
    __slots__ = ("tenant", "execution_id", "min_level", "task_run_id", "task_id", "attempt")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    execution_id: str
    min_level: _log_pb2.Level
    task_run_id: str
    task_id: str
    attempt: int
    def __init__(self, tenant: _Optional[str] = ..., execution_id: _Optional[str] = ..., min_level: _Optional[_Union[_log_pb2.Level, str]] = ..., task_run_id: _Optional[str] = ..., task_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class DeleteFlowLogsRequest(_message.Message):
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
