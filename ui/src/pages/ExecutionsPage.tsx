import type { ChangeEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, STATES, type ExecutionFilters } from "../api";
import { labelText, seconds, StateBadge, usePolling, when } from "./common";

const SIZES = [10, 25, 50, 100];
const DEFAULT_SIZE = 50;

/** The executions list; its filters (and the table's page) live in the address, so a reload keeps them. */
export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const value = (key: string) => params.get(key) ?? "";
  // A new filter shows its first page; typing replaces the address instead of adding to the history.
  const bind = (key: string) => ({
    value: value(key),
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      const typed = event.target.value;
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (typed) next.set(key, typed);
          else next.delete(key);
          next.delete("page");
          return next;
        },
        { replace: true },
      );
    },
  });
  const iso = (local: string) => (local ? new Date(local).toISOString() : "");
  const labels = value("labels");
  return (
    <>
      <h1>Executions</h1>
      <div className="filters">
        <select {...bind("state")} aria-label="State">
          <option value="">All states</option>
          {STATES.map((s) => <option key={s}>{s}</option>)}
        </select>
        <input placeholder="Namespace" {...bind("namespace")} aria-label="Namespace" />
        <input placeholder="Flow" {...bind("flowId")} aria-label="Flow" />
        <label>From <input type="datetime-local" {...bind("from")} /></label>
        <label>To <input type="datetime-local" {...bind("to")} /></label>
        <input placeholder="Label key:value" {...bind("labels")} aria-label="Label" />
      </div>
      <ExecutionsTable
        state={value("state")}
        namespace={value("namespace")}
        flowId={value("flowId")}
        startDate={iso(value("from"))}
        endDate={iso(value("to"))}
        labels={labels.includes(":") ? labels : ""}
      />
    </>
  );
}

/** The executions that match the filters, newest first, a page at a time (its page and size in
 * the address: `page`, `size`), asked again every 2 seconds (live). */
export function ExecutionsTable(filters: ExecutionFilters) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Math.trunc(Number(params.get("page"))) || 1);
  const asked = Number(params.get("size"));
  const size = SIZES.includes(asked) ? asked : DEFAULT_SIZE;
  const executions = usePolling(
    () => api.searchExecutions(filters, page, size),
    [JSON.stringify(filters), page, size],
    2000,
  );
  const turn = (to: { page: number; size: number }) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set("page", String(to.page));
      next.set("size", String(to.size));
      return next;
    });
  return (
    <>
      {executions.data && (
        <Pager
          page={page}
          size={size}
          total={executions.data.total}
          onPage={(to) => turn({ page: to, size })}
          // The first row shown stays on the page shown.
          onSize={(to) => turn({ page: Math.floor(((page - 1) * size) / to) + 1, size: to })}
        />
      )}
      {executions.error && <p className="error">{executions.error}</p>}
      <table>
        <thead>
          <tr><th>Id</th><th>Namespace</th><th>Flow</th><th>Labels</th><th>Start</th><th>Duration</th><th>State</th></tr>
        </thead>
        <tbody>
          {executions.data?.results.map((execution) => (
            <tr key={execution.id}>
              <td><Link to={`/executions/${execution.id}`}>{execution.id}</Link></td>
              <td>{execution.namespace}</td>
              <td><Link to={`/flows/${execution.namespace}/${execution.flowId}`}>{execution.flowId}</Link></td>
              <td className="muted">{labelText(execution.labels)}</td>
              <td>{when(execution.state.startDate)}</td>
              <td>{seconds(execution.state.startDate, execution.state.endDate)}</td>
              <td><StateBadge state={execution.state.current} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

interface PagerProps {
  page: number;
  size: number;
  total: number;
  onPage: (page: number) => void;
  onSize: (size: number) => void;
}

/** "x–y of total", the page size, and the previous and next pages. */
function Pager({ page, size, total, onPage, onSize }: PagerProps) {
  const first = (page - 1) * size + 1;
  const last = Math.min(page * size, total);
  const pages = Math.max(1, Math.ceil(total / size));
  const shown = total === 0 ? "0 executions" : first > total ? `none of ${total}` : `${first}–${last} of ${total}`;
  return (
    <div className="pager" data-testid="pager">
      <span data-testid="range">{shown}</span>
      <button className="secondary" onClick={() => onPage(Math.min(page - 1, pages))} disabled={page <= 1}>
        Previous
      </button>
      <button className="secondary" onClick={() => onPage(page + 1)} disabled={page * size >= total}>Next</button>
      <label>
        Per page{" "}
        <select value={size} onChange={(event) => onSize(Number(event.target.value))} aria-label="Page size">
          {SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
    </div>
  );
}
