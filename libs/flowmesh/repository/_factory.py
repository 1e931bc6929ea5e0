"""The one place a repository is made from the settings."""

from __future__ import annotations

from flowmesh.config import Settings
from flowmesh.repository._interface import RepositoryBackend
from flowmesh.repository._postgres import Repository, ensure_database


async def open_repository(settings: Settings) -> RepositoryBackend:
    """Connect to the repository the settings choose (its schema is not migrated here).

    PostgreSQL: the database of postgres_dsn, created when missing. OpenSearch: the cluster
    at opensearch_url; the client library is imported only then, as it is an optional extra.
    """
    if settings.repository_type == "opensearch":
        from flowmesh.repository._opensearch import OpenSearchRepository

        password = settings.opensearch_password
        return await OpenSearchRepository.connect(
            settings.opensearch_url,
            prefix=settings.opensearch_index_prefix,
            username=settings.opensearch_username,
            password=password.get_secret_value() if password else None,
            request_timeout=settings.opensearch_timeout_seconds,
        )
    await ensure_database(settings.postgres_dsn)
    return await Repository.connect(settings.postgres_dsn)
