"""The web UI: the files `make setup` builds from ui/ into UI_DIR, served at / with an SPA fallback.

Routes of the gateway (/api, /docs, /health, /metrics...) are added before and win; any other
GET is a file of the build, or index.html for the UI's own routes (/flows/..., /executions/...).
Without a build (the Python package installed without Node.js), / says how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

UI_DIR = Path(__file__).parent / "ui_dist"
# Prefixes that belong to the API: an unknown path under them is a 404, never the UI's page.
API_PREFIXES = ("api/", "metrics/")
NOT_BUILT = """<!doctype html><html><head><title>flowmesh</title></head><body>
<h1>flowmesh</h1><p>The web UI was not built. Run <code>make setup</code> with Node.js 20 and npm
installed (it builds <code>ui/</code> into <code>{folder}</code>), then restart the server.</p>
<p>The REST API is served: see <a href="/docs">/docs</a>.</p></body></html>"""


def install_ui(app: FastAPI, folder: Path = UI_DIR) -> None:
    """Serve the UI built in folder at /, after every route already added to app."""
    root = folder.resolve()

    async def page(path: str) -> Response:
        if path.startswith(API_PREFIXES) or path == "api":
            raise HTTPException(status_code=404)
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT.format(folder=folder), status_code=503)
        wanted = (root / path).resolve()
        if path and wanted.is_relative_to(root) and wanted.is_file():
            # Vite names the assets by their content hash: they never change under a name.
            immutable = wanted.parent.name == "assets"
            headers = {"Cache-Control": "public, max-age=31536000, immutable"} if immutable else None
            return FileResponse(wanted, headers=headers)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.add_api_route("/{path:path}", page, methods=["GET"], include_in_schema=False, name="ui")
