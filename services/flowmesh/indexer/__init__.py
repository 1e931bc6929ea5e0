"""The indexer: copies flows, execution events and logs from JetStream into the repository."""

from __future__ import annotations

from flowmesh.indexer._retention import Retention, purge_once
from flowmesh.indexer._service import Indexer

__all__ = ["Indexer", "Retention", "purge_once"]
