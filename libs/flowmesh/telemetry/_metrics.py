"""Prometheus metrics of every component, in the process-wide default registry."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

DECISIONS = Counter(
    "flowmesh_executor_decisions_total",
    "Executor messages applied, by what they did to the execution.",
    ["outcome"],  # changed, unchanged, conflict
)
TASK_RUNS = Counter(
    "flowmesh_worker_task_runs_total", "Task run attempts a worker finished, by final state.", ["state"]
)
TASK_SECONDS = Histogram(
    "flowmesh_worker_task_run_seconds",
    "How long task run attempts ran on a worker.",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600),
)
INDEXED = Counter("flowmesh_indexer_records_total", "Records the indexer wrote to the repository.", ["feed"])
HANDLER_FAILURES = Counter(
    "flowmesh_consumer_handler_failures_total",
    "Messages whose handler raised; each is retried after a delay.",
    ["subject_root"],
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Serve /metrics over HTTP on port in a background thread."""
    start_http_server(port, addr=host)
