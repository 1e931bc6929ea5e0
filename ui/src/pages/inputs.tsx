import { useId, useState } from "react";
import { ApiError, type FlowInput } from "../api";

// The form of a flow's inputs (or of a Pause task's onResume): one widget per Kestra input type,
// read back into the multipart body the server converts (libs/flowmesh/language/_input_values.py).

// java.time.Duration's text (PT5M, P1DT2H, PT0.5S), as an HTML pattern (a regular expression
// with the `v` flag: no character classes with `-` or `+` in them).
const DURATION = String.raw`(\+|-)?[Pp]([0-9]+[Dd])?([Tt]([0-9]+[Hh])?([0-9]+[Mm])?([0-9]+((\.|,)[0-9]{1,9})?[Ss])?)?`;
const PLAIN: Record<string, string> = { SECRET: "password", URI: "url", EMAIL: "email", DATE: "date" };

/** The fields of a form for inputs (a flow's, or a Pause task's onResume), by input type;
 * problems: what the server said of some of them, by input id (inputProblems). */
export function InputFields({ inputs, problems }: { inputs: FlowInput[]; problems?: Record<string, string> }) {
  return (
    <div className="inputs">
      {inputs.map((input) => <InputField key={input.id} input={input} problem={problems?.[input.id]} />)}
    </div>
  );
}

// Types whose widget takes the whole width of the form (text areas, lists of choices).
const WIDE = new Set(["JSON", "YAML", "ARRAY", "MULTISELECT"]);

/** What an API error says of each input it refused (its violations at `inputs.<id>`), by input id. */
export function inputProblems(error: unknown): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const violation of error instanceof ApiError ? error.violations : []) {
    const [, id] = /^(?:inputs|onResume)\.(.+)$/.exec(violation.path) ?? [];
    if (id) problems[id] = violation.message;
  }
  return problems;
}

/** One input: its label, its widget, its description (as help) and the server's problem with it. */
function InputField({ input, problem }: { input: FlowInput; problem?: string }) {
  const id = useId();
  const help = `${id}-help`;
  const checkBox = input.type === "BOOLEAN" || input.type === "BOOL";
  // A check box always has a value: true or false.
  const required = !checkBox && input.required !== false && isMissing(input.defaults);
  const hint = [input.description, hintOf(input)].filter(Boolean).join(" ");
  const described = hint ? help : undefined;
  const widget = { id, input, required, described };
  const title = input.displayName ?? input.id;
  const grouped = input.type === "MULTISELECT" || (input.type === "SELECT" && input.isRadio);
  return (
    <div className={["field", required && "required", WIDE.has(input.type) && "wide"].filter(Boolean).join(" ")}
      data-input={input.id} data-type={input.type}>
      {grouped ? (
        <fieldset aria-describedby={described}>
          <legend>{title}</legend>
          <Widget {...widget} />
        </fieldset>
      ) : checkBox ? (
        <label className="check">
          <Widget {...widget} /> {title}
        </label>
      ) : (
        <>
          <label htmlFor={id}>{title}</label>
          <Widget {...widget} />
        </>
      )}
      {hint && <small id={help} className="muted">{hint}</small>}
      {problem && <small className="error field-error">{problem}</small>}
    </div>
  );
}

interface WidgetProps {
  id: string;
  input: FlowInput;
  required: boolean;
  described: string | undefined;
}

// What every widget's field gets: its id (for its label), name (the input's id) and help.
interface Shared {
  id: string;
  name: string;
  required: boolean;
  "aria-describedby"?: string;
}

function Widget({ id, input, required, described }: WidgetProps) {
  const name = input.id;
  const shared: Shared = { id, name, required, "aria-describedby": described };
  const initial = defaultText(input);
  switch (input.type) {
    case "BOOLEAN":
    case "BOOL":
      return <input type="checkbox" {...shared} value="true" defaultChecked={initial === "true"} />;
    case "INT":
    case "FLOAT":
      return (
        <input type="number" {...shared} step={input.type === "INT" ? 1 : "any"} min={bound(input.min)}
          max={bound(input.max)} defaultValue={initial} />
      );
    case "SELECT":
    case "ENUM":
      return <Choice {...shared} input={input} initial={initial} />;
    case "MULTISELECT":
      return <Choices input={input} />;
    case "DATETIME":
      return <input type="datetime-local" step={1} {...shared} defaultValue={localDateTime(input.defaults)} />;
    case "TIME":
      return <input type="time" step={1} {...shared} defaultValue={initial} />;
    case "DURATION":
      return <input type="text" {...shared} pattern={DURATION} placeholder="PT5M" defaultValue={initial}
        title="an ISO-8601 duration such as PT5M, PT1H30M or P1D" />;
    case "JSON":
      return <JsonText {...shared} initial={initial} />;
    case "YAML":
    case "ARRAY":
      return <textarea {...shared} rows={4} defaultValue={initial} spellCheck={false} />;
    case "FILE":
      return <input type="file" {...shared} />;
    default:
      return <input type={PLAIN[input.type] ?? "text"} {...shared} defaultValue={initial}
        autoComplete={input.type === "SECRET" ? "new-password" : undefined} />;
  }
}

