"""buf plugin that writes gRPC Python stubs with grpcio-tools' own protoc.

buf has no builtin for grpc_python and grpcio-tools ships no plugin binary, so
this runs grpc_tools.protoc in-process on the descriptors buf hands over.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    descriptors = descriptor_pb2.FileDescriptorSet(file=request.proto_file)
    with tempfile.TemporaryDirectory() as tmp:
        descriptor_path = Path(tmp) / "in.binpb"
        descriptor_path.write_bytes(descriptors.SerializeToString())
        out = Path(tmp) / "out"
        out.mkdir()
        option = f"{request.parameter}:" if request.parameter else ""
        rc = protoc.main(
            [
                "protoc",
                f"--descriptor_set_in={descriptor_path}",
                f"--grpc_python_out={option}{out}",
                *request.file_to_generate,
            ]
        )
        if rc != 0:
            response.error = f"grpc_tools.protoc exited with {rc}"
        else:
            for path in sorted(out.rglob("*.py")):
                response.file.add(name=str(path.relative_to(out)), content=path.read_text())
    sys.stdout.buffer.write(response.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
