import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, follow, LEVELS, TERMINAL, type Execution, type LogEntry } from "../api";
import { labelText, seconds, StateBadge, when } from "./common";
import { inputProblems } from "./inputs";
import { Outputs } from "./Outputs";
import { ResumeForm } from "./Resume";
import { Topology } from "./Topology";

export function ExecutionPage() {
  const { id = "" } = useParams();
  const [execution, setExecution] = useState<Execution>();
  const [error, setError] = useState<string>();
  // What the server said of the resume form's inputs, by input id.
  const [problems, setProblems] = useState<Record<string, string>>({});
  // Bumped after an action (kill, restart) so that the page follows the execution again.
  const [generation, setGeneration] = useState(0);
  // The task run whose outputs are shown ("" for the execution's inputs and outputs).
  const [runId, setRunId] = useState("");
  const [label, setLabel] = useState("");
  const [mark, setMark] = useState("SUCCESS");
  const navigate = useNavigate();

  useEffect(() => {
    let live = true;
    let stop = () => {};
    let again: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      stop = follow<Execution>(`/executions/${id}/follow`, setExecution, () =>
        // The stream ended: with the execution, or on a failure (network, server restart);
        // then the page follows it again.
        api.execution(id).then(
          (execution) => {
            if (!live) return;
            setExecution(execution);
            if (!TERMINAL.has(execution.state.current)) again = setTimeout(open, 1000);
          },
          () => live && (again = setTimeout(open, 1000)),
        ),
      );
    };
    api.execution(id).then(setExecution, (e: Error) => setError(e.message));
    open();
    return () => {
      live = false;
      clearTimeout(again);
      stop();
    };
  }, [id, generation]);

  async function act(action: (id: string) => Promise<Execution | unknown>) {
    setError(undefined);
    setProblems({});
    try {
      const answer = (await action(id)) as Execution | undefined;
      if (answer?.state) {
        // The change is asynchronous: follow again once the stored execution has it, or the
        // stream would give the execution as it was, ended, and stop.
        setExecution(answer);
        await changed(id, answer.state.histories.length);
      }
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
      setProblems(inputProblems(e));
    }
  }

  async function replay() {
    setError(undefined);
    try {
      const replayed = await api.replay(id, runId);
      navigate(`/executions/${replayed.id}`);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  function addLabel() {
    const [key, ...rest] = label.split(":");
    act((executionId) => api.setLabels(executionId, [{ key: key.trim(), value: rest.join(":").trim() }]));
  }

  if (!execution) return error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>;
  const state = execution.state.current;
  const ended = TERMINAL.has(state);
  // The task run picked in the Gantt chart or the outputs: what replay and change state act on.
  const run = execution.taskRunList.find((r) => r.id === runId);
  return (
    <>
      <h1>Execution {execution.id}</h1>
      <div className="toolbar">
        <StateBadge state={state} />
        <span>
          <Link to={`/flows/${execution.namespace}/${execution.flowId}`}>{execution.namespace}.{execution.flowId}</Link>
          {" "}revision {execution.flowRevision}
        </span>
        <span className="muted">
          {when(execution.state.startDate)} · {seconds(execution.state.startDate, execution.state.endDate)}
        </span>
        <button className="danger" disabled={ended} onClick={() => act(api.kill)}>Kill</button>
        <button className="secondary" disabled={!ended || state === "SUCCESS"} onClick={() => act(api.restart)}>
          Restart
        </button>
      </div>
      <div className="toolbar">
        <button className="secondary" disabled={!ended} onClick={replay}>
          {run ? `Replay from ${run.taskId}` : "Replay"}
        </button>
        {run && (
          <>
            <select value={mark} onChange={(e) => setMark(e.target.value)} aria-label="New state">
              {["SUCCESS", "WARNING", "FAILED"].map((s) => <option key={s}>{s}</option>)}
            </select>
            <button className="secondary" disabled={!ended} onClick={() => act((x) => api.changeState(x, run.id, mark))}>
              Change state of {run.taskId}
            </button>
          </>
        )}
        <input placeholder="key:value" value={label} onChange={(e) => setLabel(e.target.value)} aria-label="New label" />
        <button className="secondary" disabled={!label.includes(":")} onClick={addLabel}>Set label</button>
        <span className="muted" data-testid="labels">
          {labelText(execution.labels)}
        </span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {state === "PAUSED" && (
        <ResumeForm execution={execution} problems={problems} onResume={(form) => act((x) => api.resume(x, form))} />
      )}
      <h2>Task runs</h2>
      <Gantt execution={execution} onPick={setRunId} />
      <h2>Topology</h2>
      <Topology
        path={`/executions/${execution.id}/graph`}
        refresh={execution.taskRunList.map((r) => r.state.current).join()}
      />
      <h2>Inputs and outputs</h2>
      <Outputs execution={execution} runId={runId} onPick={setRunId} />
      <h2>Logs</h2>
      <Logs executionId={id} ended={ended} generation={generation} />
    </>
  );
}

/** Wait (up to 10 s) until the stored execution has at least histories state changes. */
async function changed(id: string, histories: number) {
  for (let tries = 0; tries < 40; tries++) {
    if ((await api.execution(id)).state.histories.length >= histories) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One bar per task run, placed by its start and end on the execution's time line. */
function Gantt({ execution, onPick }: { execution: Execution; onPick: (runId: string) => void }) {
  const ended = TERMINAL.has(execution.state.current);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [ended]);
  const start = Date.parse(execution.state.startDate ?? "") || now;
  const end = ended && execution.state.endDate ? Date.parse(execution.state.endDate) : now;
  const span = Math.max(end - start, 1);
  if (execution.taskRunList.length === 0) return <p className="muted">No task run yet.</p>;
  return (
    <div className="gantt">
      {execution.taskRunList.map((run) => {
        const from = Date.parse(run.state.startDate ?? "") || start;
        const to = run.state.endDate ? Date.parse(run.state.endDate) : TERMINAL.has(run.state.current) ? from : now;
        const left = ((from - start) / span) * 100;
        const width = ((to - from) / span) * 100;
        return (
          <div
            className="gantt-row"
            key={run.id}
            data-task={run.taskId}
            data-state={run.state.current}
            onClick={() => onPick(run.id)}
          >
            <div className="gantt-label" title={run.id}>
              {run.taskId}{run.value ? ` [${run.value}]` : ""}
            </div>
            <div className="gantt-track">
              <div
                className={`gantt-bar state-${run.state.current}`}
                style={{ left: `${left}%`, width: `${width}%` }}
                title={`${run.state.current} ${seconds(run.state.startDate, run.state.endDate)}`}
              />
            </div>
            <div style={{ width: 110, textAlign: "right" }}><StateBadge state={run.state.current} /></div>
          </div>
        );
      })}
    </div>
  );
}

const key = (entry: LogEntry) => `${entry.taskRunId}|${entry.timestamp}|${entry.message}`;

/** The execution's logs at or above a level; with "live tail", new lines arrive over SSE. */
function Logs({ executionId, ended, generation }: { executionId: string; ended: boolean; generation: number }) {
  const [level, setLevel] = useState("INFO");
  const [tail, setTail] = useState(true);
  const [search, setSearch] = useState("");
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    const seen = new Set<string>();
    const add = (found: LogEntry[]) => {
      const fresh = found.filter((entry) => !seen.has(key(entry)));
      fresh.forEach((entry) => seen.add(key(entry)));
      if (live && fresh.length) {
        setEntries((old) =>
          [...old, ...fresh].sort((a, b) => (a.timestamp ?? "").localeCompare(b.timestamp ?? "")),
        );
      }
    };
    setEntries([]);
    api.logs(executionId, level).then(add, (e: Error) => live && setError(e.message));
    const stop = tail ? follow<LogEntry>(`/logs/${executionId}/follow?minLevel=${level}`, (e) => add([e])) : undefined;
    return () => {
      live = false;
      stop?.();
    };
  }, [executionId, level, tail, generation]);

  // The stored logs lag the stream a little: read them again once the execution has ended.
  useEffect(() => {
    if (ended) api.logs(executionId, level).then((found) => setEntries((old) => (found.length > old.length ? found : old)));
  }, [ended, executionId, level]);

  const words = search.toLowerCase();
  const shown = words ? entries.filter((e) => `${e.taskId ?? ""} ${e.message}`.toLowerCase().includes(words)) : entries;
  return (
    <>
      <div className="filters">
        <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label="Log level">
          {LEVELS.map((l) => <option key={l}>{l}</option>)}
        </select>
        <label><input type="checkbox" checked={tail} onChange={(e) => setTail(e.target.checked)} /> Live tail</label>
        <input placeholder="Search logs" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search logs" />
        <span className="muted">{shown.length} lines</span>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="logs" data-testid="logs">
        {shown.map((entry) => (
          <div key={key(entry)} className={`level-${entry.level}`}>
            {entry.timestamp?.slice(11, 23)} {entry.level.padEnd(5)} {entry.taskId ?? ""} {entry.message}
          </div>
        ))}
      </div>
    </>
  );
}
