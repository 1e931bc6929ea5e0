"""The repository's SQL: idempotent write statements and a builder of filters."""

from __future__ import annotations

from collections.abc import Sequence

# A revision is immutable, except that a deletion may mark it deleted (never undone).
UPSERT_FLOW = """
INSERT INTO flows (tenant_id, namespace, id, revision, deleted, disabled, labels, updated, value)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
ON CONFLICT (tenant_id, namespace, id, revision) DO UPDATE
SET deleted = true, disabled = excluded.disabled, labels = excluded.labels,
    updated = excluded.updated, value = excluded.value
WHERE excluded.deleted AND NOT flows.deleted
"""

UPSERT_EXECUTION = """
INSERT INTO executions (tenant_id, id, namespace, flow_id, flow_revision, state, start_date,
    end_date, labels, parent_id, original_id, deleted, version, value, trigger_execution_id,
    trigger_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (tenant_id, id) DO UPDATE
SET namespace = excluded.namespace, flow_id = excluded.flow_id,
    flow_revision = excluded.flow_revision, state = excluded.state,
    start_date = excluded.start_date, end_date = excluded.end_date, labels = excluded.labels,
    parent_id = excluded.parent_id, original_id = excluded.original_id,
    deleted = excluded.deleted, version = excluded.version, value = excluded.value,
    trigger_execution_id = excluded.trigger_execution_id, trigger_id = excluded.trigger_id
WHERE executions.version < excluded.version
"""

UPSERT_TASK_RUN = """
INSERT INTO task_runs (tenant_id, execution_id, id, namespace, flow_id, task_id,
    parent_task_run_id, position, state, start_date, end_date, version, value)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (tenant_id, execution_id, id) DO UPDATE
SET namespace = excluded.namespace, flow_id = excluded.flow_id, task_id = excluded.task_id,
    parent_task_run_id = excluded.parent_task_run_id, position = excluded.position,
    state = excluded.state, start_date = excluded.start_date, end_date = excluded.end_date,
    version = excluded.version, value = excluded.value
WHERE task_runs.version < excluded.version
"""

INSERT_LOG = """
INSERT INTO logs (id, tenant_id, namespace, flow_id, execution_id, task_run_id, task_id,
    attempt_number, level, timestamp, timestamp_ns, value, message_search)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_tsvector('simple', $13))
ON CONFLICT (id) DO NOTHING
"""

# One batch of the retention purge: ended executions, their task runs and their logs.
PURGE_ENDED = """
WITH gone AS (
    DELETE FROM executions WHERE ctid IN (
        SELECT ctid FROM executions WHERE end_date < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
    )
    RETURNING tenant_id, id
), runs AS (
    DELETE FROM task_runs t USING gone g WHERE t.tenant_id = g.tenant_id AND t.execution_id = g.id
), lines AS (
    DELETE FROM logs l USING gone g WHERE l.tenant_id = g.tenant_id AND l.execution_id = g.id
)
SELECT count(*) FROM gone
"""


class Where:
    """Collect AND-ed conditions and their numbered arguments."""

    def __init__(self, *args: object) -> None:
        self.args: list[object] = list(args)
        self.clauses: list[str] = []

    def arg(self, value: object) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, clause: str, *values: object) -> None:
        """Add clause, whose {0}, {1}... stand for values."""
        self.clauses.append(clause.format(*(self.arg(value) for value in values)))

    def namespace(self, namespace: str) -> None:
        """Match namespace and every namespace below it."""
        if namespace:
            self.within((namespace,))

    def within(self, namespaces: Sequence[str]) -> None:
        """Match each of namespaces and every namespace below them (no condition when empty).

        One equality and one `LIKE 'ns.%'` each, OR-ed: every one is a range of the
        namespace indexes (text_pattern_ops), so the planner ORs index scans.
        """
        tests = []
        for namespace in namespaces:
            escaped = namespace.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            tests.append(f"namespace = {self.arg(namespace)} OR namespace LIKE {self.arg(escaped + '.%')}")
        if tests:
            self.clauses.append(f"({' OR '.join(tests)})")

    def sql(self) -> str:
        return " AND ".join(self.clauses) or "TRUE"

    def select(self, what: str, rest: str = "") -> str:
        """Return "SELECT what WHERE conditions rest"; the values stay bound arguments."""
        return f"SELECT {what} WHERE {self.sql()}{rest}"

    def count(self, table: str, limit: int | None = None) -> str:
        """Return a count of the matching rows of table, stopping at limit when one is given."""
        if limit is None:
            return self.select(f"count(*) FROM {table}")
        matched = self.select(f"1 FROM {table}", f" LIMIT {int(limit)}")
        # As in delete(): only this module's constants and a number are spliced in.
        return f"SELECT count(*) FROM ({matched}) AS matched"  # noqa: S608

    def delete(self, table: str) -> str:
        """Return "DELETE FROM table WHERE conditions"; the values stay bound arguments."""
        # The text is built from this module's constants only: no value is spliced in.
        return f"DELETE FROM {table} WHERE {self.sql()}"  # noqa: S608

    def page(self) -> str:
        """Return OFFSET and LIMIT placeholders for the two arguments after self.args."""
        n = len(self.args)
        return f" OFFSET ${n + 1} LIMIT ${n + 2}"
