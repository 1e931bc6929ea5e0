import { useState } from "react";
import { TriggersTable } from "./Triggers";

/** The triggers of every flow: next fire, enable and disable, unlock, backfills. */
export function TriggersPage() {
  const [namespace, setNamespace] = useState("");
  return (
    <>
      <h1>Triggers</h1>
      <div className="filters">
        <input placeholder="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} aria-label="Namespace" />
      </div>
      <TriggersTable namespace={namespace} />
    </>
  );
}
