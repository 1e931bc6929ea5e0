"""Namespace secrets through the standalone server's REST API: names from its environment, never values."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.harness import API, standalone

pytestmark = pytest.mark.e2e

VALUES = {"SECRET_DB_PASSWORD": base64.b64encode(b"hunter2").decode(), "FLOWMESH_SECRET_API_TOKEN": "t0ken"}


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with standalone(tmp_path_factory.mktemp("secrets"), env=VALUES) as http:
        yield http


async def test_a_namespace_lists_the_names_of_the_secrets_the_api_has(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/namespaces/company.team/secrets")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "readOnly": True,
        "results": [
            {"key": "API_TOKEN", "namespace": "company.team", "tags": []},
            {"key": "DB_PASSWORD", "namespace": "company.team", "tags": []},
        ],
        "total": 2,
    }
    assert "hunter2" not in response.text
    assert "t0ken" not in response.text


async def test_the_search_of_all_namespaces_pages_and_filters_names(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/secrets", params={"filters[q][EQUALS]": "db", "size": 1})
    assert response.status_code == 200, response.text
    assert response.json()["results"] == [{"key": "DB_PASSWORD", "namespace": None, "tags": []}]
    second = await client.get(f"{API}/secrets", params={"page": 2, "size": 1})
    assert [item["key"] for item in second.json()["results"]] == ["DB_PASSWORD"]
    assert second.json()["total"] == 2


async def test_a_malformed_namespace_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/namespaces/company team/secrets")
    assert response.status_code == 422, response.text
    assert [violation["path"] for violation in response.json()["violations"]] == ["namespace"]


@pytest.mark.parametrize(
    ("verb", "path", "body"),
    [
        ("PUT", "namespaces/company.team/secrets", {"key": "NEW", "value": "v"}),
        ("PATCH", "namespaces/company.team/secrets/DB_PASSWORD", {"description": "d"}),
        ("DELETE", "namespaces/company.team/secrets/DB_PASSWORD", None),
    ],
)
async def test_writing_a_secret_is_refused_saying_they_come_from_the_environment(
    client: httpx.AsyncClient, verb: str, path: str, body: dict[str, str] | None
) -> None:
    response = await client.request(verb, f"{API}/{path}", json=body)
    assert response.status_code == 409, response.text
    error = response.json()
    assert error["reason"] == "SECRETS_READ_ONLY"
    assert "environment" in error["message"]
    listed = await client.get(f"{API}/namespaces/company.team/secrets")
    assert [item["key"] for item in listed.json()["results"]] == ["API_TOKEN", "DB_PASSWORD"]


async def test_a_namespace_inherits_no_secret_every_one_is_its_own(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/namespaces/company.team/inherited-secrets")
    assert response.status_code == 200, response.text
    assert response.json() == {}
    malformed = await client.get(f"{API}/namespaces/-company/inherited-secrets")
    assert malformed.status_code == 422, malformed.text
    assert [violation["path"] for violation in malformed.json()["violations"]] == ["namespace"]
