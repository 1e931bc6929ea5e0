"""REST routes made from the services' ``google.api.http`` rules.

Each rule gives a method and a path template; path variables and query parameters fill
request fields, and the body fills the field the rule names (or the whole request for
``*``). Server-streaming RPCs become SSE endpoints. Kestra's spellings (``page``/``size``,
``q``, ``state``, ``key:value`` labels) come from _kestra.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, cast

import structlog
from fastapi import FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import (
    FieldDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from starlette.datastructures import UploadFile

from flowmesh.gateway import _kestra
from flowmesh.gateway._body import copy_call, read_body
from flowmesh.gateway._client import ApiClient
from flowmesh.gateway._errors import ERROR_RESPONSES
from flowmesh.gateway._files import FILE_CHUNK, download, upload
from flowmesh.gateway._openapi import operation_extra
from flowmesh.gateway._params import (
    IDENTIFIER_PATTERN,
    IDENTIFIERS,
    QueryParam,
    apply_filters,
    apply_query,
    query_params,
    set_field,
)
from flowmesh.gateway._session import credentials
from flowmesh.gateway._stream import follow

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import MethodOptions
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

log = structlog.get_logger(component="gateway")

DISCONNECT_POLL_SECONDS = 1.0
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:=[^}]*)?\}")
_REQUEST = "_http_request"
# google.api's stubs type the extension as a bare FieldDescriptor, which Extensions[] refuses.
_HTTP_RULE = cast("_ExtensionFieldDescriptor[MethodOptions, http_pb2.HttpRule]", annotations_pb2.http)


@dataclass(frozen=True)
class RouteSpec:
    """One RPC as a REST route."""

    method: MethodDescriptor
    verb: str
    path: str  # the FastAPI path, variables named by their camelCase JSON names
    path_fields: tuple[tuple[str, FieldDescriptor], ...]
    body: str  # "" (no body), "*" (the whole request) or a field name
    params: tuple[QueryParam, ...]
    # The OpenAPI operation id: the RPC's name, then the verb for another verb on its path, or
    # the binding's place for another path (an additional binding: `ListExecutions2`).
    operation_id: str = ""

    @property
    def rpc(self) -> str:
        """Return the gRPC method path."""
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_class(self) -> type[Message]:
        """Return the request message class."""
        return GetMessageClass(self.method.input_type)

    @property
    def response_class(self) -> type[Message]:
        """Return the response message class."""
        return GetMessageClass(self.method.output_type)


def discover(services: Iterable[ServiceDescriptor]) -> list[RouteSpec]:
    """Return the routes of every annotated method, literal path segments first."""
    specs = []
    for service in services:
        for method in service.methods:
            main = method.GetOptions().Extensions[_HTTP_RULE]
            main_path = ""
            for place, rule in enumerate((main, *main.additional_bindings), start=1):
                verb = rule.WhichOneof("pattern")
                if verb is None or verb == "custom":
                    continue
                spec = _spec(method, verb, getattr(rule, verb), rule.body)
                if rule is main:
                    main_path, operation_id = spec.path, method.name
                elif spec.path == main_path:
                    operation_id = f"{method.name}{verb.capitalize()}"
                else:
                    operation_id = f"{method.name}{place}"
                specs.append(replace(spec, operation_id=operation_id))
    # Starlette takes the first match: /executions/search must come before /executions/{id}.
    return sorted(specs, key=lambda s: [seg.startswith("{") for seg in s.path.split("/")])


def _spec(method: MethodDescriptor, verb: str, template: str, body: str) -> RouteSpec:
    fields = method.input_type.fields_by_name
    path_fields = []
    for name in _VARIABLE.findall(template):
        if name not in fields:
            raise ValueError(f"{method.full_name}: path variable {{{name}}} is not a request field")
        path_fields.append((fields[name].json_name, fields[name]))
    path = _VARIABLE.sub(lambda m: f"{{{fields[m.group(1)].json_name}}}", template)
    body = _kestra.BODY_FIELDS.get(method.input_type.full_name, body)
    taken = {field.name for _, field in path_fields} | ({body} if body else set())
    params = () if body == "*" else query_params(method.input_type, taken)
    return RouteSpec(method, verb.upper(), path, tuple(path_fields), body, params)


def add_routes(app: FastAPI, specs: Iterable[RouteSpec], client: ApiClient, *, default_tenant: str) -> None:
    """Add one FastAPI route per spec, calling the api through client."""
    for spec in specs:
        service = spec.method.containing_service.name
        app.add_api_route(
            spec.path,
            _endpoint(spec, client, default_tenant),
            methods=[spec.verb],
            name=spec.method.name,
            operation_id=spec.operation_id,
            summary=re.sub(r"(?<!^)([A-Z])", r" \1", spec.method.name).capitalize(),
            tags=[service.removesuffix("Service") + "s"],
            # Files and streams answer their own media types (operation_extra says which).
            response_class=Response if spec.method.server_streaming else JSONResponse,
            status_code=200 if spec.method.output_type.fields else 204,
            responses=ERROR_RESPONSES,
            openapi_extra=operation_extra(spec),
        )


def _endpoint(spec: RouteSpec, client: ApiClient, default_tenant: str) -> Callable[..., Awaitable[Response]]:
    """Return the handler of a route; its signature tells FastAPI the parameters."""
    request_class = spec.request_class
    response_class = spec.response_class

    async def endpoint(**kwargs: Any) -> Response:
        http_request: Request = kwargs.pop(_REQUEST)
        metadata: tuple[tuple[str, str], ...] = ()
        # The trace goes on in the metadata (the channel's TracingClientInterceptor).
        # The api authenticates and authorizes every call: the gateway passes the credentials on.
        # A browser's session (its cookie) stands for a token: streams need it, EventSource
        # sending no header.
        authorization = credentials(http_request)
        if authorization is not None:
            metadata += (("authorization", authorization),)
        message = request_class()
        if spec.body:
            tenant = next((kwargs[n] for n, f in spec.path_fields if f.name == "tenant"), default_tenant)

            async def upload_part(part: UploadFile) -> str:
                return await upload(client, tenant, part, metadata)

            await read_body(http_request, message, spec.body, upload_part)
        apply_query(message, spec.params, kwargs)
        apply_filters(message, spec.params, http_request.query_params.multi_items())
        # Last, so that a body cannot name another tenant or object than the path does.
        for name, field in spec.path_fields:
            set_field(message, field, kwargs[name], name)
        if message.DESCRIPTOR.full_name in _kestra.RAW_CALL_REQUESTS:
            copy_call(http_request, message)
        for name in _kestra.HEADER_FIELDS.get(message.DESCRIPTOR.full_name, ()):
            if name in http_request.headers:
                setattr(message, name, http_request.headers[name])
        if spec.method.output_type.full_name == FILE_CHUNK:
            return await download(client, spec.rpc, message, metadata=metadata)
        if spec.method.server_streaming:
            return await follow(client, spec.rpc, message, response_class, metadata=metadata)
        # A request that waits for the end of what it starts is a long call: the long
        # deadline, and it ends early when its client goes away.
        if getattr(message, "wait", False) is True or message.DESCRIPTOR.full_name in _kestra.LONG_CALLS:
            call = client.unary(
                spec.rpc,
                message,
                response_class,
                seconds=client.wait_timeout,
                metadata=metadata,
                long=True,
            )
            response = await _unless_disconnected(http_request, call)
            if response is None:
                return Response(status_code=499)
        else:
            response = await client.unary(
                spec.rpc, message, response_class, seconds=client.call_timeout, metadata=metadata
            )
        content = _kestra.to_kestra(response)
        if content is None:
            return Response(status_code=204)
        # An answer may set its own status and ask for text (a waiting webhook's).
        status = getattr(response, "http_status", 0) or 200
        if getattr(response, "content_type", "") == "text/plain":
            text = content if isinstance(content, str) else json.dumps(content, separators=(",", ":"))
            return PlainTextResponse(text, status_code=status)
        return JSONResponse(content, status_code=status)

    endpoint.__signature__ = _signature(spec, default_tenant)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.method.name
    return endpoint


async def _unless_disconnected(http_request: Request, call: Coroutine[Any, Any, Message]) -> Message | None:
    """Await call, cancelling it (and returning None) if the client disconnects first."""
    task = asyncio.ensure_future(call)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=DISCONNECT_POLL_SECONDS)
            if not task.done() and await http_request.is_disconnected():
                log.info("client_went_away", path=http_request.url.path)
                return None
        return task.result()
    finally:
        task.cancel()


def _signature(spec: RouteSpec, default_tenant: str) -> inspect.Signature:
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter(_REQUEST, keyword, annotation=Request)]
    for name, field in spec.path_fields:
        documented = {"pattern": IDENTIFIER_PATTERN} if field.name in IDENTIFIERS else None
        examples = [default_tenant] if field.name == "tenant" else None
        path = Path(examples=examples, json_schema_extra=documented)
        parameters.append(inspect.Parameter(name, keyword, annotation=Annotated[str, path]))
    parameters += [
        inspect.Parameter(p.key, keyword, default=None, annotation=p.annotation) for p in spec.params
    ]
    return inspect.Signature(parameters)
