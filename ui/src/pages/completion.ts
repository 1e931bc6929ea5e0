// Completion of task types and of a task's properties, from the server's JSON Schema of flows
// (GET /plugins/schemas/flow): `$defs.task.oneOf` names every task type and the definition of each.
import type { Completion, CompletionContext, CompletionResult, CompletionSource } from "@codemirror/autocomplete";
import { call } from "../api";

interface Schema {
  $defs?: Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
}

interface Catalog {
  types: Completion[];
  // Property completions by task type.
  properties: Map<string, Completion[]>;
}

let catalog: Promise<Catalog> | undefined;

function load(): Promise<Catalog> {
  catalog ??= call<Schema>("/plugins/schemas/flow").then((schema) => {
    const defs = schema.$defs ?? {};
    const kinds = (defs.task as { oneOf?: { title: string; $ref?: string }[] } | undefined)?.oneOf ?? [];
    const properties = new Map<string, Completion[]>();
    const types = kinds.map((kind) => {
      const def = defs[(kind.$ref ?? "").split("/").pop() ?? ""];
      const props = Object.entries(def?.properties ?? {}).filter(([name]) => name !== "type");
      properties.set(
        kind.title,
        props.map(([name, prop]) => ({ label: name, type: "property", apply: `${name}: `, info: prop.description })),
      );
      return { label: kind.title, type: "class", info: def?.description };
    });
    return { types, properties };
  });
  return catalog;
}

const TYPE = /^\s*(?:- )?type:\s*(\S+)/;
// The column of a line's key: "    - id: x" has its key at 6, as the lines of its item below.
const keyColumn = (text: string) => text.length - text.trimStart().replace(/^- /, "").length;
const opensItem = (text: string) => text.trimStart().startsWith("- ");

/** The task type of the list item the line at number belongs to (its `type:` at that column). */
function blockType(context: CompletionContext, number: number, column: number): string | undefined {
  const doc = context.state.doc;
  // Up to the line that opens the item, then down to the next item or a shallower line.
  for (let n = number; n >= 1; n--) {
    const text = doc.line(n).text;
    if (!text.trim() || keyColumn(text) > column) continue;
    if (keyColumn(text) < column) return undefined;
    const match = TYPE.exec(text);
    if (match) return match[1];
    if (opensItem(text)) break;
  }
  for (let n = number + 1; n <= doc.lines; n++) {
    const text = doc.line(n).text;
    if (!text.trim() || keyColumn(text) > column) continue;
    if (keyColumn(text) < column || opensItem(text)) return undefined;
    const match = TYPE.exec(text);
    if (match) return match[1];
  }
  return undefined;
}

export const taskCompletion: CompletionSource = async (context): Promise<CompletionResult | null> => {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const typed = /type:\s*([\w.]*)$/.exec(before);
  if (typed) {
    const { types } = await load();
    return { from: context.pos - typed[1].length, options: types, validFor: /^[\w.]*$/ };
  }
  const key = /^(\s*(?:- )?)(\w*)$/.exec(before);
  if (!key || (!context.explicit && !key[2])) return null;
  const type = blockType(context, line.number, key[1].length);
  if (!type) return null;
  const { properties } = await load();
  const options = properties.get(type);
  return options ? { from: context.pos - key[2].length, options, validFor: /^\w*$/ } : null;
};
