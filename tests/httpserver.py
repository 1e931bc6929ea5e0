"""A real HTTP server for the HTTP tasks' tests: Starlette under uvicorn, on a free loopback port.

Routes:
- `/echo` (any method): the request as JSON: method, headers, query and body (text).
- `/form`: the parsed form (URL-encoded or multipart): its fields and its files.
- `/status/{code}?size=N`: answers code with a body of N bytes (`x`), or a short text.
- `/redirect`: 302 to `/echo`.
- `/slow?seconds=S`: answers after S seconds.
- `/basic`: 200 only for `Authorization: Basic` with user `ann` and password `s3cret`.
- `/digest`: the same for RFC 7616 digest authentication (MD5, qop auth).
- `/bytes?size=N`: N bytes of `pattern(N)`, streamed in chunks, with a Content-Length.
- `/attachment`: a body whose Content-Disposition names the file `report 1.csv`.
- `/empty`: 200 with no body.
- `/counted/{name}?code=C&seconds=S`: counts its calls by name in HITS (and in MOST_AT_ONCE the
  most under way at once), answers C (200) after S seconds (0) with the JSON
  `{"name": name, "hits": n}` and a header `X-Hits: n`.

forward_proxy() is a plain HTTP forward proxy, with basic proxy authentication.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import parse_http_list, parse_keqv_list

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from flowmesh.embedded import free_port
from tests.waiting import eventually

USER, PASSWORD = "ann", "s3cret"
_CHUNK = 64 * 1024
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# The calls /counted/{name} has had, by name (the server runs in the tests' process).
HITS: Counter[str] = Counter()
MOST_AT_ONCE: Counter[str] = Counter()
_AT_ONCE: Counter[str] = Counter()


def pattern(size: int) -> bytes:
    """Return the size bytes /bytes sends: a hash chain, so that no two chunks are alike."""
    blocks = []
    block = b"flowmesh"
    for _ in range(size // 32 + 1):
        block = hashlib.sha256(block).digest()
        blocks.append(block)
    return b"".join(blocks)[:size]


async def _echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "headers": dict(request.headers),
            "query": dict(request.query_params),
            "body": body.decode(errors="replace"),
        }
    )


async def _form(request: Request) -> Response:
    fields: dict[str, str] = {}
    files: dict[str, dict[str, str]] = {}
    async with request.form() as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                files[name] = {
                    "filename": value.filename or "",
                    "content": content.decode(errors="replace"),
                    "contentType": value.content_type or "",
                }
            else:
                fields[name] = value
    return JSONResponse(
        {"contentType": request.headers.get("content-type", ""), "fields": fields, "files": files}
    )


async def _status(request: Request) -> Response:
    code = int(request.path_params["code"])
    size = request.query_params.get("size")
    body = "x" * int(size) if size else f"status {code} from the server"
    return PlainTextResponse(body, status_code=code)


async def _counted(request: Request) -> Response:
    name = request.path_params["name"]
    HITS[name] += 1
    hits = HITS[name]
    _AT_ONCE[name] += 1
    MOST_AT_ONCE[name] = max(MOST_AT_ONCE[name], _AT_ONCE[name])
    try:
        await asyncio.sleep(float(request.query_params.get("seconds", "0")))
    finally:
        _AT_ONCE[name] -= 1
    code = int(request.query_params.get("code", "200"))
    return JSONResponse({"name": name, "hits": hits}, status_code=code, headers={"X-Hits": str(hits)})


async def _redirect(request: Request) -> Response:
    return RedirectResponse("/echo", status_code=302)


async def _slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "2")))
    return PlainTextResponse("finally")


async def _basic(request: Request) -> Response:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return PlainTextResponse(
            "who are you?", status_code=401, headers={"WWW-Authenticate": 'Basic realm="t"'}
        )
    return PlainTextResponse(f"hello {USER}")


async def _digest(request: Request) -> Response:
    realm, nonce = "t", "n0nce"
    header = request.headers.get("authorization", "")
    if header.startswith("Digest "):
        given = parse_keqv_list(parse_http_list(header.removeprefix("Digest ")))
        ha1 = _md5(f"{USER}:{realm}:{PASSWORD}")
        ha2 = _md5(f"{request.method}:{given.get('uri')}")
        expected = _md5(f"{ha1}:{nonce}:{given.get('nc')}:{given.get('cnonce')}:auth:{ha2}")
        if given.get("username") == USER and given.get("response") == expected:
            return PlainTextResponse(f"hello {USER}")
    challenge = f'Digest realm="{realm}", qop="auth", nonce="{nonce}", algorithm=MD5'
    return PlainTextResponse("who are you?", status_code=401, headers={"WWW-Authenticate": challenge})


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


async def _bytes(request: Request) -> Response:
    size = int(request.query_params["size"])
    data = pattern(size)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, size, _CHUNK):
            yield data[start : start + _CHUNK]

    return StreamingResponse(
        chunks(), media_type="application/octet-stream", headers={"Content-Length": str(size)}
    )


async def _attachment(request: Request) -> Response:
    return PlainTextResponse(
        "a,b\n1,2\n", headers={"Content-Disposition": 'attachment; filename="../../report 1.csv"'}
    )


async def _empty(request: Request) -> Response:
    return Response(status_code=200)


APP = Starlette(
    routes=[
        Route("/echo", _echo, methods=_METHODS),
        Route("/form", _form, methods=["POST", "PUT"]),
        Route("/status/{code:int}", _status, methods=_METHODS),
        Route("/redirect", _redirect, methods=_METHODS),
        Route("/counted/{name}", _counted, methods=_METHODS),
        Route("/slow", _slow),
        Route("/basic", _basic),
        Route("/digest", _digest),
        Route("/bytes", _bytes),
        Route("/attachment", _attachment),
        Route("/empty", _empty),
    ]
)


@asynccontextmanager
async def http_server(certificate: Path | None = None) -> AsyncIterator[str]:
    """Serve APP on a free loopback port in this event loop; yield its base URL.

    With certificate (a PEM file holding the key and the certificate chain), over HTTPS.
    """
    port = free_port()
    config = uvicorn.Config(
        APP,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ssl_certfile=str(certificate) if certificate else None,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())

    async def up() -> bool:
        if serving.done():
            serving.result()  # raises why it stopped
        return server.started

    try:
        await eventually(up, within=10, what="the test HTTP server is up")
        yield f"{'https' if certificate else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@asynccontextmanager
async def forward_proxy(user: str, password: str) -> AsyncIterator[tuple[int, list[str]]]:
    """Run an HTTP forward proxy on a free loopback port; yield its port and the URIs it forwarded.

    A request without `Proxy-Authorization: Basic` for user and password gets a 407. Each
    request goes upstream on a connection of its own, closed after the response.
    """
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    forwarded: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.split("\r\n")
            method, target, _ = request_line.split(" ")
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines if line]
            given = {name.lower(): value for name, value in headers}
            if given.get("proxy-authorization") != expected:
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n"
                             b"Proxy-Authenticate: Basic realm=p\r\nConnection: close\r\n\r\n")  # fmt: skip
                return
            body = await reader.readexactly(int(given.get("content-length", "0")))
            url = urlsplit(target)
            forwarded.append(target)
            upstream_reader, upstream_writer = await asyncio.open_connection(url.hostname, url.port)
            kept = [f"{name}: {value}" for name, value in headers if name.lower() not in _HOP_BY_HOP]
            path = url.path + (f"?{url.query}" if url.query else "")
            upstream_writer.write(
                "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close", "", ""]).encode(
                    "latin-1"
                )
                + body
            )
            writer.write(await upstream_reader.read())
            upstream_writer.close()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], forwarded


# Headers for the proxy itself, or for one connection: never sent upstream.
_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})
