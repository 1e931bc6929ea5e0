// The REST API of the gateway (Kestra's paths and JSON shapes): the only thing the UI talks to.

export const API = "/api/v1/main";

export interface State {
  current: string;
  startDate: string | null;
  endDate: string | null;
  histories: { state: string; date: string }[];
}

/** A declared input, as written in the flow (Kestra's properties; flowmesh checked them). */
export interface FlowInput {
  id: string;
  type: string;
  required?: boolean;
  defaults?: unknown;
  description?: string;
  displayName?: string;
  // SELECT, ENUM, MULTISELECT (`options`: MULTISELECT's deprecated spelling of values)
  values?: unknown[];
  options?: unknown[];
  allowCustomValue?: boolean;
  isRadio?: boolean;
  // INT, FLOAT: numbers; DURATION: ISO-8601 text
  min?: unknown;
  max?: unknown;
  // ARRAY: the type of its items
  itemType?: string;
}

export interface Flow {
  id: string;
  namespace: string;
  revision: number;
  source: string;
  description?: string;
  disabled?: boolean;
  // As the YAML writes them: a map of key to value, or a list of {key, value}.
  labels?: Record<string, unknown> | Label[];
  inputs?: FlowInput[];
  tasks?: unknown[];
}

export interface TaskRun {
  id: string;
  taskId: string;
  value: string | null;
  state: State;
  outputs: Record<string, unknown>;
}

export interface FilePreview {
  type: string;
  content: unknown;
  truncated: boolean;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: State;
  taskRunList: TaskRun[];
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  labels: Label[];
}

export interface Label {
  key: string;
  value: string;
}

/** The filters of the executions list; empty ones are left out of the query. */
export interface ExecutionFilters {
  namespace?: string;
  flowId?: string;
  state?: string;
  // ISO dates: executions started from startDate, up to endDate.
  startDate?: string;
  endDate?: string;
  // "key:value"
  labels?: string;
}

/** A trigger of a flow and where it stands (Kestra's Trigger). */
export interface TriggerState {
  namespace: string;
  flowId: string;
  triggerId: string;
  nextEvaluationDate: string | null;
  lastTriggeredDate: string | null;
  disabled: boolean;
  locked: boolean;
  backfill: { start: string; end: string | null; currentDate: string | null; paused: boolean } | null;
}

/** What names one trigger in the trigger actions' bodies. */
export type TriggerRef = Pick<TriggerState, "namespace" | "flowId" | "triggerId">;

export interface LogEntry {
  namespace: string;
  flowId: string;
  executionId: string | null;
  taskId: string | null;
  taskRunId: string | null;
  timestamp: string | null;
  level: string;
  message: string;
}

export interface Page<T> {
  results: T[];
  total: number;
}

export interface Validation {
  index: number;
  constraints?: string;
}

export const STATES = [
  "CREATED", "QUEUED", "RUNNING", "PAUSED", "RETRYING", "RESTARTED", "KILLING",
  "SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED",
];
export const TERMINAL = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"]);
export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/** One bad field of a request: its path (`inputs.count`) and what is wrong with it. */
export interface Violation {
  path: string;
  message: string;
}

/** An error of the API, with the message and the bad fields of its error body. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly violations: Violation[] = []) {
    super(message);
  }
}

/** Fetch url and return its JSON (undefined for an empty answer); an error answer throws ApiError. */
async function request<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const message = body?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, body?.violations ?? []);
  }
  return body as T;
}

// Who wants to know that a call needs a session (auth is on and there is none, or it ended).
const signInNeeded = new Set<() => void>();

/** Call onSignInNeeded whenever a call of the API answers 401; return what stops it. */
export function whenSignInNeeded(onSignInNeeded: () => void): () => void {
  signInNeeded.add(onSignInNeeded);
  return () => {
    signInNeeded.delete(onSignInNeeded);
  };
}

/** Call the API at path (under API) and return its JSON (undefined for an empty answer). */
export async function call<T>(path: string, init?: RequestInit): Promise<T> {
  try {
    return await request<T>(API + path, init);
  } catch (e) {
    throw e instanceof ApiError ? refused(e) : e;
  }
}

