"""How the OpenSearch repository reports failures: RepositoryUnavailable or InvalidRecord."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, RequestError, TransportError
from pydantic import ValidationError

from flowmesh.config import Settings
from flowmesh.embedded import free_port
from flowmesh.repository import InvalidRecord, RepositoryUnavailable, open_repository
from flowmesh.repository._opensearch import check_bulk, translate_errors


def bulk(*items: tuple[str, int, dict[str, Any] | None]) -> dict[str, Any]:
    """Return a bulk answer of (action, status, error) items."""
    answers = []
    for action, status, error in items:
        answer: dict[str, Any] = {"_id": f"id-{len(answers)}", "status": status}
        if error:
            answer["error"] = error
        if action == "delete" and status == 404:
            answer["result"] = "not_found"
        answers.append({action: answer})
    return {"errors": any(status >= 300 for _, status, _ in items), "items": answers}


CONFLICT = {"type": "version_conflict_engine_exception"}
MAPPING = {"type": "mapper_parsing_exception", "reason": "failed to parse field [level]"}
REJECTED = {"type": "es_rejected_execution_exception"}


def test_older_versions_and_gone_documents_are_no_failure() -> None:
    check_bulk(bulk(("index", 201, None), ("index", 409, CONFLICT), ("create", 409, CONFLICT)))
    check_bulk(bulk(("delete", 200, None), ("delete", 404, None)))


def test_a_refused_document_is_an_invalid_record_naming_it() -> None:
    with pytest.raises(InvalidRecord, match=r"id-1.*mapper_parsing_exception"):
        check_bulk(bulk(("index", 201, None), ("index", 400, MAPPING), ("index", 409, CONFLICT)))


@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_an_overloaded_failing_or_unmigrated_cluster_is_unavailable(status: int) -> None:
    # Even beside a refused document: the batch is tried again, whole.
    with pytest.raises(RepositoryUnavailable):
        check_bulk(bulk(("index", 400, MAPPING), ("index", status, REJECTED)))


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ClientConnectionError("N/A", "refused", OSError()), RepositoryUnavailable),
        (ConnectionTimeout("TIMEOUT", "timed out", None), RepositoryUnavailable),
        (TransportError(503, "unavailable", {}), RepositoryUnavailable),
        (TransportError(429, "too many requests", {}), RepositoryUnavailable),
        (TransportError(401, "security_exception", {}), RepositoryUnavailable),
        (RequestError(400, "mapper_parsing_exception", {}), InvalidRecord),
        (NotFoundError(404, "index_not_found_exception", {}), RepositoryUnavailable),
    ],
)
def test_client_errors_map_onto_the_repository_errors(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected), translate_errors():
        raise raised


async def test_a_cluster_that_does_not_answer_is_unavailable() -> None:
    settings = Settings(
        repository_type="opensearch",
        opensearch_url=f"http://127.0.0.1:{free_port()}",
        opensearch_timeout_seconds=5,
    )
    with pytest.raises(RepositoryUnavailable):
        await open_repository(settings)


def test_postgresql_stays_the_default_and_index_prefixes_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWMESH_REPOSITORY_TYPE", raising=False)
    assert Settings().repository_type == "postgres"
    with pytest.raises(ValidationError, match="opensearch_index_prefix"):
        Settings(opensearch_index_prefix="Flow*mesh")