/** SELECT and ENUM: a list, radio buttons (isRadio), or a text field that suggests the values
 * (allowCustomValue). */
function Choice(props: Shared & { input: FlowInput; initial: string }) {
  const { input, initial, ...shared } = props;
  const values = choicesOf(input);
  if (input.isRadio) {
    return (
      <div className="choices">
        {values.map((value) => (
          <label key={value} className="check">
            <input type="radio" name={shared.name} value={value} required={shared.required}
              defaultChecked={value === initial} /> {value}
          </label>
        ))}
      </div>
    );
  }
  if (input.allowCustomValue) {
    return (
      <>
        <input type="text" {...shared} list={`${shared.id}-values`} defaultValue={initial} />
        <datalist id={`${shared.id}-values`}>{values.map((v) => <option key={v} value={v} />)}</datalist>
      </>
    );
  }
  return (
    <select {...shared} defaultValue={initial}>
      {(!shared.required || !values.includes(initial)) && <option value="">—</option>}
      {values.map((v) => <option key={v}>{v}</option>)}
    </select>
  );
}

/** MULTISELECT: a check box per value (and a field for others when allowCustomValue). */
function Choices({ input }: { input: FlowInput }) {
  const chosen = new Set(Array.isArray(input.defaults) ? input.defaults.map(String) : []);
  return (
    <div className="choices">
      {choicesOf(input).map((value) => (
        <label key={value} className="check">
          <input type="checkbox" name={input.id} value={value} defaultChecked={chosen.has(value)} /> {value}
        </label>
      ))}
      {input.allowCustomValue && (
        <input type="text" name={`${input.id} others`} aria-label={`${input.id}: other values`}
          placeholder="other values, comma-separated" />
      )}
    </div>
  );
}

/** A JSON input's text area, checked as it is typed: the form is not sent while it is not JSON. */
function JsonText(props: Shared & { initial: string }) {
  const { initial, ...shared } = props;
  const [problem, setProblem] = useState<string>();
  const check = (field: HTMLTextAreaElement) => {
    const found = jsonProblem(field.value);
    field.setCustomValidity(found ?? "");
    setProblem(found);
  };
  return (
    <>
      <textarea {...shared} rows={4} defaultValue={initial} spellCheck={false} aria-invalid={Boolean(problem)}
        aria-errormessage={`${shared.id}-error`} onChange={(event) => check(event.currentTarget)} />
      {problem && <small id={`${shared.id}-error`} className="error field-error">{problem}</small>}
    </>
  );
}

function jsonProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
}

/** What a type wants typed, where its widget does not say it. */
function hintOf(input: FlowInput): string {
  switch (input.type) {
    case "ARRAY":
      return `One ${input.itemType ?? "STRING"} per line.`;
    case "DATETIME":
      return `Local time (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`;
    case "YAML":
      return "YAML.";
    default:
      return "";
  }
}

const isMissing = (value: unknown) => value === undefined || value === null;
const bound = (value: unknown) => (typeof value === "number" ? value : undefined);
const choicesOf = (input: FlowInput) => (input.values ?? input.options ?? []).map(String);

/** The text a widget starts with: the input's default, written as that widget wants it. */
function defaultText(input: FlowInput): string {
  const value = input.defaults;
  if (isMissing(value)) return "";
  if (input.type === "ARRAY" && Array.isArray(value)) {
    return value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join("\n");
  }
  if (typeof value === "object") return JSON.stringify(value, null, 2);
  return String(value);
}

/** A datetime-local value (local time, to the second) of an ISO date-time, or "" when it is not one. */
function localDateTime(value: unknown): string {
  const date = typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}` +
    `T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** The multipart body of a form of InputFields, each value as the server parses its type:
 * lists (MULTISELECT, ARRAY) as JSON, date-times in UTC, files as files; empty fields left out. */
export function formData(form: HTMLFormElement, inputs: FlowInput[]): FormData {
  const given = new FormData(form);
  const data = new FormData();
  for (const input of inputs) {
    const value = valueOf(given, input);
    if (value !== undefined) data.set(input.id, value);
  }
  return data;
}

function valueOf(given: FormData, input: FlowInput): string | File | undefined {
  const value = given.get(input.id);
  switch (input.type) {
    case "BOOLEAN":
    case "BOOL":
      return value === "true" ? "true" : "false";
    case "MULTISELECT": {
      const others = String(given.get(`${input.id} others`) ?? "").split(",");
      const chosen = [...given.getAll(input.id).map(String), ...others.map((v) => v.trim()).filter(Boolean)];
      return chosen.length ? JSON.stringify(chosen) : undefined;
    }
    case "ARRAY": {
      const lines = String(value ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
      return lines.length ? JSON.stringify(lines) : undefined;
    }
    case "DATETIME":
      return value ? new Date(String(value)).toISOString() : undefined;
    case "FILE":
      return value instanceof File && value.name ? value : undefined;
    default:
      return value === null || value === "" ? undefined : value;
  }
}
