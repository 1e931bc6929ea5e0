import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StateType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATE_TYPE_UNSPECIFIED: _ClassVar[StateType]
    STATE_TYPE_CREATED: _ClassVar[StateType]
    STATE_TYPE_SUBMITTED: _ClassVar[StateType]
    STATE_TYPE_RUNNING: _ClassVar[StateType]
    STATE_TYPE_PAUSED: _ClassVar[StateType]
    STATE_TYPE_RESTARTED: _ClassVar[StateType]
    STATE_TYPE_KILLING: _ClassVar[StateType]
    STATE_TYPE_SUCCESS: _ClassVar[StateType]
    STATE_TYPE_WARNING: _ClassVar[StateType]
    STATE_TYPE_FAILED: _ClassVar[StateType]
    STATE_TYPE_KILLED: _ClassVar[StateType]
    STATE_TYPE_CANCELLED: _ClassVar[StateType]
    STATE_TYPE_QUEUED: _ClassVar[StateType]
    STATE_TYPE_RETRYING: _ClassVar[StateType]
    STATE_TYPE_RETRIED: _ClassVar[StateType]
    STATE_TYPE_SKIPPED: _ClassVar[StateType]
    STATE_TYPE_BREAKPOINT: _ClassVar[StateType]
    STATE_TYPE_RESUBMITTED: _ClassVar[StateType]
STATE_TYPE_UNSPECIFIED: StateType
STATE_TYPE_CREATED: StateType
STATE_TYPE_SUBMITTED: StateType
STATE_TYPE_RUNNING: StateType
STATE_TYPE_PAUSED: StateType
STATE_TYPE_RESTARTED: StateType
STATE_TYPE_KILLING: StateType
STATE_TYPE_SUCCESS: StateType
STATE_TYPE_WARNING: StateType
STATE_TYPE_FAILED: StateType
STATE_TYPE_KILLED: StateType
STATE_TYPE_CANCELLED: StateType
STATE_TYPE_QUEUED: StateType
STATE_TYPE_RETRYING: StateType
STATE_TYPE_RETRIED: StateType
STATE_TYPE_SKIPPED: StateType
STATE_TYPE_BREAKPOINT: StateType
STATE_TYPE_RESUBMITTED: StateType

class StateHistory(_message.Message):
    __slots__ = ("state", "date")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    state: StateType
    date: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[StateType, str]] = ..., date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class State(_message.Message):
    __slots__ = ("current", "histories")
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    HISTORIES_FIELD_NUMBER: _ClassVar[int]
    current: StateType
    histories: _containers.RepeatedCompositeFieldContainer[StateHistory]
    def __init__(self, current: _Optional[_Union[StateType, str]] = ..., histories: _Optional[_Iterable[_Union[StateHistory, _Mapping]]] = ...) -> None: ...

class Label(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
