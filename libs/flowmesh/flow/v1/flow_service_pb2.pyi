from flowmesh.auth.v1 import auth_pb2 as _auth_pb2
from flowmesh.file.v1 import file_messages_pb2 as _file_messages_pb2
from flowmesh.flow.v1 import flow_pb2 as _flow_pb2
from flowmesh.flow.v1 import flow_messages_pb2 as _flow_messages_pb2
from flowmesh.flow.v1 import graph_pb2 as _graph_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
