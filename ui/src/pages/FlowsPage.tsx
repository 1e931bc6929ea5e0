import { useState } from "react";
import { Link } from "react-router-dom";
import { api, type Flow, type Label } from "../api";
import { labelText, usePolling } from "./common";

export function FlowsPage() {
  const [q, setQ] = useState("");
  const [namespace, setNamespace] = useState("");
  const [labels, setLabels] = useState("");
  // Words of key:value, as the list shows them; a flow must have every one.
  const wanted = labels.split(/\s+/).filter((word) => /^[^:]+:/.test(word));
  const flows = usePolling(() => api.searchFlows(q, namespace, wanted), [q, namespace, wanted.join(" ")], 15000);
  const namespaces = usePolling(api.namespaces, [], 60000);
  return (
    <>
      <h1>Flows</h1>
      <div className="filters">
        <input placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search flows" />
        <select value={namespace} onChange={(e) => setNamespace(e.target.value)} aria-label="Namespace">
          <option value="">All namespaces</option>
          {namespaces.data?.map((name) => <option key={name}>{name}</option>)}
        </select>
        <input placeholder="Labels key:value" value={labels} onChange={(e) => setLabels(e.target.value)} aria-label="Labels" />
        <Link to="/flows/new"><button>New flow</button></Link>
        <span className="muted" data-testid="total">{flows.data ? `${flows.data.total} flows` : ""}</span>
      </div>
      {flows.error && <p className="error">{flows.error}</p>}
      <table>
        <thead><tr><th>Id</th><th>Namespace</th><th>Labels</th><th>Revision</th><th>Description</th></tr></thead>
        <tbody>
          {flows.data?.results.map((flow) => (
            <tr key={`${flow.namespace}/${flow.id}`} data-flow={`${flow.namespace}.${flow.id}`}>
              <td><Link to={`/flows/${flow.namespace}/${flow.id}`}>{flow.id}</Link></td>
              <td>{flow.namespace}</td>
              <td className="muted" data-testid="labels">{labelText(flowLabels(flow))}</td>
              <td>{flow.revision}</td>
              <td className="muted">{flow.description ?? ""}{flow.disabled ? " (disabled)" : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A flow's labels, written in its YAML as a list of {key, value} or as a map. */
function flowLabels(flow: Flow): Label[] {
  const labels = flow.labels ?? [];
  if (Array.isArray(labels)) return labels.map((l) => ({ key: String(l.key), value: String(l.value ?? "") }));
  return Object.entries(labels).map(([key, value]) => ({ key, value: String(value) }));
}
