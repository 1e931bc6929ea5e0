from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_PUBLIC: _ClassVar[Action]
    ACTION_AUTHENTICATED: _ClassVar[Action]
    ACTION_SELF: _ClassVar[Action]
    ACTION_READ: _ClassVar[Action]
    ACTION_WRITE: _ClassVar[Action]
    ACTION_EXECUTE: _ClassVar[Action]
    ACTION_ADMIN: _ClassVar[Action]
ACTION_UNSPECIFIED: Action
ACTION_PUBLIC: Action
ACTION_AUTHENTICATED: Action
ACTION_SELF: Action
ACTION_READ: Action
ACTION_WRITE: Action
ACTION_EXECUTE: Action
ACTION_ADMIN: Action
ACTION_FIELD_NUMBER: _ClassVar[int]
action: _descriptor.FieldDescriptor
SCOPED_FIELD_NUMBER: _ClassVar[int]
scoped: _descriptor.FieldDescriptor
