from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvaluateExpressionRequest(_message.Message):
    __slots__ = ("tenant", "template", "variables", "recursive")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    template: str
    variables: _struct_pb2.Struct
    recursive: bool
    def __init__(self, tenant: _Optional[str] = ..., template: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., recursive: _Optional[bool] = ...) -> None: ...

class EvaluateExpressionResponse(_message.Message):
    __slots__ = ("result", "error")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    result: str
    error: str
    def __init__(self, result: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...
