-- Columns and indexes for every filter of the executions and logs searches, the stats
-- aggregations and the retention purge.

-- Trigram indexes make `q` (a substring of the id, namespace or flow id) an index scan.
-- pg_trgm is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- What started an execution: trigger.variables.executionId (the parent of a subflow, the
-- execution a Flow trigger listened to) and the trigger's id; '' when none.
ALTER TABLE executions
    ADD COLUMN trigger_execution_id text NOT NULL DEFAULT '',
    ADD COLUMN trigger_id           text NOT NULL DEFAULT '';

-- A search answers a page and the total of its matches. Partial indexes (NOT deleted, as
-- every search asks) let the counts read the index alone, without the rows.
DROP INDEX executions_newest;
CREATE INDEX executions_newest
    ON executions (tenant_id, start_date DESC NULLS LAST, id DESC) WHERE NOT deleted;
DROP INDEX executions_flow;
CREATE INDEX executions_flow
    ON executions (tenant_id, namespace, flow_id, start_date DESC NULLS LAST, id DESC)
    WHERE NOT deleted;
DROP INDEX executions_namespace_prefix;
CREATE INDEX executions_namespace_prefix
    ON executions (tenant_id, namespace text_pattern_ops) WHERE NOT deleted;
CREATE INDEX executions_state
    ON executions (tenant_id, state, start_date DESC NULLS LAST, id DESC) WHERE NOT deleted;
-- The retention purge looks for ended executions of every tenant.
CREATE INDEX executions_ended ON executions (end_date) WHERE end_date IS NOT NULL;
-- labels @> '[{"key": "k", "value": "v"}]'
CREATE INDEX executions_labels ON executions USING gin (labels jsonb_path_ops);
CREATE INDEX executions_trigger_execution
    ON executions (tenant_id, trigger_execution_id) WHERE trigger_execution_id <> '';
CREATE INDEX executions_text
    ON executions USING gin ((id || ' ' || namespace || ' ' || flow_id) gin_trgm_ops);

-- Stats of task runs by day.
CREATE INDEX task_runs_started ON task_runs (tenant_id, start_date);

-- Full-text search over the message ('simple': no stemming, any language). Rows written
-- before this migration have none, and no full-text search finds them.
ALTER TABLE logs ADD COLUMN message_search tsvector;
CREATE INDEX logs_message ON logs USING gin (message_search);
-- The level rides along so that counts with a minimum level read the index alone.
CREATE INDEX logs_newest ON logs (tenant_id, timestamp_ns DESC, id DESC) INCLUDE (level);
-- A flow's logs, newest first; its namespace (matched with those below it) is checked from
-- the index too.
CREATE INDEX logs_flow ON logs (tenant_id, flow_id, timestamp_ns DESC) INCLUDE (namespace, level);
CREATE INDEX logs_namespace_prefix
    ON logs (tenant_id, namespace text_pattern_ops) INCLUDE (level, timestamp_ns);
CREATE INDEX logs_level ON logs (tenant_id, level, timestamp_ns DESC);
