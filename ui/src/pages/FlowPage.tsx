import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { api, type Flow } from "../api";
import { formData, InputFields, inputProblems } from "./inputs";
import { YamlEditor } from "./Editor";
import { ExecutionsTable } from "./ExecutionsPage";
import { Revisions } from "./Revisions";
import { Topology } from "./Topology";
import { TriggersTable } from "./Triggers";

const TEMPLATE = `id: hello
namespace: demo
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
`;

const TABS = ["editor", "revisions", "topology", "triggers"] as const;

export function FlowPage() {
  const { namespace, id } = useParams();
  const navigate = useNavigate();
  const [flow, setFlow] = useState<Flow>();
  const [source, setSource] = useState<string>();
  const [problems, setProblems] = useState<string[]>([]);
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const [executing, setExecuting] = useState(false);
  const [tab, setTab] = useState<(typeof TABS)[number]>("editor");

  useEffect(() => {
    setFlow(undefined);
    setSource(undefined);
    if (!namespace || !id) {
      setSource(TEMPLATE);
      return;
    }
    api.flow(namespace, id).then((f) => (setFlow(f), setSource(f.source)), (e: Error) => setError(e.message));
  }, [namespace, id]);

  async function save() {
    if (source === undefined) return;
    setError(undefined);
    try {
      const saved = flow ? await api.updateFlow(flow.namespace, flow.id, source) : await api.createFlow(source);
      setFlow(saved);
      setStatus(`Saved revision ${saved.revision}`);
      if (!flow) navigate(`/flows/${saved.namespace}/${saved.id}`, { replace: true });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <>
      <h1>{flow ? `${flow.namespace}.${flow.id}` : "New flow"}</h1>
      <div className="toolbar">
        <button onClick={save} disabled={source === undefined}>Save</button>
        <button className="secondary" onClick={() => setExecuting(true)} disabled={!flow}>Execute</button>
        {flow &&
          TABS.map((name) => (
            <button key={name} className="secondary" disabled={tab === name} onClick={() => setTab(name)}>
              {name[0].toUpperCase() + name.slice(1)}
            </button>
          ))}
        {flow && <span data-testid="revision">Revision {flow.revision}</span>}
        {status && <span className="muted" data-testid="status">{status}</span>}
        <span className={problems.length ? "error" : "muted"} data-testid="validation">
          {problems.length ? `${problems.length} problem(s)` : "Valid"}
        </span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {tab === "revisions" && flow && <Revisions flow={flow} />}
      {tab === "topology" && flow && (
        <Topology path={`/flows/${flow.namespace}/${flow.id}/graph`} refresh={String(flow.revision)} />
      )}
      {tab === "triggers" && flow && <TriggersTable namespace={flow.namespace} flowId={flow.id} />}
      {tab === "editor" && source !== undefined && (
        <YamlEditor key={`${namespace}/${id}`} initial={source} onChange={setSource} onValidated={setProblems} />
      )}
      {problems.length > 0 && <pre className="error" data-testid="problems">{problems.join("\n")}</pre>}
      {flow && (
        <>
          <h2>Executions of this flow</h2>
          <ExecutionsTable namespace={flow.namespace} flowId={flow.id} />
        </>
      )}
      {executing && flow && <ExecuteDialog flow={flow} onClose={() => setExecuting(false)} />}
    </>
  );
}

/** The form of a flow's inputs; submitting it creates the execution (multipart) and opens it. */
function ExecuteDialog({ flow, onClose }: { flow: Flow; onClose: () => void }) {
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  const [problems, setProblems] = useState<Record<string, string>>({});
  const inputs = flow.inputs ?? [];

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = formData(event.currentTarget, inputs);
    try {
      const execution = await api.execute(flow.namespace, flow.id, data);
      navigate(`/executions/${execution.id}`);
    } catch (e) {
      setError((e as Error).message);
      setProblems(inputProblems(e));
    }
  }

  return (
    <div className="dialog">
      <form onSubmit={submit} aria-label="Execute">
        <h2>Execute {flow.id}</h2>
        <InputFields inputs={inputs} problems={problems} />
        {inputs.length === 0 && <p className="muted">This flow has no inputs.</p>}
        {error && <p className="error" role="alert">{error}</p>}
        <div className="toolbar">
          <button type="submit">Run</button>
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
