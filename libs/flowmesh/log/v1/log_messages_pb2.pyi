from flowmesh.log.v1 import log_pb2 as _log_pb2
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
