import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Flow(_message.Message):
    __slots__ = ("tenant_id", "namespace", "id", "revision", "source", "description", "labels", "disabled", "deleted", "updated", "request_id", "deleted_revisions")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    namespace: str
    id: str
    revision: int
    source: str
    description: str
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    disabled: bool
    deleted: bool
    updated: _timestamp_pb2.Timestamp
    request_id: str
    deleted_revisions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., id: _Optional[str] = ..., revision: _Optional[int] = ..., source: _Optional[str] = ..., description: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., disabled: _Optional[bool] = ..., deleted: _Optional[bool] = ..., updated: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., deleted_revisions: _Optional[_Iterable[int]] = ...) -> None: ...

class FlowRef(_message.Message):
    __slots__ = ("namespace", "id")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    id: str
    def __init__(self, namespace: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class FlowViolation(_message.Message):
    __slots__ = ("path", "line", "column", "message")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    path: str
    line: int
    column: int
    message: str
    def __init__(self, path: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class FlowValidation(_message.Message):
    __slots__ = ("index", "namespace", "flow", "violations")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    index: int
    namespace: str
    flow: str
    violations: _containers.RepeatedCompositeFieldContainer[FlowViolation]
    def __init__(self, index: _Optional[int] = ..., namespace: _Optional[str] = ..., flow: _Optional[str] = ..., violations: _Optional[_Iterable[_Union[FlowViolation, _Mapping]]] = ...) -> None: ...
