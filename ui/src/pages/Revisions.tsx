import { useEffect, useRef, useState } from "react";
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { yaml } from "@codemirror/lang-yaml";
import { MergeView } from "@codemirror/merge";
import { api, type Flow } from "../api";

/** The stored revisions of a flow, and the difference between two of them (side by side). */
export function Revisions({ flow }: { flow: Flow }) {
  const [revisions, setRevisions] = useState<Flow[]>([]);
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    api.revisions(flow.namespace, flow.id).then(
      (list) => {
        setRevisions(list);
        const last = list[list.length - 1]?.revision ?? 0;
        setTo(last);
        setFrom(list.length > 1 ? list[list.length - 2].revision : last);
      },
      (e: Error) => setError(e.message),
    );
  }, [flow.namespace, flow.id, flow.revision]);

  const source = (revision: number) => revisions.find((r) => r.revision === revision)?.source ?? "";
  const choose = (value: number, set: (n: number) => void, label: string) => (
    <select value={value} onChange={(e) => set(Number(e.target.value))} aria-label={label}>
      {revisions.map((r) => <option key={r.revision} value={r.revision}>Revision {r.revision}</option>)}
    </select>
  );
  return (
    <>
      <div className="filters">
        {choose(from, setFrom, "From revision")} → {choose(to, setTo, "To revision")}
        <span className="muted">{revisions.length} revisions</span>
      </div>
      {error && <p className="error">{error}</p>}
      {revisions.length > 0 && <Diff a={source(from)} b={source(to)} />}
    </>
  );
}

function Diff({ a, b }: { a: string; b: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const extensions = [lineNumbers(), yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const view = new MergeView({
      a: { doc: a, extensions },
      b: { doc: b, extensions },
      parent: host.current!,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [a, b]);
  return <div className="editor diff" ref={host} data-testid="diff" />;
}
