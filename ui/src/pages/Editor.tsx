import { useEffect, useRef, useState } from "react";
import { basicSetup, EditorView } from "codemirror";
import type { Extension } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { yaml, yamlLanguage } from "@codemirror/lang-yaml";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { api } from "../api";
import { taskCompletion } from "./completion";

/** Where a constraint of the server names a line ("line 3, column 5: ..."), that line; else the first. */
function diagnostics(view: EditorView, constraints: string): Diagnostic[] {
  const doc = view.state.doc;
  return constraints.split("\n").map((text) => {
    const match = /^line (\d+), column (\d+): /.exec(text);
    const line = doc.line(match ? Math.min(Number(match[1]), doc.lines) : 1);
    const from = match ? Math.min(line.from + Math.max(Number(match[2]) - 1, 0), line.to) : line.from;
    return { from, to: line.to, severity: "error", message: text };
  });
}

/** The server's validation of the source, as the linter's diagnostics (as you type, debounced). */
const serverLinter = (onResult: (problems: string[]) => void) =>
  linter(
    async (view) => {
      const source = view.state.doc.toString();
      if (!source.trim()) return [];
      try {
        const results = await api.validate(source);
        const found = results.flatMap((r) => (r.constraints ? diagnostics(view, r.constraints) : []));
        onResult(found.map((d) => d.message));
        return found;
      } catch (e) {
        onResult([(e as Error).message]);
        return [{ from: 0, to: 0, severity: "error", message: (e as Error).message }];
      }
    },
    { delay: 400 },
  );

/** A CodeMirror 6 editor of initial text, with the extensions given at its making (a language...). */
export function CodeEditor(props: { initial: string; extensions: Extension[]; onChange: (text: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  useEffect(() => {
    const view = new EditorView({
      doc: props.initial,
      parent: host.current!,
      extensions: [
        basicSetup,
        props.extensions,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange.current(update.state.doc.toString());
        }),
      ],
    });
    return () => view.destroy();
    // The editor owns the text once made; another text remounts it (key).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return <div className="editor" ref={host} data-testid="editor" />;
}

/** A CodeMirror 6 YAML editor of a flow, validated by the server as you type, completing tasks. */
export function YamlEditor(props: {
  initial: string;
  onChange: (source: string) => void;
  onValidated: (problems: string[]) => void;
}) {
  const onValidated = useRef(props.onValidated);
  onValidated.current = props.onValidated;
  const [extensions] = useState(() => [
    yaml(),
    yamlLanguage.data.of({ autocomplete: taskCompletion }),
    lintGutter(),
    serverLinter((problems) => onValidated.current(problems)),
  ]);
  return <CodeEditor initial={props.initial} extensions={extensions} onChange={props.onChange} />;
}

// The languages of the CodeMirror packages the UI has, by file extension; other files are plain text.
const LANGUAGES: Record<string, () => Extension> = { yml: yaml, yaml: yaml };

function language(path: string): Extension[] {
  const make = LANGUAGES[path.slice(path.lastIndexOf(".") + 1).toLowerCase()];
  return make ? [make()] : [];
}

/** A CodeMirror 6 editor of a file at path, its language told by its extension; Ctrl+S (Cmd+S) saves. */
export function FileEditor(props: {
  path: string;
  initial: string;
  onChange: (text: string) => void;
  onSave: () => void;
}) {
  const onSave = useRef(props.onSave);
  onSave.current = props.onSave;
  const [extensions] = useState(() => [
    keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (onSave.current(), true) }]),
    ...language(props.path),
  ]);
  return <CodeEditor initial={props.initial} extensions={extensions} onChange={props.onChange} />;
}
