"""The OpenSearch repository: one index per kind of record, written with external versions.

Needs the `opensearch` extra (opensearch-py with aiohttp).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import NotFoundError, OpenSearchException, TransportError

from flowmesh.execution.v1 import execution_pb2
from flowmesh.flow.v1 import flow_pb2
from flowmesh.log.v1 import log_pb2
from flowmesh.repository import _opensearch_queries as q
from flowmesh.repository._errors import InvalidRecord, RepositoryUnavailable
from flowmesh.repository._filters import ExecutionQuery, LogQuery
from flowmesh.repository._interface import RepositoryBackend
from flowmesh.repository._opensearch_docs import (
    MAPPINGS,
    Doc,
    decode,
    doc_id,
    execution_doc,
    flow_doc,
    flow_versions,
    index_body,
    log_doc,
    task_run_doc,
)
from flowmesh.repository._stats import DailyStats
from flowmesh.telemetry import get_logger

log = get_logger("repository")

# A logs search counts at most this many matches, as the PostgreSQL one does.
LOG_COUNT_LIMIT = 10_000
# Documents read per request when a read goes through every match (search_after).
SCAN_PAGE = 1000
# Executions whose task runs and logs go in one delete_by_query of the purge, at most.
_TERMS_CHUNK = 10_000


def _unavailable(status: object) -> bool:
    """Whether an HTTP status says "try later" rather than "this record is refused".

    No answer, overload (429), server faults (5xx), credentials refused (401, 403), and an
    index that is missing (404: not migrated, or being restored): none of them is the
    record's fault, and the indexer must not drop records for them.
    """
    return not isinstance(status, int) or status in (401, 403, 404, 429) or status >= 500


@contextmanager
def translate_errors() -> Iterator[None]:
    """Raise RepositoryUnavailable (see _unavailable) or InvalidRecord (another 4xx)."""
    try:
        yield
    except (ClientConnectionError, OSError) as exc:
        raise RepositoryUnavailable(str(exc) or type(exc).__name__) from exc
    except TransportError as exc:
        if _unavailable(exc.status_code):
            raise RepositoryUnavailable(str(exc)) from exc
        raise InvalidRecord(str(exc)) from exc
    except (OpenSearchException, ValueError, OverflowError) as exc:
        raise InvalidRecord(str(exc)) from exc


def check_bulk(response: Mapping[str, Any]) -> None:
    """Raise for the items of a bulk answer that failed, except conflicts and deletes of nothing.

    A conflict (409) is an older version, or the same one again, of what is stored: the
    write has nothing to do. Any item the cluster could not take now makes the whole batch
    RepositoryUnavailable (the batch is tried again, idempotently); otherwise an item it
    refused makes it InvalidRecord.
    """
    if not response.get("errors"):
        return
    refused = []
    for item in response["items"]:
        result = next(iter(item.values()))
        status = result.get("status", 0)
        if status < 300 or status == 409 or result.get("result") == "not_found":
            continue
        if _unavailable(status):
            raise RepositoryUnavailable(f"bulk write: {result.get('error')}")
        refused.append(f"{result.get('_id')}: {result.get('error')}")
    if refused:
        raise InvalidRecord("refused: " + "; ".join(refused))


class OpenSearchRepository:
    """Flows, executions, task runs and logs in OpenSearch indexes named `<prefix>-<kind>`."""

    def __init__(self, client: AsyncOpenSearch, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        prefix: str = "flowmesh",
        username: str | None = None,
        password: str | None = None,
        request_timeout: float = 30.0,
    ) -> OpenSearchRepository:
        """Make a client of the cluster at url; raise RepositoryUnavailable when it does not answer."""
        auth = (username, password or "") if username else None
        client = AsyncOpenSearch(hosts=[url], http_auth=auth, timeout=request_timeout, max_retries=0)
        repository = cls(client, prefix)
        try:
            await repository.ping()
        except RepositoryUnavailable:
            await client.close()
            raise
        return repository

    def _index(self, suffix: str) -> str:
        return f"{self._prefix}-{suffix}"

    async def close(self) -> None:
        await self._client.close()

    async def migrate(self) -> None:
        """Create the indexes that are missing and add new fields to those that exist.

        Safe when several processes start at once: an index made meanwhile is taken as is.
        """
        with translate_errors():
            for suffix in MAPPINGS:
                index = self._index(suffix)
                if await self._client.indices.exists(index=index):
                    await self._client.indices.put_mapping(index=index, body=index_body(suffix)["mappings"])
                    continue
                try:
                    await self._client.indices.create(index=index, body=index_body(suffix))
                    log.info("index_created", index=index)
                except TransportError as exc:
                    if "resource_already_exists_exception" not in str(exc.error):
                        raise

    async def ping(self) -> None:
        with translate_errors():
            await self._client.info()

    async def _bulk(self, actions: list[Doc]) -> None:
        """Send (action, document) lines; visible to searches once this returns."""
        if not actions:
            return
        with translate_errors():
            response = await self._client.bulk(body=actions, refresh="wait_for")
        check_bulk(response)

    def _versioned(self, suffix: str, doc_key: str, version: int, doc: Doc) -> list[Doc]:
        # External versions: the write goes in only when its version is above the stored one.
        action = {
            "_index": self._index(suffix),
            "_id": doc_key,
            "version": version,
            "version_type": "external",
        }
        return [{"index": action}, doc]

    async def save_flows(self, flows: Sequence[flow_pb2.Flow]) -> None:
        """Record flow revisions; saving a revision again is a no-op, except to delete it."""
        actions: list[Doc] = []
        with translate_errors():
            for flow in flows:
                doc = flow_doc(flow)
                of_revision, of_latest = flow_versions(flow)
                revision = doc_id(flow.tenant_id, flow.namespace, flow.id, flow.revision)
                actions += self._versioned("flow-revisions", revision, of_revision, doc)
                latest = doc_id(flow.tenant_id, flow.namespace, flow.id)
                actions += self._versioned("flows", latest, of_latest, doc)
        await self._bulk(actions)

    async def save_executions(self, executions: Sequence[execution_pb2.Execution]) -> None:
        """Record execution events: each document keeps the highest version it has seen."""
        actions: list[Doc] = []
        with translate_errors():
            for execution in executions:
                key = doc_id(execution.tenant_id, execution.id)
                actions += self._versioned("executions", key, execution.version, execution_doc(execution))
                for run in execution.task_runs:
                    doc = task_run_doc(execution, run)
                    run_key = doc_id(execution.tenant_id, execution.id, run.id)
                    actions += self._versioned("task-runs", run_key, doc["version"], doc)
        await self._bulk(actions)

    async def save_logs(self, entries: Sequence[log_pb2.LogEntry]) -> None:
        """Record log entries; an id seen before is ignored (a create that conflicts)."""
        actions: list[Doc] = []
        with translate_errors():
            for entry in entries:
                actions += [{"create": {"_index": self._index("logs"), "_id": entry.id}}, log_doc(entry)]
        await self._bulk(actions)

    async def _get(self, suffix: str, key: str) -> Doc | None:
        with translate_errors():
            try:
                found = await self._client.get(index=self._index(suffix), id=key)
            except NotFoundError as exc:
                if isinstance(exc.info, dict) and exc.info.get("found") is False:
                    return None
                raise
        source: Doc = found["_source"]
        return source

    async def _search(self, suffix: str, body: Doc) -> Doc:
        with translate_errors():
            response: Doc = await self._client.search(index=self._index(suffix), body=body)
        return response

    async def _page(
        self, suffix: str, query: Doc, sort: list[Doc], offset: int, limit: int, track: bool | int
    ) -> tuple[list[Doc], int]:
        body = {
            "query": query,
            "sort": sort,
            "from": max(offset, 0),
            "size": max(limit, 0),
            "track_total_hits": track,
            "_source": ["value"],
        }
        response = await self._search(suffix, body)
        hits = response["hits"]
        return [hit["_source"] for hit in hits["hits"]], int(hits["total"]["value"])

    async def _scan(self, suffix: str, query: Doc, sort: list[Doc], fields: list[str]) -> AsyncIterator[Doc]:
        """Yield the _source of every match in sort order (sort must end on a unique field)."""
        after: list[Any] | None = None
        while True:
            body: Doc = {"query": query, "sort": sort, "size": SCAN_PAGE, "_source": fields}
            if after is not None:
                body["search_after"] = after
            hits = (await self._search(suffix, body))["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < SCAN_PAGE:
                return
            after = hits[-1]["sort"]

    async def _delete(self, suffix: str, query: Doc) -> int:
        with translate_errors():
            done = await self._client.delete_by_query(
                index=self._index(suffix), body={"query": query}, conflicts="proceed", refresh=True
            )
        return int(done["deleted"])

    async def get_flow(
        self,
        tenant: str,
        namespace: str,
        flow_id: str,
        revision: int = 0,
        *,
        allow_deleted: bool = False,
    ) -> flow_pb2.Flow | None:
        """Return a flow revision (0: the latest), or None when missing or deleted."""
        if revision:
            doc = await self._get("flow-revisions", doc_id(tenant, namespace, flow_id, revision))
        else:
            doc = await self._get("flows", doc_id(tenant, namespace, flow_id))
        if doc is None or (doc["deleted"] and not allow_deleted):
            return None
        flow: flow_pb2.Flow = decode(doc, flow_pb2.Flow())
        return flow

    async def list_flows(
        self,
        tenant: str,
        *,
        namespace: str = "",
        query: str = "",
        labels: Sequence[tuple[str, str]] = (),
        offset: int = 0,
        limit: int = 25,
        readable_namespaces: tuple[str, ...] = (),
    ) -> tuple[list[flow_pb2.Flow], int]:
        """Return a page of the latest revision of each flow not deleted, and the total.

        labels: only flows whose latest revision has every one of them.
        """
        sort = [{"namespace": "asc"}, {"id": "asc"}]
        search = q.flows_query(tenant, namespace, query, readable_namespaces, labels)
        docs, total = await self._page("flows", search, sort, offset, limit, True)
        return [decode(doc, flow_pb2.Flow()) for doc in docs], total

    async def get_execution(
        self, tenant: str, execution_id: str, *, allow_deleted: bool = False
    ) -> execution_pb2.Execution | None:
        """Return an execution with all its task runs in position order, or None."""
        doc = await self._get("executions", doc_id(tenant, execution_id))
        if doc is None or (doc["deleted"] and not allow_deleted):
            return None
        execution: execution_pb2.Execution = decode(doc, execution_pb2.Execution())
        runs = q.all_of([q.term("tenant_id", tenant), q.term("execution_id", execution_id)])
        sort = [{"position": "asc"}, {"id": "asc"}]
        async for run in self._scan("task-runs", runs, sort, ["value"]):
            decode(run, execution.task_runs.add())
        return execution

    async def search_executions(
        self, tenant: str, query: ExecutionQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[execution_pb2.Execution], int]:
        """Return a page of the executions matching query (not deleted, no task runs), and the total."""
        docs, total = await self._page(
            "executions",
            q.execution_query(tenant, query),
            q.execution_sort(query.sort),
            offset,
            limit,
            True,
        )
        return [decode(doc, execution_pb2.Execution()) for doc in docs], total

    async def list_logs(
        self,
        tenant: str,
        execution_id: str,
        *,
        min_level: int = 0,
        task_run_id: str = "",
        task_id: str = "",
    ) -> list[log_pb2.LogEntry]:
        """Return an execution's log entries at min_level or above, oldest first."""
        query = LogQuery(
            execution_id=execution_id, min_level=min_level, task_run_id=task_run_id, task_id=task_id
        )
        found = self._scan("logs", q.all_of(q.log_filters(tenant, query)), q.log_sort(False), ["value"])
        return [decode(doc, log_pb2.LogEntry()) async for doc in found]

    async def search_logs(
        self, tenant: str, query: LogQuery, *, offset: int = 0, limit: int = 25
    ) -> tuple[list[log_pb2.LogEntry], int]:
        """Return a page of the log entries matching query, and the total up to LOG_COUNT_LIMIT."""
        docs, total = await self._page(
            "logs",
            q.all_of(q.log_filters(tenant, query)),
            q.log_sort(query.descending),
            offset,
            limit,
            LOG_COUNT_LIMIT,
        )
        return [decode(doc, log_pb2.LogEntry()) for doc in docs], total

    async def delete_logs(self, tenant: str, query: LogQuery, *, attempt: int | None = None) -> int:
        """Delete the log entries matching query (and attempt, when given); return how many."""
        filters = q.log_filters(tenant, query)
        if attempt is not None:
            filters.append(q.term("attempt_number", attempt))
        return await self._delete("logs", q.all_of(filters))

    async def delete_execution_logs(self, tenant: str, execution_id: str) -> int:
        """Delete every log entry of an execution; return how many went."""
        return await self._delete("logs", q.executions_of([(tenant, execution_id)]))

    async def delete_flow_logs(self, tenant: str, namespace: str, flow_id: str, trigger_id: str = "") -> int:
        """Delete the logs of a flow's executions (those its trigger started, when given)."""
        flow = [q.term("tenant_id", tenant), q.term("namespace", namespace), q.term("flow_id", flow_id)]
        if not trigger_id:
            return await self._delete("logs", q.all_of(flow))
        started = q.all_of([*flow, q.term("trigger_id", trigger_id)])
        ids = [doc["id"] async for doc in self._scan("executions", started, [{"id": "asc"}], ["id"])]
        deleted = 0
        for start in range(0, len(ids), _TERMS_CHUNK):
            chunk = ids[start : start + _TERMS_CHUNK]
            deleted += await self._delete("logs", q.executions_of((tenant, one) for one in chunk))
        return deleted

    async def purge_ended(self, before: datetime, *, batch: int = 1000) -> int:
        """Delete executions ended before `before`, with their task runs and logs; return how many.

        Each batch deletes the task runs and logs first, then the executions: a purge cut
        short leaves executions that the next one finds again.
        """
        purged = 0
        ended = {"range": {"end_date": {"lt": before.isoformat()}}}
        while True:
            body = {"query": ended, "size": batch, "sort": ["_doc"], "_source": ["tenant_id", "id"]}
            hits = (await self._search("executions", body))["hits"]["hits"]
            if not hits:
                return purged
            pairs = [(hit["_source"]["tenant_id"], hit["_source"]["id"]) for hit in hits]
            await self._delete("task-runs", q.executions_of(pairs))
            await self._delete("logs", q.executions_of(pairs))
            gone = [{"delete": {"_index": self._index("executions"), "_id": hit["_id"]}} for hit in hits]
            await self._bulk(gone)
            purged += len(hits)
            if len(hits) < batch:
                return purged

    async def daily_statistics(
        self,
        tenant: str,
        table: str,
        *,
        start: datetime,
        end: datetime,
        namespace: str = "",
        flow_id: str = "",
        by_flow: bool = False,
        readable_namespaces: tuple[str, ...] = (),
    ) -> list[DailyStats]:
        """Return counts per state and durations of what started each day in [start, end)."""
        suffix = {"executions": "executions", "task_runs": "task-runs"}[table]
        query = q.daily_query(table, tenant, namespace, flow_id, start, end, readable_namespaces)
        found: list[DailyStats] = []
        after = None
        while True:
            body = {"size": 0, "query": query, "aggs": q.daily_aggregation(by_flow=by_flow, after=after)}
            days = (await self._search(suffix, body))["aggregations"]["days"]
            found += q.daily_stats(days["buckets"])
            after = days.get("after_key")
            if len(days["buckets"]) < q.DAILY_PAGE or after is None:
                return found

    async def latest_executions(
        self, tenant: str, flows: Sequence[tuple[str, str]]
    ) -> list[execution_pb2.Execution]:
        """Return the newest execution of each (namespace, flow id) that has one."""
        if not flows:
            return []
        response = await self._search("executions", q.latest_body(tenant, flows))
        return [decode(doc, execution_pb2.Execution()) for doc in q.latest_sources(response)]


# The class must keep satisfying the interface the services are written against.
_: type[RepositoryBackend] = OpenSearchRepository
