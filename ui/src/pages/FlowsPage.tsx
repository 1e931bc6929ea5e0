import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api";
import { usePolling } from "./common";

export function FlowsPage() {
  const [q, setQ] = useState("");
  const [namespace, setNamespace] = useState("");
  const flows = usePolling(() => api.searchFlows(q, namespace), [q, namespace], 15000);
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
        <Link to="/flows/new"><button>New flow</button></Link>
        <span className="muted">{flows.data ? `${flows.data.total} flows` : ""}</span>
      </div>
      {flows.error && <p className="error">{flows.error}</p>}
      <table>
        <thead><tr><th>Id</th><th>Namespace</th><th>Revision</th><th>Description</th></tr></thead>
        <tbody>
          {flows.data?.results.map((flow) => (
            <tr key={`${flow.namespace}/${flow.id}`}>
              <td><Link to={`/flows/${flow.namespace}/${flow.id}`}>{flow.id}</Link></td>
              <td>{flow.namespace}</td>
              <td>{flow.revision}</td>
              <td className="muted">{flow.description ?? ""}{flow.disabled ? " (disabled)" : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
