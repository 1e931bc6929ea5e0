import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServiceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_TYPE_UNSPECIFIED: _ClassVar[ServiceType]
    SERVICE_TYPE_EXECUTOR: _ClassVar[ServiceType]
    SERVICE_TYPE_WORKER: _ClassVar[ServiceType]
    SERVICE_TYPE_SCHEDULER: _ClassVar[ServiceType]
    SERVICE_TYPE_INDEXER: _ClassVar[ServiceType]
    SERVICE_TYPE_API: _ClassVar[ServiceType]
    SERVICE_TYPE_GATEWAY: _ClassVar[ServiceType]

class ServiceState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_STATE_UNSPECIFIED: _ClassVar[ServiceState]
    SERVICE_STATE_RUNNING: _ClassVar[ServiceState]
    SERVICE_STATE_TERMINATING: _ClassVar[ServiceState]
SERVICE_TYPE_UNSPECIFIED: ServiceType
SERVICE_TYPE_EXECUTOR: ServiceType
SERVICE_TYPE_WORKER: ServiceType
SERVICE_TYPE_SCHEDULER: ServiceType
SERVICE_TYPE_INDEXER: ServiceType
SERVICE_TYPE_API: ServiceType
SERVICE_TYPE_GATEWAY: ServiceType
SERVICE_STATE_UNSPECIFIED: ServiceState
SERVICE_STATE_RUNNING: ServiceState
SERVICE_STATE_TERMINATING: ServiceState

class Environment(_message.Message):
    __slots__ = ("name", "color")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    color: str
    def __init__(self, name: _Optional[str] = ..., color: _Optional[str] = ...) -> None: ...

class Preview(_message.Message):
    __slots__ = ("initial", "max")
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    initial: int
    max: int
    def __init__(self, initial: _Optional[int] = ..., max: _Optional[int] = ...) -> None: ...

class Configuration(_message.Message):
    __slots__ = ("version", "edition", "commit_id", "is_custom_dashboards_enabled", "is_anonymous_usage_enabled", "is_ui_anonymous_usage_enabled", "environment", "url", "preview", "system_namespace", "hidden_labels_prefixes", "is_ai_enabled", "is_basic_auth_initialized", "is_concurrency_view_enabled")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EDITION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_ID_FIELD_NUMBER: _ClassVar[int]
    IS_CUSTOM_DASHBOARDS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_ANONYMOUS_USAGE_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_UI_ANONYMOUS_USAGE_ENABLED_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_LABELS_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    IS_AI_ENABLED_FIELD_NUMBER: _ClassVar[int]
    IS_BASIC_AUTH_INITIALIZED_FIELD_NUMBER: _ClassVar[int]
    IS_CONCURRENCY_VIEW_ENABLED_FIELD_NUMBER: _ClassVar[int]
    version: str
    edition: str
    commit_id: str
    is_custom_dashboards_enabled: bool
    is_anonymous_usage_enabled: bool
    is_ui_anonymous_usage_enabled: bool
    environment: Environment
    url: str
    preview: Preview
    system_namespace: str
    hidden_labels_prefixes: _containers.RepeatedScalarFieldContainer[str]
    is_ai_enabled: bool
    is_basic_auth_initialized: bool
    is_concurrency_view_enabled: bool
    def __init__(self, version: _Optional[str] = ..., edition: _Optional[str] = ..., commit_id: _Optional[str] = ..., is_custom_dashboards_enabled: _Optional[bool] = ..., is_anonymous_usage_enabled: _Optional[bool] = ..., is_ui_anonymous_usage_enabled: _Optional[bool] = ..., environment: _Optional[_Union[Environment, _Mapping]] = ..., url: _Optional[str] = ..., preview: _Optional[_Union[Preview, _Mapping]] = ..., system_namespace: _Optional[str] = ..., hidden_labels_prefixes: _Optional[_Iterable[str]] = ..., is_ai_enabled: _Optional[bool] = ..., is_basic_auth_initialized: _Optional[bool] = ..., is_concurrency_view_enabled: _Optional[bool] = ...) -> None: ...

class LoginConfiguration(_message.Message):
    __slots__ = ("is_basic_auth_initialized",)
    IS_BASIC_AUTH_INITIALIZED_FIELD_NUMBER: _ClassVar[int]
    is_basic_auth_initialized: bool
    def __init__(self, is_basic_auth_initialized: _Optional[bool] = ...) -> None: ...

class ServiceInstance(_message.Message):
    __slots__ = ("id", "type", "state", "hostname", "pid", "created_at", "updated_at", "version", "worker_group")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKER_GROUP_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: ServiceType
    state: ServiceState
    hostname: str
    pid: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: str
    worker_group: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[ServiceType, str]] = ..., state: _Optional[_Union[ServiceState, str]] = ..., hostname: _Optional[str] = ..., pid: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[str] = ..., worker_group: _Optional[str] = ...) -> None: ...
