from flowmesh.auth.v1 import auth_pb2 as _auth_pb2
from flowmesh.namespace.v1 import namespace_pb2 as _namespace_pb2
from flowmesh.namespace.v1 import namespace_messages_pb2 as _namespace_messages_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
