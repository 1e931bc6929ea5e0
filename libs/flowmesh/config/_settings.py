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

    model_config = SettingsConfigDict(env_prefix="FLOWMESH_", extra="forbid")

    nats_url: str = "nats://127.0.0.1:4222"
    postgres_dsn: str = "postgresql://postgres@127.0.0.1:5432/flowmesh"
    data_dir: Path = Path(".flowmesh")
    # The gateway's HTTP port and the api's gRPC address (the gateway calls it there).
    host: str = "127.0.0.1"
    port: int = 8080
    api_address: str = "127.0.0.1:50051"
    # The deadline the gateway gives each gRPC call to the api (the api stops at it with
    # DEADLINE_EXCEEDED, a 504), and the longer one of calls that wait for an execution to end
    # (`?wait=true`, a webhook's `wait`). Follow streams and uploads have none.
    gateway_call_timeout_seconds: float = Field(default=30.0, gt=0)
    gateway_wait_timeout_seconds: float = Field(default=3600.0, gt=0)
    # Components other than the api serve gRPC health on this port; 0 picks a free one.
    health_port: int = 0
    # Prometheus /metrics of components other than the gateway (which serves its own
    # process's at /metrics); 0 serves none.
    metrics_port: int = 0
    tenant: str = "main"
    # The worker group whose jobs a worker takes (a task's `workerGroup.key`; "default" for
    # tasks without one). The pattern is flowmesh.plugins.WORKER_GROUP_PATTERN.
    worker_group: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]+$")
    worker_concurrency: int = Field(default=8, ge=1)
    # How long a job may go without an ack or a progress signal before NATS redelivers it.
    worker_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # How long a stopping worker lets its running tasks finish before it cancels them and
    # hands their jobs back (Kestra's terminationGracePeriod). Under the 30 s that
    # Kubernetes gives a pod by default, so that jobs are handed back before a SIGKILL.
    worker_grace_period_seconds: float = Field(default=25.0, ge=0)
    # Limits of each script task run (None or 0: no limit), its tree of processes included:
    # CPU seconds per process, address space per process, processes at once.
    script_cpu_seconds: int | None = Field(default=3600, ge=0)
    script_memory_mb: int | None = Field(default=4096, ge=0)
    script_max_processes: int | None = Field(default=256, ge=0)
    # Script launchers (interpreters) kept started ahead of need, to save their start time.
    script_warm_processes: int = Field(default=2, ge=0)
    # The Python that script tasks' venvs are made from; by default the worker's own.
    script_python: str | None = None
    executor_concurrency: int = Field(default=32, ge=1)
    # The longest the scheduler waits between two looks at the deployed flows.
    scheduler_tick_seconds: float = Field(default=1.0, gt=0)
    # The triggers fall into this many partitions, split between the schedulers running;
    # a partition's owner renews its lease, and the others take it over once it lapsed this long.
    scheduler_partitions: int = Field(default=32, ge=1)
    scheduler_lease_ttl_seconds: float = Field(default=10.0, gt=0)
    # Fires under way at once (each claims its date, stores the execution, records the date).
    scheduler_concurrency: int = Field(default=64, ge=1)
    indexer_batch_size: int = Field(default=500, ge=1)
    # How long finished executions stay in the executions bucket after their last change.
    execution_retention_hours: float = Field(default=168.0, gt=0)
    # How long ended executions, their task runs and their logs stay in the repository
    # after they end (0: for ever), and how often the indexer purges older ones.
    repository_retention_hours: float = Field(default=0.0, ge=0)
    repository_purge_interval_seconds: float = Field(default=3600.0, gt=0)
    # Internal storage: the local disk under data_dir/storage, or an S3 (compatible) bucket.
    storage_type: Literal["local", "s3"] = "local"
    storage_s3_bucket: str = ""
    storage_s3_prefix: str = ""
    # Another S3-compatible server (MinIO, moto...); empty for AWS itself.
    storage_s3_endpoint_url: str | None = None
    storage_s3_region: str | None = None
    # Empty: boto's own chain (environment, profile, instance role).
    storage_s3_access_key_id: str | None = None
    storage_s3_secret_access_key: SecretStr | None = None
    # Authentication of api calls (basic auth, API tokens) and roles per namespace. None:
    # off only for the standalone server listening on a loopback address, on otherwise;
    # False turns it off anywhere (the api warns loudly when that is not such a server).
    auth_enabled: bool | None = None
    # The first admin (the admin role on all namespaces), made or repaired as the api starts.
    auth_admin_user: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$")
    auth_admin_password: SecretStr | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # OpenTelemetry traces: exported with OTLP over HTTP (to trace_otlp_endpoint, or where
    # the OTEL_EXPORTER_OTLP_* variables say), printed (console), or not exported (none).
    trace_exporter: Literal["none", "otlp", "console"] = "none"
    trace_otlp_endpoint: str | None = None

    config_file: Path | None = None

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
