from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
