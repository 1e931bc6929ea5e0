"""The repository of each backend, for the tests of what every backend must do."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from opensearchpy import AsyncOpenSearch

from flowmesh.config import Settings
from flowmesh.repository import RepositoryBackend, open_repository
from flowmesh.repository._opensearch_docs import MAPPINGS

# A cluster to test the OpenSearch repository against (credentials may be in the URL).
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")


@pytest.fixture(params=["postgres", "opensearch"])
def repository_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings of a new, empty repository: a fresh database, or indexes of a fresh prefix."""
    if request.param == "postgres":
        return Settings(postgres_dsn=request.getfixturevalue("pg_dsn_fresh"))
    if not OPENSEARCH_URL:
        pytest.skip("OPENSEARCH_URL not set")
    return Settings(
        repository_type="opensearch",
        opensearch_url=OPENSEARCH_URL,
        opensearch_index_prefix=f"test-{uuid.uuid4().hex[:16]}",
    )


@pytest.fixture
async def repo(repository_settings: Settings) -> AsyncIterator[RepositoryBackend]:
    """Yield a migrated repository of each backend; an OpenSearch one's indexes go afterwards."""
    repository = await open_repository(repository_settings)
    await repository.migrate()
    yield repository
    await repository.close()
    if repository_settings.repository_type == "opensearch":
        prefix = repository_settings.opensearch_index_prefix
        client = AsyncOpenSearch(hosts=[OPENSEARCH_URL])
        try:
            await client.indices.delete(index=",".join(f"{prefix}-{kind}" for kind in MAPPINGS))
        finally:
            await client.close()
