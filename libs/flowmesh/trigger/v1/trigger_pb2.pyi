import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_KIND_UNSPECIFIED: _ClassVar[TriggerKind]
    TRIGGER_KIND_SCHEDULE: _ClassVar[TriggerKind]
    TRIGGER_KIND_POLLING: _ClassVar[TriggerKind]
    TRIGGER_KIND_REALTIME: _ClassVar[TriggerKind]
TRIGGER_KIND_UNSPECIFIED: TriggerKind
TRIGGER_KIND_SCHEDULE: TriggerKind
TRIGGER_KIND_POLLING: TriggerKind
TRIGGER_KIND_REALTIME: TriggerKind

class Backfill(_message.Message):
    __slots__ = ("start", "end", "current_date", "paused", "inputs", "labels")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CURRENT_DATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    current_date: _timestamp_pb2.Timestamp
    paused: bool
    inputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused: _Optional[bool] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class TriggerState(_message.Message):
    __slots__ = ("namespace", "flow_id", "trigger_id", "updated_at", "evaluated_at", "next_evaluation_date", "backfill", "stop_after", "disabled", "locked", "worker_id", "last_triggered_date", "execution_id", "kind")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_EVALUATION_DATE_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_FIELD_NUMBER: _ClassVar[int]
    STOP_AFTER_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_TRIGGERED_DATE_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    flow_id: str
    trigger_id: str
    updated_at: _timestamp_pb2.Timestamp
    evaluated_at: _timestamp_pb2.Timestamp
    next_evaluation_date: _timestamp_pb2.Timestamp
    backfill: Backfill
    stop_after: _containers.RepeatedScalarFieldContainer[str]
    disabled: bool
    locked: bool
    worker_id: str
    last_triggered_date: _timestamp_pb2.Timestamp
    execution_id: str
    kind: TriggerKind
    def __init__(self, namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evaluated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_evaluation_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backfill: _Optional[_Union[Backfill, _Mapping]] = ..., stop_after: _Optional[_Iterable[str]] = ..., disabled: _Optional[bool] = ..., locked: _Optional[bool] = ..., worker_id: _Optional[str] = ..., last_triggered_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., execution_id: _Optional[str] = ..., kind: _Optional[_Union[TriggerKind, str]] = ...) -> None: ...

class TriggerAndState(_message.Message):
    __slots__ = ("trigger", "state")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    trigger: _struct_pb2.Struct
    state: TriggerState
    def __init__(self, trigger: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[TriggerState, _Mapping]] = ...) -> None: ...

class TriggerRef(_message.Message):
    __slots__ = ("namespace", "flow_id", "trigger_id")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    flow_id: str
    trigger_id: str
    def __init__(self, namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...
