from flowmesh.auth.v1 import auth_pb2 as _auth_pb2
from flowmesh.execution.v1 import execution_pb2 as _execution_pb2
from flowmesh.execution.v1 import execution_messages_pb2 as _execution_messages_pb2
from flowmesh.execution.v1 import execution_operations_pb2 as _execution_operations_pb2
from flowmesh.expression.v1 import expression_messages_pb2 as _expression_messages_pb2
from flowmesh.file.v1 import file_messages_pb2 as _file_messages_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
