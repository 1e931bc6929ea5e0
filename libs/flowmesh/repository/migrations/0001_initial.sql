-- The repository: every record is kept as its serialized protobuf message (value),
-- beside the columns the api filters and sorts on. Only the indexer writes here.

-- One row per flow revision. A deleted flow keeps a revision with deleted set.
CREATE TABLE flows (
    tenant_id   text        NOT NULL,
    namespace   text        NOT NULL,
    id          text        NOT NULL,
    revision    integer     NOT NULL,
    deleted     boolean     NOT NULL,
    disabled    boolean     NOT NULL,
    labels      jsonb       NOT NULL,
    updated     timestamptz,
    value       bytea       NOT NULL,
    PRIMARY KEY (tenant_id, namespace, id, revision)
);
-- Namespace prefix search (namespace LIKE 'x.%') in any collation.
CREATE INDEX flows_namespace_prefix ON flows (tenant_id, namespace text_pattern_ops);

-- One row per execution, holding its latest version without its task runs.
CREATE TABLE executions (
    tenant_id     text        NOT NULL,
    id            text        NOT NULL,
    namespace     text        NOT NULL,
    flow_id       text        NOT NULL,
    flow_revision integer     NOT NULL,
    state         integer     NOT NULL,  -- flowmesh.common.v1.StateType
    start_date    timestamptz,           -- date of the first state history entry
    end_date      timestamptz,           -- date of the last one, once terminated
    labels        jsonb       NOT NULL,
    parent_id     text        NOT NULL,
    original_id   text        NOT NULL,
    deleted       boolean     NOT NULL,
    version       bigint      NOT NULL,
    value         bytea       NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- list_executions orders by start_date DESC NULLS LAST, id DESC.
CREATE INDEX executions_newest
    ON executions (tenant_id, start_date DESC NULLS LAST, id DESC);
CREATE INDEX executions_flow
    ON executions (tenant_id, namespace, flow_id, start_date DESC NULLS LAST, id DESC);
CREATE INDEX executions_namespace_prefix
    ON executions (tenant_id, namespace text_pattern_ops);

-- One row per task run, holding its latest version.
CREATE TABLE task_runs (
    tenant_id          text        NOT NULL,
    execution_id       text        NOT NULL,
    id                 text        NOT NULL,
    namespace          text        NOT NULL,
    flow_id            text        NOT NULL,
    task_id            text        NOT NULL,
    parent_task_run_id text        NOT NULL,
    position           integer     NOT NULL,
    state              integer     NOT NULL,  -- flowmesh.common.v1.StateType
    start_date         timestamptz,
    end_date           timestamptz,
    version            bigint      NOT NULL,
    value              bytea       NOT NULL,
    PRIMARY KEY (tenant_id, execution_id, id)
);
CREATE INDEX task_runs_position ON task_runs (tenant_id, execution_id, position, id);

-- One row per log entry; ids are deterministic, so a redelivered entry is a no-op.
CREATE TABLE logs (
    id             text        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    namespace      text        NOT NULL,
    flow_id        text        NOT NULL,
    execution_id   text        NOT NULL,
    task_run_id    text        NOT NULL,
    task_id        text        NOT NULL,
    attempt_number integer     NOT NULL,
    level          integer     NOT NULL,  -- flowmesh.log.v1.Level
    timestamp      timestamptz NOT NULL,
    timestamp_ns   bigint      NOT NULL,  -- exact order: timestamptz keeps microseconds
    value          bytea       NOT NULL
);
CREATE INDEX logs_execution ON logs (tenant_id, execution_id, timestamp_ns, id);
