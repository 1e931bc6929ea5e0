import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Level(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEVEL_UNSPECIFIED: _ClassVar[Level]
    LEVEL_TRACE: _ClassVar[Level]
    LEVEL_DEBUG: _ClassVar[Level]
    LEVEL_INFO: _ClassVar[Level]
    LEVEL_WARN: _ClassVar[Level]
    LEVEL_ERROR: _ClassVar[Level]
LEVEL_UNSPECIFIED: Level
LEVEL_TRACE: Level
LEVEL_DEBUG: Level
LEVEL_INFO: Level
LEVEL_WARN: Level
LEVEL_ERROR: Level

class LogEntry(_message.Message):
    __slots__ = ("id", "tenant_id", "namespace", "flow_id", "task_id", "execution_id", "task_run_id", "attempt_number", "timestamp", "level", "thread", "message")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    namespace: str
    flow_id: str
    task_id: str
    execution_id: str
    task_run_id: str
    attempt_number: int
    timestamp: _timestamp_pb2.Timestamp
    level: Level
    thread: str
    message: str
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., task_id: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., attempt_number: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., level: _Optional[_Union[Level, str]] = ..., thread: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
