import { useState } from "react";
import { api, fileUrl, type Execution } from "../api";

const isFile = (value: unknown): value is string => typeof value === "string" && value.startsWith("kestra:///");

/** The inputs and outputs of an execution, or the outputs of one of its task runs (runId);
 * files can be previewed and downloaded. */
export function Outputs(props: { execution: Execution; runId: string; onPick: (id: string) => void }) {
  const { execution, runId, onPick } = props;
  const run = execution.taskRunList.find((r) => r.id === runId);
  const values = run
    ? run.outputs
    : { ...prefixed("inputs", execution.inputs), ...prefixed("outputs", execution.outputs) };
  return (
    <>
      <div className="filters">
        <select value={runId} onChange={(e) => onPick(e.target.value)} aria-label="Outputs of">
          <option value="">Execution inputs and outputs</option>
          {execution.taskRunList.map((r) => (
            <option key={r.id} value={r.id}>{r.taskId}{r.value ? ` [${r.value}]` : ""}</option>
          ))}
        </select>
      </div>
      <table data-testid="outputs">
        <tbody>
          {Object.entries(values ?? {}).map(([name, value]) => (
            <tr key={name}>
              <th style={{ width: 200 }}>{name}</th>
              <td>
                {isFile(value) ? <FileValue executionId={execution.id} uri={value} /> : <code>{JSON.stringify(value)}</code>}
              </td>
            </tr>
          ))}
          {Object.keys(values ?? {}).length === 0 && <tr><td className="muted">Nothing.</td></tr>}
        </tbody>
      </table>
    </>
  );
}

function prefixed(prefix: string, values: Record<string, unknown> | undefined) {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function FileValue({ executionId, uri }: { executionId: string; uri: string }) {
  const [preview, setPreview] = useState<string>();
  const show = () =>
    api.preview(executionId, uri).then(
      (p) => {
        const text = typeof p.content === "string" ? p.content : JSON.stringify(p.content, null, 2);
        setPreview(text + (p.truncated ? "\n…" : ""));
      },
      (e: Error) => setPreview(e.message),
    );
  return (
    <>
      <code>{uri}</code>{" "}
      <button className="secondary" onClick={show}>Preview</button>{" "}
      <a href={fileUrl(executionId, uri)} download>Download</a>
      {preview !== undefined && <pre className="preview" data-testid="preview">{preview}</pre>}
    </>
  );
}