/** Return error, first telling who wants to know when it says that the call needs a session. */
function refused(error: ApiError): ApiError {
  if (error.status === 401) signInNeeded.forEach((listener) => listener());
  return error;
}

/** The UI's session: an HttpOnly cookie that the gateway sets at login, so no script ever holds
 * the credentials, and that EventSource sends too (it cannot send an Authorization header). */
export const session = {
  /** Whether callers must sign in (auth is on). */
  required: () =>
    request<{ isBasicAuthInitialized: boolean }>("/api/v1/configs/login").then((c) => c.isBasicAuthInitialized),
  login: (username: string, password: string) =>
    request<{ username: string }>("/api/v1/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    }),
  logout: () => request<unknown>("/api/v1/logout", { method: "POST" }),
};

/** The query string of the parameters that have a value; a list repeats its parameter. */
export function query(params: Record<string, string | number | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== "") search.append(key, String(item));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const yamlBody = (source: string): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/x-yaml" },
  body: source,
});

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

export const api = {
  // labels: "key:value" texts, every one of which a flow must have.
  searchFlows: (q: string, namespace: string, labels: string[] = []) =>
    call<Page<Flow>>(`/flows/search${query({ q, namespace, labels, size: 100, sort: "id:asc" })}`),
  namespaces: () => call<string[]>("/flows/distinct-namespaces"),
  flow: (namespace: string, id: string, revision?: number) =>
    call<Flow>(`/flows/${namespace}/${id}${query({ revision })}`),
  createFlow: (source: string) => call<Flow>("/flows", yamlBody(source)),
  updateFlow: (namespace: string, id: string, source: string) =>
    call<Flow>(`/flows/${namespace}/${id}`, { ...yamlBody(source), method: "PUT" }),
  revisions: (namespace: string, id: string) => call<Flow[]>(`/flows/${namespace}/${id}/revisions`),
  validate: (source: string) => call<Validation[]>("/flows/validate", yamlBody(source)),
  execute: (namespace: string, id: string, form: FormData) =>
    call<Execution>(`/executions/${namespace}/${id}`, { method: "POST", body: form }),
  // page: from 1
  searchExecutions: (filters: ExecutionFilters, page: number, size: number) =>
    call<Page<Execution>>(`/executions/search${query({ ...filters, page, size, sort: "state.startDate:desc" })}`),
  execution: (id: string) => call<Execution>(`/executions/${id}`),
  kill: (id: string) => call<unknown>(`/executions/${id}/kill`, { method: "DELETE" }),
  replay: (id: string, taskRunId: string) =>
    call<Execution>(`/executions/${id}/actions/replay${query({ taskRunId })}`, { method: "POST" }),
  changeState: (id: string, taskRunId: string, state: string) =>
    call<Execution>(`/executions/${id}/actions/state`, json("POST", { taskRunId, state })),
  setLabels: (id: string, labels: Label[]) => call<Execution>(`/executions/${id}/actions/labels`, json("POST", labels)),
  resume: (id: string, form: FormData) =>
    call<Execution>(`/executions/${id}/actions/resume`, { method: "POST", body: form }),
  restart: (id: string) => call<Execution>(`/executions/${id}/actions/restart`, { method: "POST" }),
  preview: (id: string, path: string) => call<FilePreview>(`/executions/${id}/file/preview${query({ path })}`),
  searchLogs: (filters: { q: string; namespace: string; minLevel: string }) =>
    call<Page<LogEntry>>(`/logs/search${query({ ...filters, size: 100, sort: "timestamp:desc" })}`),
  logs: (id: string, minLevel: string) => call<LogEntry[]>(`/logs/${id}${query({ minLevel })}`),
  // The triggers of the flows of a namespace (and those below it), or of one flow.
  searchTriggers: (namespace: string) =>
    call<Page<{ state: TriggerState }>>(`/triggers/search${query({ namespace, size: 100 })}`).then((page) =>
      page.results.map((item) => item.state),
    ),
  flowTriggers: (namespace: string, flowId: string) =>
    call<Page<TriggerState>>(`/triggers/${namespace}/${flowId}${query({ size: 100 })}`).then((page) => page.results),
  setTriggerDisabled: (ref: TriggerRef, disabled: boolean) =>
    call<TriggerState>("/triggers/set-disabled", json("PUT", { ...ref, disabled })),
  unlockTrigger: (ref: TriggerRef) =>
    call<TriggerState>(`/triggers/${ref.namespace}/${ref.flowId}/${ref.triggerId}/unlock`, { method: "POST" }),
  createBackfill: (ref: TriggerRef, start: string, end?: string) =>
    call<TriggerState>("/triggers/backfill/create", json("PUT", { ...ref, backfill: { start, end } })),
  pauseBackfill: (ref: TriggerRef, paused: boolean) =>
    call<TriggerState>(`/triggers/backfill/${paused ? "pause" : "unpause"}`, json("PUT", ref)),
  deleteBackfill: (ref: TriggerRef) => call<TriggerState>("/triggers/backfill/delete", json("POST", ref)),
};

