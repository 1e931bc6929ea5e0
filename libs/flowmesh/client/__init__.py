"""A thin Python client of the flowmesh api over gRPC.

The generated stubs under `flowmesh.<area>.v1` are the API; `Client` opens the channel
(TLS optional), adds the token and a default deadline to each call, and exposes the stubs
with a few conveniences. It needs only the generated code, grpcio and the standard library.

    with Client("127.0.0.1:50051", token="...") as client:
        for flow in client.list_flows("company.team"):
            print(flow.namespace, flow.id, flow.revision)
"""

from __future__ import annotations

from flowmesh.client._channel import AUTHORIZATION
from flowmesh.client._client import DEFAULT_ADDRESS, DEFAULT_DEADLINE_SECONDS, Client
from flowmesh.client._errors import ApiProblem, problem_of

__all__ = [
    "AUTHORIZATION",
    "ApiProblem",
    "Client",
    "DEFAULT_ADDRESS",
    "DEFAULT_DEADLINE_SECONDS",
    "problem_of",
]
