import { useEffect, useState } from "react";
import { api, type Execution, type FlowInput } from "../api";
import { formData, InputFields } from "./inputs";

/** The task of a flow (at any depth: flowables hold tasks) whose id is taskId. */
function findTask(node: unknown, taskId: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findTask(item, taskId);
      if (found) return found;
    }
  } else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (record.id === taskId && typeof record.type === "string") return record;
    for (const value of Object.values(record)) {
      const found = typeof value === "object" ? findTask(value, taskId) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** The form of a PAUSED execution's onResume inputs (those of its paused Pause task);
 * problems: what the server said of some of them, by input id (inputProblems). */
export function ResumeForm(props: {
  execution: Execution;
  problems: Record<string, string>;
  onResume: (form: FormData) => void;
}) {
  const { execution, problems, onResume } = props;
  const [inputs, setInputs] = useState<FlowInput[]>();
  const paused = execution.taskRunList.find((run) => run.state.current === "PAUSED");
  useEffect(() => {
    if (!paused) return;
    api.flow(execution.namespace, execution.flowId, execution.flowRevision).then((flow) => {
      const task = findTask(flow.tasks, paused.taskId);
      setInputs((task?.onResume as FlowInput[] | undefined) ?? []);
    });
  }, [execution.namespace, execution.flowId, execution.flowRevision, paused?.taskId]);
  if (!inputs) return null;
  return (
    <form
      className="resume"
      aria-label="Resume"
      onSubmit={(event) => {
        event.preventDefault();
        onResume(formData(event.currentTarget, inputs));
      }}
    >
      <h2>Paused at {paused?.taskId}</h2>
      <InputFields inputs={inputs} problems={problems} />
      <button type="submit">Resume</button>
    </form>
  );
}
