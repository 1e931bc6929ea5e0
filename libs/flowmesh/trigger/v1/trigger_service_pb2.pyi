from flowmesh.auth.v1 import auth_pb2 as _auth_pb2
from flowmesh.file.v1 import file_messages_pb2 as _file_messages_pb2
from flowmesh.trigger.v1 import trigger_pb2 as _trigger_pb2
from flowmesh.trigger.v1 import trigger_messages_pb2 as _trigger_messages_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