/** The address that downloads a file of an execution (a kestra:/// URI of its inputs or outputs). */
export const fileUrl = (id: string, path: string) => `${API}/executions/${id}/file${query({ path })}`;

/** A file or directory of a namespace's files (Kestra's FileAttributes). */
export interface NamespaceFile {
  fileName: string;
  type: "File" | "Directory";
  size: number;
  lastModifiedTime: number | null;
}

/** The address of a namespace's files; with a path (`/scripts/main.py`), the one that downloads it. */
export const namespaceFileUrl = (namespace: string, path?: string) =>
  `${API}/namespaces/${namespace}/files${query({ path })}`;

/** A namespace's files. Paths are absolute inside them: `/` is the root, `/scripts/main.py` a file. */
export const namespaceFiles = {
  list: (namespace: string, path: string) =>
    call<NamespaceFile[]>(`/namespaces/${namespace}/files/directory${query({ path })}`),
  stats: (namespace: string, path: string) =>
    call<NamespaceFile>(`/namespaces/${namespace}/files/stats${query({ path })}`),
  /** The paths of the files (not directories) whose path contains q, sorted. */
  search: (namespace: string, q: string) => call<string[]>(`/namespaces/${namespace}/files/search${query({ q })}`),
  /** The file's bytes (not JSON, so not through call). */
  read: async (namespace: string, path: string): Promise<ArrayBuffer> => {
    const response = await fetch(namespaceFileUrl(namespace, path));
    if (!response.ok) {
      const text = await response.text();
      const message = text.startsWith("{") ? JSON.parse(text).message : undefined;
      throw refused(new ApiError(response.status, message ?? `${response.status} ${response.statusText}`));
    }
    return response.arrayBuffer();
  },
  /** Create or replace the file with content (a multipart part `fileContent`, as Kestra's). */
  write: (namespace: string, path: string, content: Blob) => {
    const form = new FormData();
    form.append("fileContent", content, path.slice(path.lastIndexOf("/") + 1));
    return call<void>(`/namespaces/${namespace}/files${query({ path })}`, { method: "POST", body: form });
  },
  makeDirectory: (namespace: string, path: string) =>
    call<void>(`/namespaces/${namespace}/files/directory${query({ path })}`, { method: "POST" }),
  move: (namespace: string, from: string, to: string) =>
    call<void>(`/namespaces/${namespace}/files${query({ from, to })}`, { method: "PUT" }),
  remove: (namespace: string, path: string) =>
    call<void>(`/namespaces/${namespace}/files${query({ path })}`, { method: "DELETE" }),
};

/** Open an SSE stream of the API; each `data` is parsed as JSON and given to onMessage;
 * onEnd is called once the stream has ended (as it does with its execution) or failed. */
export function follow<T>(path: string, onMessage: (message: T) => void, onEnd?: () => void): () => void {
  const source = new EventSource(API + path);
  source.onmessage = (event) => onMessage(JSON.parse(event.data) as T);
  // EventSource would reconnect by itself and replay the stream: the caller decides instead.
  source.onerror = () => {
    source.close();
    onEnd?.();
  };
  return () => source.close();
}
