"""The web UI's files at /: built assets, the SPA fallback to index.html, and the API's paths first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from flowmesh.gateway._errors import install_error_handlers
from flowmesh.gateway._ui import install_ui

INDEX = "<!doctype html><div id=root></div>"


def _app(folder: Path) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_api_route("/api/v1/main/flows/search", lambda: {"results": [], "total": 0}, methods=["GET"])
    app.add_api_route("/health", lambda: {"status": "UP"}, methods=["GET"])
    install_ui(app, folder)
    return app


@pytest.fixture
async def built(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("not served")
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


@pytest.mark.parametrize("path", ["/", "/flows", "/flows/demo/hello", "/executions/abc"])
async def test_the_pages_of_the_ui_are_its_index(built: httpx.AsyncClient, path: str) -> None:
    response = await built.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


async def test_an_asset_is_served_with_a_long_cache(built: httpx.AsyncClient) -> None:
    response = await built.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]


async def test_the_routes_of_the_gateway_win(built: httpx.AsyncClient) -> None:
    assert (await built.get("/api/v1/main/flows/search")).json() == {"results": [], "total": 0}
    assert (await built.get("/health")).json() == {"status": "UP"}


@pytest.mark.parametrize("path", ["/api/v1/main/nothing", "/api", "/metrics/x"])
async def test_an_unknown_api_path_is_a_404_not_the_ui(built: httpx.AsyncClient, path: str) -> None:
    response = await built.get(path)
    assert response.status_code == 404
    assert response.json()["status"] == "NOT_FOUND"


async def test_no_file_outside_the_build_is_served(built: httpx.AsyncClient) -> None:
    response = await built.get("/..%2Fsecret.txt")
    assert response.text == INDEX


async def test_without_a_build_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path / "missing"))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        response = await http.get("/flows")
    assert response.status_code == 503
    assert "make setup" in response.text
