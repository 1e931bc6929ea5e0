from flowmesh.namespace.v1 import namespace_pb2 as _namespace_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchNamespacesRequest(_message.Message):
    __slots__ = ("tenant", "query", "existing", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    query: str
    existing: bool
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., query: _Optional[str] = ..., existing: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchNamespacesResponse(_message.Message):
    __slots__ = ("namespaces", "next_page_token", "total_size")
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedCompositeFieldContainer[_namespace_pb2.Namespace]
    next_page_token: str
    total_size: int
    def __init__(self, namespaces: _Optional[_Iterable[_Union[_namespace_pb2.Namespace, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetNamespaceRequest(_message.Message):
    __slots__ = ("tenant", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class AutocompleteNamespacesRequest(_message.Message):
    __slots__ = ("tenant", "q", "ids", "existing_only")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    EXISTING_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    q: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    existing_only: bool
    def __init__(self, tenant: _Optional[str] = ..., q: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., existing_only: _Optional[bool] = ...) -> None: ...

class AutocompleteNamespacesResponse(_message.Message):
    __slots__ = ("namespaces",)
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespaces: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchSecretsRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "query", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    query: str
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SecretMeta(_message.Message):
    __slots__ = ("key", "namespace")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    key: str
    namespace: str
    def __init__(self, key: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class SearchSecretsResponse(_message.Message):
    __slots__ = ("secrets", "next_page_token", "total_size")
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    secrets: _containers.RepeatedCompositeFieldContainer[SecretMeta]
    next_page_token: str
    total_size: int
    def __init__(self, secrets: _Optional[_Iterable[_Union[SecretMeta, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class PutSecretRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "key", "value", "description")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    key: str
    value: str
    description: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class PatchSecretRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "key", "description")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    key: str
    description: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., key: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class DeleteSecretRequest(_message.Message):
    __slots__ = ("tenant", "namespace", "key")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    key: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class DeleteSecretResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetInheritedSecretsRequest(_message.Message):
    __slots__ = ("tenant", "namespace")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    namespace: str
    def __init__(self, tenant: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class SecretKeys(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class InheritedSecrets(_message.Message):
    __slots__ = ("by_namespace",)
    class ByNamespaceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: SecretKeys
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[SecretKeys, _Mapping]] = ...) -> None: ...
    BY_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    by_namespace: _containers.MessageMap[str, SecretKeys]
    def __init__(self, by_namespace: _Optional[_Mapping[str, SecretKeys]] = ...) -> None: ...
