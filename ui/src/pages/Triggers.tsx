import { useState } from "react";
import { Link } from "react-router-dom";
import { api, type TriggerRef, type TriggerState } from "../api";
import { usePolling, when } from "./common";

/** The triggers of one flow (flowId given) or of the flows of a namespace and those below it
 * (all of them for ""): next and last fire, enable and disable, unlock, backfills. */
export function TriggersTable({ namespace, flowId }: { namespace: string; flowId?: string }) {
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const triggers = usePolling(
    () => (flowId ? api.flowTriggers(namespace, flowId) : api.searchTriggers(namespace)),
    [namespace, flowId, generation],
    5000,
  );

  async function act(action: Promise<unknown>) {
    setError(undefined);
    try {
      await action;
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <>
      {(error ?? triggers.error) && <p className="error" role="alert">{error ?? triggers.error}</p>}
      {triggers.data?.length === 0 && <p className="muted">No triggers.</p>}
      <table>
        <thead>
          <tr>
            {!flowId && <th>Flow</th>}
            <th>Trigger</th><th>Next fire</th><th>Last fired</th><th>State</th><th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {triggers.data?.map((t) => {
            const ref: TriggerRef = { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId };
            return (
              <tr key={`${t.namespace}/${t.flowId}/${t.triggerId}`} data-trigger={t.triggerId}>
                {!flowId && <td><Link to={`/flows/${t.namespace}/${t.flowId}`}>{t.namespace}.{t.flowId}</Link></td>}
                <td>{t.triggerId}</td>
                <td data-testid="next-fire">{when(t.nextEvaluationDate)}</td>
                <td data-testid="last-fired">{when(t.lastTriggeredDate)}</td>
                <td data-testid="trigger-state">{stateText(t)}</td>
                <td>
                  <div className="toolbar">
                    <button className="secondary" onClick={() => act(api.setTriggerDisabled(ref, !t.disabled))}>
                      {t.disabled ? "Enable" : "Disable"}
                    </button>
                    {t.locked && <button className="secondary" onClick={() => act(api.unlockTrigger(ref))}>Unlock</button>}
                    {t.backfill ? (
                      <>
                        <button className="secondary" onClick={() => act(api.pauseBackfill(ref, !t.backfill!.paused))}>
                          {t.backfill.paused ? "Resume backfill" : "Pause backfill"}
                        </button>
                        <button className="secondary" onClick={() => act(api.deleteBackfill(ref))}>Delete backfill</button>
                      </>
                    ) : (
                      <Backfill onCreate={(start, end) => act(api.createBackfill(ref, start, end))} />
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

function stateText(t: TriggerState): string {
  return [
    t.disabled ? "disabled" : "enabled",
    t.locked ? "locked" : "",
    t.backfill ? `backfill${t.backfill.paused ? " (paused)" : ""} from ${when(t.backfill.start)}` : "",
  ].filter(Boolean).join(", ");
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
