import { useState } from "react";
import { Link } from "react-router-dom";
import { call, query } from "../api";
import { usePolling, when } from "./common";

interface TriggerState {
  namespace: string;
  flowId: string;
  triggerId: string;
  nextEvaluationDate: string | null;
  lastTriggeredDate: string | null;
  disabled: boolean;
  locked: boolean;
  backfill: { start: string; end: string | null; currentDate: string | null; paused: boolean } | null;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** The triggers of every flow: next fire, enable and disable, unlock, backfills. */
export function TriggersPage() {
  const [namespace, setNamespace] = useState("");
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const triggers = usePolling(
    () =>
      call<{ results: { state: TriggerState }[] }>(`/triggers/search${query({ namespace, size: 100 })}`).then(
        (page) => page.results.map((item) => item.state),
      ),
    [namespace, generation],
    5000,
  );

  async function act(path: string, init: RequestInit) {
    setError(undefined);
    try {
      await call(path, init);
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <>
      <h1>Triggers</h1>
      <div className="filters">
        <input placeholder="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} aria-label="Namespace" />
      </div>
      {(error ?? triggers.error) && <p className="error" role="alert">{error ?? triggers.error}</p>}
      <table>
        <thead>
          <tr><th>Flow</th><th>Trigger</th><th>Next fire</th><th>Last fired</th><th>State</th><th>Actions</th></tr>
        </thead>
        <tbody>
          {triggers.data?.map((t) => {
            const ref = { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId };
            const base = `/triggers/${t.namespace}/${t.flowId}/${t.triggerId}`;
            return (
              <tr key={`${t.namespace}/${t.flowId}/${t.triggerId}`} data-trigger={t.triggerId}>
                <td><Link to={`/flows/${t.namespace}/${t.flowId}`}>{t.namespace}.{t.flowId}</Link></td>
                <td>{t.triggerId}</td>
                <td>{when(t.nextEvaluationDate)}</td>
                <td>{when(t.lastTriggeredDate)}</td>
                <td data-testid="trigger-state">
                  {[
                    t.disabled ? "disabled" : "enabled",
                    t.locked ? "locked" : "",
                    t.backfill ? `backfill${t.backfill.paused ? " (paused)" : ""} from ${when(t.backfill.start)}` : "",
                  ].filter(Boolean).join(", ")}
                </td>
                <td>
                  <div className="toolbar">
                    <button className="secondary" onClick={() => act("/triggers/set-disabled", json("PUT", { ...ref, disabled: !t.disabled }))}>
                      {t.disabled ? "Enable" : "Disable"}
                    </button>
                    {t.locked && <button className="secondary" onClick={() => act(`${base}/unlock`, { method: "POST" })}>Unlock</button>}
                    {t.backfill ? (
                      <>
                        <button
                          className="secondary"
                          onClick={() => act(`/triggers/backfill/${t.backfill!.paused ? "unpause" : "pause"}`, json("PUT", ref))}
                        >
                          {t.backfill.paused ? "Resume backfill" : "Pause backfill"}
                        </button>
                        <button className="secondary" onClick={() => act("/triggers/backfill/delete", json("POST", ref))}>
                          Delete backfill
                        </button>
                      </>
                    ) : (
                      <Backfill onCreate={(start, end) => act("/triggers/backfill/create", json("PUT", { ...ref, backfill: { start, end } }))} />
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** Start and end of a new backfill (local dates and times). */
function Backfill({ onCreate }: { onCreate: (start: string, end?: string) => void }) {
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return (
    <>
      <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} aria-label="Backfill start" />
      <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} aria-label="Backfill end" />
      <button className="secondary" disabled={!start} onClick={() => onCreate(iso(start)!, iso(end))}>Backfill</button>
    </>
  );
}
