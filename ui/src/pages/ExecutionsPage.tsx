import { useState } from "react";
import { Link } from "react-router-dom";
import { api, STATES } from "../api";
import { seconds, StateBadge, usePolling, when } from "./common";

export function ExecutionsPage() {
  const [state, setState] = useState("");
  const [namespace, setNamespace] = useState("");
  const [flowId, setFlowId] = useState("");
  // Live: the list is asked again every 2 seconds while shown.
  const executions = usePolling(
    () => api.searchExecutions({ state, namespace, flowId }),
    [state, namespace, flowId],
    2000,
  );
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
        <span className="muted">{executions.data ? `${executions.data.total} executions` : ""}</span>
      </div>
      {executions.error && <p className="error">{executions.error}</p>}
      <table>
        <thead><tr><th>Id</th><th>Namespace</th><th>Flow</th><th>Start</th><th>Duration</th><th>State</th></tr></thead>
        <tbody>
          {executions.data?.results.map((execution) => (
            <tr key={execution.id}>
              <td><Link to={`/executions/${execution.id}`}>{execution.id}</Link></td>
              <td>{execution.namespace}</td>
              <td><Link to={`/flows/${execution.namespace}/${execution.flowId}`}>{execution.flowId}</Link></td>
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
