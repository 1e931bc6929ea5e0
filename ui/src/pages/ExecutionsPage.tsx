import { useState } from "react";
import { Link } from "react-router-dom";
import { api, STATES, type ExecutionFilters } from "../api";
import { labelText, seconds, StateBadge, usePolling, when } from "./common";

export function ExecutionsPage() {
  const [state, setState] = useState("");
  const [namespace, setNamespace] = useState("");
  const [flowId, setFlowId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [labels, setLabels] = useState("");
  const iso = (local: string) => (local ? new Date(local).toISOString() : "");
  return (
    <>
      <h1>Executions</h1>
      <div className="filters">
        <select value={state} onChange={(e) => setState(e.target.value)} aria-label="State">
          <option value="">All states</option>
          {STATES.map((s) => <option key={s}>{s}</option>)}
        </select>
        <input placeholder="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} aria-label="Namespace" />
        <input placeholder="Flow" value={flowId} onChange={(e) => setFlowId(e.target.value)} aria-label="Flow" />
        <label>From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <input placeholder="Label key:value" value={labels} onChange={(e) => setLabels(e.target.value)} aria-label="Label" />
      </div>
      <ExecutionsTable
        state={state}
        namespace={namespace}
        flowId={flowId}
        startDate={iso(from)}
        endDate={iso(to)}
        labels={labels.includes(":") ? labels : ""}
      />
    </>
  );
}

/** The executions that match the filters, newest first, asked again every 2 seconds (live). */
export function ExecutionsTable(filters: ExecutionFilters) {
  const executions = usePolling(() => api.searchExecutions(filters), [JSON.stringify(filters)], 2000);
  return (
    <>
      <p className="muted" data-testid="total">{executions.data ? `${executions.data.total} executions` : ""}</p>
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
