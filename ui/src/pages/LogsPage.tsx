import { useState } from "react";
import { Link } from "react-router-dom";
import { api, LEVELS } from "../api";
import { usePolling, when } from "./common";

/** The logs of every execution: words of the message, namespace and level; newest first. */
export function LogsPage() {
  const [q, setQ] = useState("");
  const [namespace, setNamespace] = useState("");
  const [minLevel, setMinLevel] = useState("INFO");
  const logs = usePolling(() => api.searchLogs({ q, namespace, minLevel }), [q, namespace, minLevel], 5000);
  return (
    <>
      <h1>Logs</h1>
      <div className="filters">
        <input placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search logs" />
        <input placeholder="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} aria-label="Namespace" />
        <select value={minLevel} onChange={(e) => setMinLevel(e.target.value)} aria-label="Log level">
          {LEVELS.map((l) => <option key={l}>{l}</option>)}
        </select>
        <span className="muted">{logs.data ? `${logs.data.total} lines` : ""}</span>
      </div>
      {logs.error && <p className="error">{logs.error}</p>}
      <table data-testid="log-results">
        <thead><tr><th>Time</th><th>Level</th><th>Flow</th><th>Execution</th><th>Task</th><th>Message</th></tr></thead>
        <tbody>
          {logs.data?.results.map((entry, index) => (
            <tr key={index} className={`level-${entry.level}`}>
              <td>{when(entry.timestamp)}</td>
              <td>{entry.level}</td>
              <td>{entry.namespace}.{entry.flowId}</td>
              <td>{entry.executionId && <Link to={`/executions/${entry.executionId}`}>{entry.executionId}</Link>}</td>
              <td>{entry.taskId ?? ""}</td>
              <td>{entry.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
