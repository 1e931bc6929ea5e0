"""Prometheus metrics of every component, in the process-wide default registry."""

from __future__ import annotations

from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Seconds, from a fast RPC to a long task run.
_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 120, 600, 3600)

DECISIONS = Counter(
    "flowmesh_executor_decisions_total",
    "Executor messages applied, by what they did to the execution.",
    ["outcome"],  # changed, unchanged, conflict
)
EXECUTIONS_STARTED = Counter(
    "flowmesh_executor_executions_started_total", "Executions the executors moved out of CREATED."
)
EXECUTIONS_ENDED = Counter(
    "flowmesh_executor_executions_ended_total", "Executions the executors ended, by final state.", ["state"]
)
TASK_RUNS = Counter(
    "flowmesh_worker_task_runs_total", "Task run attempts a worker finished, by final state.", ["state"]
)
TASK_SECONDS = Histogram(
    "flowmesh_worker_task_run_seconds",
    "How long task run attempts ran on a worker.",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600),
)
WORKER_SLOTS = Gauge("flowmesh_worker_slots", "Tasks the workers of this process may run at once.")
WORKER_SLOTS_BUSY = Gauge("flowmesh_worker_slots_busy", "Tasks the workers of this process are running.")
SCHEDULER_LOOP_SECONDS = Histogram(
    "flowmesh_scheduler_loop_seconds",
    "One pass of the scheduler's loop over the due triggers.",
    buckets=_BUCKETS,
)
INDEXED = Counter("flowmesh_indexer_records_total", "Records the indexer wrote to the repository.", ["feed"])
INDEXER_LAG = Gauge(
    "flowmesh_indexer_lag_seconds",
    "Age of the newest record of the last batch the indexer wrote, when it was written.",
    ["feed"],
)
CONSUMER_PENDING = Gauge(
    "flowmesh_consumer_pending_messages",
    "Messages of a stream that a durable consumer has not delivered yet (its lag), read periodically.",
    ["stream", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "flowmesh_consumer_ack_pending_messages",
    "Messages a durable consumer delivered that are not acknowledged yet, read periodically.",
    ["stream", "consumer"],
)
HANDLER_FAILURES = Counter(
    "flowmesh_consumer_handler_failures_total",
    "Messages whose handler raised; each is retried after a delay.",
    ["subject_root"],
)
GRPC_REQUESTS = Counter(
    "flowmesh_grpc_server_requests_total", "gRPC calls served, by method and status code.", ["method", "code"]
)
GRPC_SECONDS = Histogram(
    "flowmesh_grpc_server_request_seconds", "How long gRPC calls took to serve.", ["method"], buckets=_BUCKETS
)
HTTP_REQUESTS = Counter(
    "flowmesh_http_requests_total",
    "REST calls the gateway answered, by method, route and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "flowmesh_http_request_seconds",
    "How long REST calls took to answer (until the headers).",
    ["method", "route"],
    buckets=_BUCKETS,
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> Callable[[], None]:
    """Serve /metrics over HTTP on port in a background thread; return what stops it."""
    server: WSGIServer
    server, thread = start_http_server(port, addr=host)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return stop
