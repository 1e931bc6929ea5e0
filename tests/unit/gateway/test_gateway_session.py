"""The UI's session: login makes a token that the cookie carries, a Bearer to the api; logout revokes it."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi import FastAPI
from gateway_fakes import PASSWORD, SESSION_TOKEN, USER, FakeApi
from structlog.testing import capture_logs

from flowmesh.auth.v1.auth_messages_pb2 import ApiToken
from flowmesh.gateway._session import SESSION_AGE, SESSION_COOKIE

SESSION = {"Cookie": f"{SESSION_COOKIE}={SESSION_TOKEN}"}


def session_cookie(answer: httpx.Response) -> SimpleCookie:
    """Return the Set-Cookie of the session cookie an answer sets (failing when it sets none)."""
    headers = answer.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    cookie = SimpleCookie(headers[0])
    assert SESSION_COOKIE in cookie, headers
    return cookie


async def test_login_sets_an_http_only_strict_cookie_holding_a_token_made_with_the_credentials(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post("/api/v1/login", json={"username": USER, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"username": USER}
    morsel = session_cookie(answer)[SESSION_COOKIE]
    assert morsel.value == SESSION_TOKEN
    assert (morsel["httponly"], morsel["samesite"], morsel["path"]) == (True, "strict", "/")
    assert morsel["max-age"] == str(int(SESSION_AGE.total_seconds()))
    assert not morsel["secure"]  # plain http: a Secure cookie would never come back
    made = fake_api.last("CreateApiToken")
    assert (made.name, made.max_age, made.user_id) == ("ui-session", "PT43200S", "")


async def test_a_login_deletes_the_user_s_expired_sessions_and_nothing_else(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    fake_api.tokens = [
        ApiToken(id="00000000000000e1", name="ui-session", expired=True),
        ApiToken(id="00000000000000e2", name="ui-session", expired=False),
        ApiToken(id="00000000000000e3", name="ci", expired=True),
    ]
    answer = await client.post("/api/v1/login", json={"username": USER, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    deleted = [request.token_id for method, request in fake_api.requests if method == "DeleteApiToken"]
    assert deleted == ["00000000000000e1"]
    assert fake_api.metadata["ListApiTokens"]["authorization"] == f"Bearer {SESSION_TOKEN}"


async def test_a_login_over_https_sets_a_secure_cookie(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway") as http:
        answer = await http.post("/api/v1/login", json={"username": USER, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert session_cookie(answer)[SESSION_COOKIE]["secure"] is True


async def test_a_wrong_password_is_a_401_that_sets_nothing(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/login", json={"username": USER, "password": "not-the-password"})
    assert answer.status_code == 401
    assert (answer.json()["message"], answer.json()["reason"]) == (
        "wrong username or password",
        "CREDENTIALS_INVALID",
    )
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize("missing", ["username", "password"])
async def test_a_login_without_a_username_or_password_names_what_is_missing(
    client: httpx.AsyncClient, fake_api: FakeApi, missing: str
) -> None:
    body = {"username": USER, "password": PASSWORD} | {missing: ""}
    answer = await client.post("/api/v1/login", json=body)
    assert answer.status_code == 400
    assert answer.json()["violations"] == [{"path": missing, "message": f"{missing} is required to sign in"}]
    assert not fake_api.requests


async def test_with_auth_off_there_is_nothing_to_sign_in_to(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    fake_api.auth_enabled = False
    configuration = await client.get("/api/v1/configs/login")
    assert configuration.json() == {"isBasicAuthInitialized": False}
    answer = await client.post("/api/v1/login", json={"username": USER, "password": PASSWORD})
    assert (answer.status_code, answer.json()["reason"]) == (400, "AUTH_DISABLED")
    assert "set-cookie" not in answer.headers
    assert not any(method == "CreateApiToken" for method, _ in fake_api.requests)


async def test_the_cookie_reaches_the_api_as_a_bearer_token_on_calls_and_streams(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.get("/api/v1/main/executions/exec1", headers=SESSION)
    assert answer.status_code == 200
    assert fake_api.metadata["GetExecution"]["authorization"] == f"Bearer {SESSION_TOKEN}"
    # EventSource sends no Authorization header: the cookie is what authenticates a stream.
    stream = await client.get("/api/v1/main/executions/exec1/follow", headers=SESSION)
    assert stream.status_code == 200
    assert fake_api.metadata["FollowExecution"]["authorization"] == f"Bearer {SESSION_TOKEN}"


async def test_an_authorization_header_wins_over_the_cookie(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    headers = SESSION | {"Authorization": "Bearer fm_fedcba9876543210_another"}
    await client.get("/api/v1/main/executions/exec1", headers=headers)
    assert fake_api.metadata["GetExecution"]["authorization"] == "Bearer fm_fedcba9876543210_another"


async def test_a_cookie_grpc_cannot_carry_is_a_401(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    unprintable = {"Cookie": f"{SESSION_COOKIE}=caf\x7f"}
    answer = await client.get("/api/v1/main/executions/exec1", headers=unprintable)
    assert (answer.status_code, answer.json()["violations"][0]["path"]) == (401, SESSION_COOKIE)
    assert not fake_api.requests


async def test_logout_revokes_the_session_s_token_and_clears_the_cookie(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    answer = await client.post("/api/v1/logout", headers=SESSION)
    assert answer.status_code == 200, answer.text
    revoked = fake_api.last("DeleteApiToken")
    assert (revoked.token_id, revoked.user_id) == ("0123456789abcdef", "")
    assert fake_api.metadata["DeleteApiToken"]["authorization"] == f"Bearer {SESSION_TOKEN}"
    morsel = session_cookie(answer)[SESSION_COOKIE]
    assert (morsel.value, morsel["max-age"]) == ("", "0")


async def test_logout_of_a_session_already_over_still_clears_the_cookie(
    client: httpx.AsyncClient, fake_api: FakeApi
) -> None:
    revoked = {"Cookie": f"{SESSION_COOKIE}=fm_0123456789abcdef_revoked-already"}
    answer = await client.post("/api/v1/logout", headers=revoked)
    assert answer.status_code == 200, answer.text
    assert session_cookie(answer)[SESSION_COOKIE]["max-age"] == "0"
    without = await client.post("/api/v1/logout")
    assert without.status_code == 200
    assert [method for method, _ in fake_api.requests] == ["DeleteApiToken"]


async def test_the_token_is_never_logged_nor_in_a_body(client: httpx.AsyncClient) -> None:
    with capture_logs() as events:
        login = await client.post("/api/v1/login", json={"username": USER, "password": PASSWORD})
        call = await client.get("/api/v1/main/executions/exec1", headers=SESSION)
        logout = await client.post("/api/v1/logout", headers=SESSION)
        refused = await client.post("/api/v1/login", json={"username": PASSWORD, "password": PASSWORD})
    assert events, "the gateway logged nothing: the check would prove nothing"
    assert {"login", "logout", "login_refused"} <= {event["event"] for event in events}
    for answer in (login, call, logout, refused):
        assert SESSION_TOKEN not in answer.text
    secret = SESSION_TOKEN.rsplit("_", 1)[1]
    assert not [event for event in events if secret in repr(event) or PASSWORD in repr(event)]
