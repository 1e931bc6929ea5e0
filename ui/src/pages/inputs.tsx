import type { FlowInput } from "../api";

/** The fields of a form for inputs (a flow's, or a Pause task's onResume), by input type. */
export function InputFields({ inputs }: { inputs: FlowInput[] }) {
  return <>{inputs.map((input) => <InputField key={input.id} input={input} />)}</>;
}

function InputField({ input }: { input: FlowInput }) {
  const name = input.id;
  const initial = input.defaults === undefined || input.defaults === null ? "" : String(input.defaults);
  switch (input.type) {
    case "BOOLEAN":
      return (
        <label className="check">
          <input type="checkbox" name={name} defaultChecked={initial === "true"} /> {name}
        </label>
      );
    case "SELECT":
    case "ENUM":
      return (
        <label>{name}
          <select name={name} defaultValue={initial}>
            {(input.values ?? []).map((v) => <option key={v}>{v}</option>)}
          </select>
        </label>
      );
    case "FILE":
      return <label>{name}<input type="file" name={name} required={input.required !== false} /></label>;
    case "INT":
    case "FLOAT":
      return (
        <label>{name}
          <input type="number" name={name} step={input.type === "INT" ? 1 : "any"} defaultValue={initial}
            required={input.required !== false && !initial} />
        </label>
      );
    default:
      return (
        <label>{name}
          <input type="text" name={name} defaultValue={initial} required={input.required !== false && !initial} />
        </label>
      );
  }
}

/** The multipart body of a form of InputFields: FILE inputs as files, BOOLEAN ones as true/false. */
export function formData(form: HTMLFormElement, inputs: FlowInput[]): FormData {
  const data = new FormData();
  for (const input of inputs) {
    const field = form.elements.namedItem(input.id) as HTMLInputElement | null;
    if (!field) continue;
    if (input.type === "BOOLEAN") data.set(input.id, field.checked ? "true" : "false");
    else if (input.type === "FILE") field.files?.[0] && data.set(input.id, field.files[0]);
    else if (field.value !== "") data.set(input.id, field.value);
  }
  return data;
}
