from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)


class Settings(BaseSettings):
    """What a flowmesh process needs to know; every field is FLOWMESH_<NAME> in the environment."""

    # Each field's docstring is its description: docs/configuration.md is made from them
    # (`make docs`), and a test fails when a field has none or the file is stale.
    model_config = SettingsConfigDict(env_prefix="FLOWMESH_", extra="forbid", use_attribute_docstrings=True)

    nats_url: str = "nats://127.0.0.1:4222"
    """The NATS server, or the servers of a cluster separated by commas (ignored by standalone,
    which embeds one)."""
    nats_replicas: int = Field(default=1, ge=1, le=5)
    """On how many NATS servers each stream and KV bucket is kept (3 in a cluster of 3 or more);
    a component refuses to start when the cluster has fewer servers."""
    nats_durable: bool = True
    """Durable mode: refuse to start unless every NATS server of `nats_monitor_url` reports that
    it syncs each JetStream write to disk (`sync_interval: always`)."""
    nats_monitor_url: str = ""
    """The HTTP monitoring URLs of the NATS servers (`http://host:8222`), comma-separated, where
    durable mode reads how they sync; empty: the check cannot be made and is only warned about."""
    postgres_dsn: str = "postgresql://postgres@127.0.0.1:5432/flowmesh"
    """The repository's PostgreSQL database, created if missing."""
    data_dir: Path = Path(".flowmesh")
    """Standalone's NATS and PostgreSQL data, script tasks' working directories, and local
    internal storage (`<data_dir>/storage`)."""
    host: str = "127.0.0.1"
    """The address the gateway's HTTP, the health and the metrics ports listen on."""
    port: int = 8080
    """The gateway's HTTP port."""
    api_address: str = "127.0.0.1:50051"
    """Where the api serves gRPC (its health service included) and where the gateway calls it."""
    gateway_call_timeout_seconds: float = Field(default=30.0, gt=0)
    """The deadline the gateway gives each gRPC call to the api (a 504 past it)."""
    gateway_wait_timeout_seconds: float = Field(default=3600.0, gt=0)
    """The deadline of calls that wait for an execution to end (`?wait=true`, a webhook's
    `wait`). Follow streams and uploads have none."""
    health_port: int = 0
    """The gRPC health port of components other than the api (0: a free one)."""
    metrics_port: int = 0
    """The port of Prometheus /metrics of components other than the gateway, which serves its
    own at /metrics (0: none)."""
    tenant: str = "main"
    """The tenant of REST paths that name none."""
    worker_group: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]+$")
    """The worker group whose jobs a worker takes: tasks whose `workerGroup.key` names it
    (`default`: tasks without one). The pattern is flowmesh.plugins.WORKER_GROUP_PATTERN."""
    worker_concurrency: int = Field(default=8, ge=1)
    """Tasks a worker runs at once."""
    worker_ack_wait_seconds: float = Field(default=30.0, gt=0)
    """How long a job may go without an ack or a progress signal before it goes to another worker."""
    worker_grace_period_seconds: float = Field(default=25.0, ge=0)
    """How long a stopping worker lets its running tasks finish before it cancels them and hands
    their jobs back (Kestra's terminationGracePeriod). Under the 30 s that Kubernetes gives a pod
    by default, so that jobs are handed back before a SIGKILL."""
    script_cpu_seconds: int | None = Field(default=3600, ge=0)
    """CPU seconds each process of a script task run may use (0: no limit)."""
    script_memory_mb: int | None = Field(default=4096, ge=0)
    """Address space of each process of a script task run, in MiB (0: no limit)."""
    script_max_processes: int | None = Field(default=256, ge=0)
    """Processes a script task run may have at once, its whole tree (0: no limit)."""
    script_warm_processes: int = Field(default=2, ge=0)
    """Script launchers (interpreters) a worker keeps started ahead of need."""
    script_python: str | None = None
    """The Python that script tasks' venvs are made from (unset: the worker's own)."""
    executor_concurrency: int = Field(default=32, ge=1)
    """Events an executor applies at once."""
    scheduler_tick_seconds: float = Field(default=1.0, gt=0)
    """The longest wait between two looks of the scheduler at the deployed flows (fires are on
    time regardless)."""
    scheduler_partitions: int = Field(default=32, ge=1)
    """Partitions of the triggers that the running schedulers split between them (the same on
    every scheduler)."""
    scheduler_lease_ttl_seconds: float = Field(default=10.0, gt=0)
    """Silence after which a scheduler counts as gone and its partitions are taken over."""
    scheduler_concurrency: int = Field(default=64, ge=1)
    """Fires a scheduler has under way at once (each claims its date, stores the execution,
    records the date)."""
    indexer_batch_size: int = Field(default=500, ge=1)
    """Rows per repository write."""
    execution_retention_hours: float = Field(default=168.0, gt=0)
    """How long ended executions stay in the executions bucket after their last change."""
    repository_retention_hours: float = Field(default=0.0, ge=0)
    """How long ended executions, their task runs and their logs stay in the repository after
    they end (0: for ever); the indexer purges older ones."""
    repository_purge_interval_seconds: float = Field(default=3600.0, gt=0)
    """How often the indexer runs that purge (at its start, then at this interval)."""
    repository_type: Literal["postgres", "opensearch"] = "postgres"
    """Where that history is kept and searched: PostgreSQL (postgres_dsn), or an OpenSearch
    cluster (the `opensearch` extra) in indexes named <prefix>-flows, -executions, -logs..."""
    opensearch_url: str = "http://127.0.0.1:9200"
    """The OpenSearch cluster of the `opensearch` repository."""
    opensearch_index_prefix: str = Field(default="flowmesh", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """The prefix of the repository's index names."""
    opensearch_username: str | None = None
    """The OpenSearch user (basic auth; unset: none)."""
    opensearch_password: SecretStr | None = None
    """The OpenSearch user's password."""
    opensearch_timeout_seconds: float = Field(default=30.0, gt=0)
    """How long one OpenSearch request may take."""
    storage_type: Literal["local", "s3"] = "local"
    """Internal storage of the worker and the api: `local` (under data_dir) or `s3`."""
    storage_s3_bucket: str = ""
    """The S3 bucket (required with `s3`)."""
    storage_s3_prefix: str = ""
    """A prefix of every key in the bucket."""
    storage_s3_endpoint_url: str | None = None
    """Another S3-compatible server (MinIO, moto...); unset for AWS itself."""
    storage_s3_region: str | None = None
    """The bucket's region (unset: boto's default)."""
    storage_s3_access_key_id: str | None = None
    """The S3 access key (unset: boto's own chain: environment, profile, instance role)."""
    storage_s3_secret_access_key: SecretStr | None = None
    """The S3 secret key (unset: boto's own chain)."""
    auth_enabled: bool | None = None
    """Authentication of api calls (basic auth, API tokens) and roles per namespace. Unset: off
    only for the standalone server listening on a loopback address, on otherwise; false turns it
    off anywhere (the api warns loudly when that is not such a server)."""
    auth_admin_user: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$")
    """The first admin (the admin role on all namespaces), made or repaired as the api starts."""
    auth_admin_password: SecretStr | None = None
    """The first admin's password (with auth_admin_user)."""
    log_format: Literal["console", "json"] = "console"
    """`console` for people, `json` for one JSON object per line."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """The least severe level logged."""
    trace_exporter: Literal["none", "otlp", "console"] = "none"
    """Where OpenTelemetry traces go: OTLP over HTTP (to trace_otlp_endpoint, or where the
    OTEL_EXPORTER_OTLP_* variables say), printed (`console`), or nowhere (`none`)."""
    trace_otlp_endpoint: str | None = None
    """The OTLP/HTTP endpoint of trace_exporter `otlp` (unset: OpenTelemetry's variables)."""

    config_file: Path | None = None
    """A YAML file of settings (its keys are the settings' names); options and variables win."""

    @property
    def nats_monitor_urls(self) -> list[str]:
        return [url.strip() for url in self.nats_monitor_url.split(",") if url.strip()]

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage_type == "s3" and not self.storage_s3_bucket:
            raise ValueError("storage_type s3 needs storage_s3_bucket (FLOWMESH_STORAGE_S3_BUCKET)")
        return self

    @model_validator(mode="after")
    def _admin_needs_a_password(self) -> Settings:
        if bool(self.auth_admin_user) != bool(self.auth_admin_password):
            raise ValueError("auth_admin_user and auth_admin_password go together (FLOWMESH_AUTH_ADMIN_*)")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Give arguments precedence over the environment, and the environment over the file."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file(init_settings, env_settings)
        if config_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)


def _config_file(*sources: PydanticBaseSettingsSource) -> Path | None:
    for source in sources:
        value = source().get("config_file")
        if value:
            return Path(value)
    return None


def load_settings(**overrides: Any) -> Settings:
    """Return the settings, with the non-None overrides (command-line options) on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
