"""Authentication and roles through the gateway's REST API, as curl would call it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import API, YAML, standalone
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "e2e-admin-pa55word"
VIEWER_PASSWORD = "e2e-viewer-pa55word"
ADMIN = ("admin", ADMIN_PASSWORD)
VIEWER = ("viewer", VIEWER_PASSWORD)
FLOW = """
id: hooked
namespace: company.team
tasks:
  - id: hi
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: a-webhook-key
"""


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    """A standalone server with auth on, its first admin from the settings, and a viewer of `company`."""
    work = tmp_path_factory.mktemp("auth")
    env = {
        "FLOWMESH_AUTH_ENABLED": "true",
        "FLOWMESH_AUTH_ADMIN_USER": "admin",
        "FLOWMESH_AUTH_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    async with standalone(work, env=env) as http:
        deployed = await http.post(f"{API}/flows", content=FLOW, headers=YAML, auth=ADMIN)
        assert deployed.status_code == 200, deployed.text
        viewer = {
            "id": "viewer",
            "password": VIEWER_PASSWORD,
            "grants": [{"role": "ROLE_VIEWER", "namespace": "company"}],
        }
        created = await http.post("/api/v1/users", json=viewer, auth=ADMIN)
        assert created.status_code == 200, created.text
        assert "password" not in created.json()
        yield http, work / "standalone.log"


async def test_a_call_without_credentials_gets_401_and_public_routes_answer(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, _ = server
    anonymous = await http.get(f"{API}/flows/company.team/hooked")
    assert anonymous.status_code == 401
    assert anonymous.json()["status"] == "UNAUTHENTICATED"
    assert anonymous.json()["reason"] == "CREDENTIALS_MISSING"
    wrong = await http.get(f"{API}/flows/company.team/hooked", auth=("admin", "not-the-password"))
    assert (wrong.status_code, wrong.json()["reason"]) == (401, "CREDENTIALS_INVALID")
    assert (await http.get("/health")).status_code == 200
    # A webhook's key is its credential.
    hooked = await http.post(f"{API}/executions/webhook/company.team/hooked/a-webhook-key", json={"a": 1})
    assert hooked.status_code == 200, hooked.text
    assert hooked.json()["namespace"] == "company.team"
    # A follow stream is refused before it opens, as any other call.
    follow = await http.get(f"{API}/executions/{hooked.json()['id']}/follow")
    assert (follow.status_code, follow.json()["reason"]) == (401, "CREDENTIALS_MISSING")


async def test_a_viewer_reads_its_namespace_s_children_and_is_forbidden_the_rest(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, _ = server
    got = await http.get(f"{API}/flows/company.team/hooked", auth=VIEWER)
    assert got.status_code == 200, got.text
    assert got.json()["id"] == "hooked"
    denied = await http.post(
        f"{API}/flows", content=FLOW.replace("hooked", "other"), headers=YAML, auth=VIEWER
    )
    assert denied.status_code == 403, denied.text
    assert (denied.json()["status"], denied.json()["reason"]) == ("PERMISSION_DENIED", "PERMISSION_DENIED")
    elsewhere = await http.get(f"{API}/flows/elsewhere/hooked", auth=VIEWER)
    assert elsewhere.status_code == 403
    users = await http.get("/api/v1/users", auth=VIEWER)
    assert users.status_code == 403
    everyone = await http.get("/api/v1/users", auth=ADMIN)
    assert sorted(user["id"] for user in everyone.json()["results"]) == ["admin", "viewer"]


async def test_a_token_is_shown_once_works_as_bearer_and_stops_when_revoked(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, log = server
    made = await http.post("/api/v1/me/api-tokens", json={"name": "ci", "description": "for CI"}, auth=VIEWER)
    assert made.status_code == 200, made.text
    token = made.json()["fullToken"]
    bearer = {"Authorization": f"Bearer {token}"}
    got = await http.get(f"{API}/flows/company.team/hooked", headers=bearer)
    assert got.status_code == 200, got.text

    listed = await http.get("/api/v1/me/api-tokens", headers=bearer)
    assert listed.status_code == 200
    [described] = listed.json()["results"]
    assert (described["id"], described["name"], described["description"]) == (
        made.json()["id"],
        "ci",
        "for CI",
    )
    assert "fullToken" not in described
    assert token not in listed.text

    revoked = await http.delete(f"/api/v1/me/api-tokens/{made.json()['id']}", auth=VIEWER)
    assert revoked.status_code in (200, 204), revoked.text
    after = await http.get(f"{API}/flows/company.team/hooked", headers=bearer)
    assert after.status_code == 401

    text = log.read_text()
    assert "api_token_created" in text
    for secret in (token, token.split("_", 2)[2], ADMIN_PASSWORD, VIEWER_PASSWORD):
        assert secret not in text


async def test_searches_show_each_user_the_records_of_its_namespaces_only(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, _ = server
    other = FLOW.replace("company.team", "other").replace("a-webhook-key", "another-key")
    assert (await http.post(f"{API}/flows", content=other, headers=YAML, auth=ADMIN)).status_code == 200
    for namespace in ("company.team", "other"):
        ran = await http.post(f"{API}/executions/{namespace}/hooked", params={"wait": "true"}, auth=ADMIN)
        assert ran.status_code == 200, ran.text
    for user, namespace in (("outsider", "other"), ("nobody", "")):
        grants = [{"role": "ROLE_VIEWER", "namespace": namespace}] if namespace else []
        made = await http.post(
            "/api/v1/users", json={"id": user, "password": VIEWER_PASSWORD, "grants": grants}, auth=ADMIN
        )
        assert made.status_code == 200, made.text

    async def namespaces_seen(path: str, auth: tuple[str, str]) -> set[str]:
        response = await http.get(f"{API}/{path}", params={"size": 100}, auth=auth)
        assert response.status_code == 200, response.text
        return {item["namespace"] for item in response.json()["results"]}

    async def indexed() -> bool:
        executions = await namespaces_seen("executions/search", ADMIN)
        logs = await namespaces_seen("logs/search", ADMIN)
        return executions == logs == {"company.team", "other"}

    await eventually(indexed, within=30, what="both namespaces' executions and logs indexed")
    for path in ("executions/search", "logs/search", "flows/search"):
        assert await namespaces_seen(path, VIEWER) == {"company.team"}, path
        assert await namespaces_seen(path, ("outsider", VIEWER_PASSWORD)) == {"other"}, path
        assert await namespaces_seen(path, ("nobody", VIEWER_PASSWORD)) == set(), path
    triggers = await http.get(f"{API}/triggers/search", auth=("outsider", VIEWER_PASSWORD))
    assert {item["state"]["namespace"] for item in triggers.json()["results"]} == {"other"}
    # Naming a namespace of someone else's is still forbidden, not an empty page.
    theirs = await http.get(f"{API}/executions/search", params={"namespace": "other"}, auth=VIEWER)
    assert theirs.status_code == 403
    # A bulk action by query touches only what the caller may change.
    nothing = await http.delete(f"{API}/executions/by-query", auth=("nobody", VIEWER_PASSWORD))
    assert (nothing.status_code, nothing.json()["count"]) == (200, 0), nothing.text
    editor = {
        "id": "editor",
        "password": VIEWER_PASSWORD,
        "grants": [{"role": "ROLE_EDITOR", "namespace": "other"}],
    }
    assert (await http.post("/api/v1/users", json=editor, auth=ADMIN)).status_code == 200
    deleted = await http.delete(f"{API}/executions/by-query", auth=("editor", VIEWER_PASSWORD))
    assert (deleted.status_code, deleted.json()["count"]) == (200, 1), deleted.text

    async def only_company_left() -> bool:
        return await namespaces_seen("executions/search", ADMIN) == {"company.team"}

    await eventually(only_company_left, within=30, what="the other namespace's execution deleted alone")


async def test_a_user_changes_its_password_and_a_token_shows_when_it_expires(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, _ = server
    user = {"id": "changer", "password": VIEWER_PASSWORD, "grants": []}
    assert (await http.post("/api/v1/users", json=user, auth=ADMIN)).status_code == 200
    wrong = {"oldPassword": "not-it-at-all", "newPassword": "a-brand-new-pa55word"}
    refused = await http.put("/api/v1/me/password", json=wrong, auth=("changer", VIEWER_PASSWORD))
    assert (refused.status_code, refused.json()["reason"]) == (422, "PASSWORD_WRONG"), refused.text
    assert refused.json()["violations"][0]["path"] == "old_password"
    right = {"oldPassword": VIEWER_PASSWORD, "newPassword": "a-brand-new-pa55word"}
    changed = await http.put("/api/v1/me/password", json=right, auth=("changer", VIEWER_PASSWORD))
    assert changed.status_code in (200, 204), changed.text
    new = ("changer", "a-brand-new-pa55word")
    assert (await http.get("/api/v1/me/api-tokens", auth=("changer", VIEWER_PASSWORD))).status_code == 401
    made = await http.post("/api/v1/me/api-tokens", json={"name": "week", "maxAge": "P7D"}, auth=new)
    assert made.status_code == 200, made.text
    [listed] = (await http.get("/api/v1/me/api-tokens", auth=new)).json()["results"]
    assert listed["exp"] > listed["iat"]
    assert listed.get("expired", False) is False
    for secret in ("a-brand-new-pa55word", made.json()["fullToken"]):
        assert secret not in (await http.get("/api/v1/me/api-tokens", auth=new)).text


async def test_a_session_cookie_acts_as_its_user_until_logout_revokes_it(
    server: tuple[httpx.AsyncClient, Path],
) -> None:
    http, log = server
    login_configuration = await http.get("/api/v1/configs/login")  # public: the login page asks first
    assert login_configuration.json() == {"isBasicAuthInitialized": True}
    assert (await http.get("/api/v1/configs", auth=VIEWER)).json()["isBasicAuthInitialized"] is True

    refused = await http.post("/api/v1/login", json={"username": "viewer", "password": "not-it-at-all"})
    assert (refused.status_code, refused.json()["reason"]) == (401, "CREDENTIALS_INVALID")
    assert "set-cookie" not in refused.headers
    signed_in = await http.post("/api/v1/login", json={"username": "viewer", "password": VIEWER_PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.cookies["flowmesh_session"]
    http.cookies.clear()  # the module's client stays anonymous: this test sends the cookie itself
    assert token not in signed_in.text
    session = {"Cookie": f"flowmesh_session={token}"}

    # The viewer's roles, as with any of its credentials.
    assert (await http.get(f"{API}/flows/company.team/hooked", headers=session)).status_code == 200
    elsewhere = await http.get(f"{API}/flows/other/hooked", headers=session)
    assert elsewhere.status_code == 403, elsewhere.text
    tokens = (await http.get("/api/v1/me/api-tokens", auth=VIEWER)).json()["results"]
    [made] = [t for t in tokens if t["name"] == "ui-session"]
    lasts = datetime.fromisoformat(made["exp"]) - datetime.fromisoformat(made["iat"])
    assert lasts == timedelta(hours=12)

    logged_out = await http.post("/api/v1/logout", headers=session)
    assert logged_out.status_code == 200, logged_out.text
    assert logged_out.cookies.get("flowmesh_session") is None
    kept = await http.get(f"{API}/flows/company.team/hooked", headers=session)
    assert (kept.status_code, kept.json()["reason"]) == (401, "CREDENTIALS_INVALID")
    listed = await http.get("/api/v1/me/api-tokens", auth=VIEWER)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"results": [], "total": 0}
    text = log.read_text()
    for secret in (token, token.split("_", 2)[2], VIEWER_PASSWORD, "not-it-at-all"):
        assert secret not in text
