"""Names of the streams, subjects and buckets, and how each is configured."""

from __future__ import annotations

from dataclasses import replace

from nats.js.api import KeyValueConfig, RetentionPolicy, StorageType, StreamConfig

EXECUTOR_STREAM = "FLOWMESH_EXECUTOR"
JOBS_STREAM = "FLOWMESH_JOBS"
EVENTS_STREAM = "FLOWMESH_EVENTS"
LOGS_STREAM = "FLOWMESH_LOGS"
# Evaluations of polling triggers, for the workers of each group (PollTrigger).
POLLS_STREAM = "FLOWMESH_POLLS"
FLOWS_BUCKET = "flowmesh_flows"
EXECUTIONS_BUCKET = "flowmesh_executions"
# Per CreateExecution request_id: the execution it created, for REQUEST_ID_WINDOW seconds.
REQUEST_IDS_BUCKET = "flowmesh_request_ids"
REQUEST_ID_WINDOW = 24 * 3600.0
KILLED_BUCKET = "flowmesh_killed"
CONCURRENCY_BUCKET = "flowmesh_concurrency"
SERVICES_BUCKET = "flowmesh_services"
# How long a component instance's key outlives its last renewal (the services bucket's TTL).
SERVICE_PRESENCE_TTL = 15.0
# The user KV store (kv.* tasks, kv(), the KV API) and the state store (state.* tasks).
KV_BUCKET = "flowmesh_kv"
STATES_BUCKET = "flowmesh_states"
# What each Flow trigger's MultipleCondition has seen in its current window.
FLOW_TRIGGER_WINDOWS_BUCKET = "flowmesh_flow_trigger_windows"
# The scheduler's: per trigger its last and next dates; one create-only key per fire.
TRIGGERS_BUCKET = "flowmesh_triggers"
TRIGGER_FIRES_BUCKET = "flowmesh_trigger_fires"
# Which scheduler fires which partition of the triggers: members' keys and partitions' owners.
SCHEDULER_LEASES_BUCKET = "flowmesh_scheduler_leases"
# Users of basic auth and API tokens, hashed, shared by every api (flowmesh.auth).
AUTH_BUCKET = "flowmesh_auth"
# How long a fire's key stays: beyond it, the trigger's last date keeps the fire from coming again.
_FIRE_RETENTION = 7 * 24 * 3600.0

_DAY = 24 * 3600.0
_DEDUP_WINDOW = 120.0


def executor_subject(execution_id: str) -> str:
    return f"flowmesh.executor.{execution_id}"


def job_subject(worker_group: str) -> str:
    return f"flowmesh.jobs.{worker_group}"


def poll_subject(worker_group: str) -> str:
    return f"flowmesh.polls.{worker_group}"


def execution_event_subject(execution_id: str) -> str:
    return f"flowmesh.events.execution.{execution_id}"


def log_subject(execution_id: str) -> str:
    return f"flowmesh.logs.{execution_id}"


def flow_key(tenant: str, namespace: str, flow_id: str) -> str:
    """Return the flows bucket key; none of the three parts may hold a slash."""
    return f"{tenant}/{namespace}/{flow_id}"


def streams(retention_days: float = 7.0, replicas: int = 1) -> list[StreamConfig]:
    """Return the configuration of every stream flowmesh uses, each kept on `replicas` NATS nodes.

    Commands (executor input, worker jobs) are work queues: a message leaves once
    acked. Events and logs are kept for retention_days for indexers and followers.
    """
    return [
        _stream(EXECUTOR_STREAM, "flowmesh.executor.>", None, replicas),
        _stream(JOBS_STREAM, "flowmesh.jobs.>", None, replicas),
        _stream(POLLS_STREAM, "flowmesh.polls.>", None, replicas),
        _stream(EVENTS_STREAM, "flowmesh.events.>", retention_days * _DAY, replicas),
        _stream(LOGS_STREAM, "flowmesh.logs.>", retention_days * _DAY, replicas),
    ]


def _stream(name: str, subjects: str, max_age: float | None, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=[subjects],
        retention=RetentionPolicy.WORK_QUEUE if max_age is None else RetentionPolicy.LIMITS,
        max_age=max_age,
        storage=StorageType.FILE,
        duplicate_window=_DEDUP_WINDOW,
        num_replicas=replicas,
    )


def buckets(execution_retention_hours: float, replicas: int = 1) -> list[KeyValueConfig]:
    """Return the configuration of every KV bucket flowmesh uses, each kept on `replicas` NATS nodes."""
    return [replace(bucket, replicas=replicas) for bucket in _buckets(execution_retention_hours)]


def _buckets(execution_retention_hours: float) -> list[KeyValueConfig]:
    return [
        # The indexer reads the flows bucket's history to record every revision.
        KeyValueConfig(bucket=FLOWS_BUCKET, history=64, storage=StorageType.FILE),
        # One empty key per killed execution, so that workers can drop its jobs
        # without reading the execution itself.
        KeyValueConfig(bucket=KILLED_BUCKET, history=1, ttl=execution_retention_hours * 3600.0),
        # One key per running component instance (flowmesh.state.Services), renewed while it runs.
        KeyValueConfig(
            bucket=SERVICES_BUCKET, history=1, ttl=SERVICE_PRESENCE_TTL, storage=StorageType.MEMORY
        ),
        # Per flow with a concurrency limit: the executions running, and those queued in order.
        KeyValueConfig(bucket=CONCURRENCY_BUCKET, history=1, storage=StorageType.FILE),
        # Entries with a TTL carry it per message (nats-py creates buckets allowing that).
        KeyValueConfig(bucket=KV_BUCKET, history=1, storage=StorageType.FILE),
        KeyValueConfig(bucket=STATES_BUCKET, history=1, storage=StorageType.FILE),
        KeyValueConfig(bucket=FLOW_TRIGGER_WINDOWS_BUCKET, history=1, storage=StorageType.FILE),
        KeyValueConfig(bucket=TRIGGERS_BUCKET, history=1, storage=StorageType.FILE),
        KeyValueConfig(bucket=TRIGGER_FIRES_BUCKET, history=1, ttl=_FIRE_RETENTION, storage=StorageType.FILE),
        # Rewritten every second or so, and worth nothing after a restart of NATS: in memory.
        KeyValueConfig(bucket=SCHEDULER_LEASES_BUCKET, history=1, storage=StorageType.MEMORY),
        KeyValueConfig(bucket=AUTH_BUCKET, history=1, storage=StorageType.FILE),
        KeyValueConfig(bucket=REQUEST_IDS_BUCKET, history=1, ttl=REQUEST_ID_WINDOW, storage=StorageType.FILE),
        KeyValueConfig(
            bucket=EXECUTIONS_BUCKET,
            history=1,
            ttl=execution_retention_hours * 3600.0,
            storage=StorageType.FILE,
        ),
    ]
