import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, call } from "../api";
import { usePolling, when } from "./common";
import { NamespaceFiles } from "./NamespaceFiles";

const TABS = { overview: "Overview", files: "Files" };

interface KvEntry {
  key: string;
  description: string | null;
  updateDate: string | null;
  expirationDate: string | null;
}

/** Every namespace that has flows. */
export function NamespacesPage() {
  const namespaces = usePolling(api.namespaces, [], 30000);
  return (
    <>
      <h1>Namespaces</h1>
      {namespaces.error && <p className="error">{namespaces.error}</p>}
      <table>
        <tbody>
          {namespaces.data?.map((name) => (
            <tr key={name}><td><Link to={`/namespaces/${name}`}>{name}</Link></td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One namespace: its flows, its KV store (read, write, delete) and the names of its secrets;
 * its files in their own tab (`?tab=files`). */
export function NamespacePage() {
  const { namespace = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "files" ? "files" : "overview";
  const [generation, setGeneration] = useState(0);
  const flows = usePolling(() => api.searchFlows("", namespace), [namespace], 30000);
  const entries = usePolling(() => call<KvEntry[]>(`/namespaces/${namespace}/kv`), [namespace, generation], 30000);
  const secrets = usePolling(
    () => call<{ results: { key: string }[] }>(`/namespaces/${namespace}/secrets`),
    [namespace],
    30000,
  );
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [shown, setShown] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const kv = (name: string) => `/namespaces/${namespace}/kv/${encodeURIComponent(name)}`;
  // The value as typed: JSON (a number, true, "text", {...}) or plain text, typed by the server.
  const save = () =>
    run(async () => {
      await call(kv(key), { method: "PUT", headers: { "Content-Type": "text/plain" }, body: value });
      setShown({});
    });
  const read = (name: string) =>
    run(async () => {
      const got = await call<{ type: string; value: unknown }>(kv(name));
      setShown((old) => ({ ...old, [name]: `${JSON.stringify(got.value)} (${got.type})` }));
    });

  const header = (
    <>
      <h1>Namespace {namespace}</h1>
      <div className="toolbar">
        {(Object.keys(TABS) as (keyof typeof TABS)[]).map((name) => (
          <button key={name} className="secondary" disabled={tab === name} onClick={() => setParams({ tab: name })}>
            {TABS[name]}
          </button>
        ))}
      </div>
    </>
  );
  if (tab === "files") {
    return (
      <>
        {header}
        <NamespaceFiles namespace={namespace} />
      </>
    );
  }
  return (
    <>
      {header}
      {error && <p className="error" role="alert">{error}</p>}
      <h2>Flows</h2>
      <table>
        <tbody>
          {flows.data?.results.map((flow) => (
            <tr key={flow.id}><td><Link to={`/flows/${flow.namespace}/${flow.id}`}>{flow.id}</Link></td></tr>
          ))}
        </tbody>
      </table>
      <h2>KV store</h2>
      <div className="filters">
        <input placeholder="key" value={key} onChange={(e) => setKey(e.target.value)} aria-label="KV key" />
        <input placeholder='value (JSON or text)' value={value} onChange={(e) => setValue(e.target.value)} aria-label="KV value" />
        <button disabled={!key} onClick={save}>Save</button>
      </div>
      <table data-testid="kv">
        <thead><tr><th>Key</th><th>Value</th><th>Updated</th><th>Expires</th><th /></tr></thead>
        <tbody>
          {entries.data?.map((entry) => (
            <tr key={entry.key} data-key={entry.key}>
              <td>{entry.key}</td>
              <td>
                {shown[entry.key] ?? <button className="secondary" onClick={() => read(entry.key)}>Show</button>}
              </td>
              <td>{when(entry.updateDate)}</td>
              <td>{when(entry.expirationDate)}</td>
              <td>
                <button className="danger" onClick={() => run(() => call(kv(entry.key), { method: "DELETE" }))}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Secrets</h2>
      <p className="muted">Their names only: values never leave the server.</p>
      <ul data-testid="secrets">
        {secrets.data?.results.map((secret) => <li key={secret.key}>{secret.key}</li>)}
      </ul>
    </>
  );
}
