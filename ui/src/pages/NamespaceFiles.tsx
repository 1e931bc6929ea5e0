import { lazy, Suspense, useEffect, useState } from "react";
import { ApiError, namespaceFiles, namespaceFileUrl, type NamespaceFile } from "../api";

// CodeMirror loads when a file is opened: the tree shows without it.
const FileEditor = lazy(() => import("./Editor").then((m) => ({ default: m.FileEditor })));

/** The directory path is in (`/` for the root's entries). */
const parent = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";
const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** A path as typed (`scripts/a.py`, `/scripts/a.py/`) made absolute; "" for none. */
function absolute(typed: string): string {
  const trimmed = typed.trim().replace(/^\/+|\/+$/g, "");
  return trimmed ? `/${trimmed}` : "";
}

/** The directories above path, the root left out. */
function ancestors(path: string): string[] {
  const found = [];
  for (let dir = parent(path); dir !== "/"; dir = parent(dir)) found.push(dir);
  return found;
}

interface Entry {
  path: string;
  directory: boolean;
}

/** The file in the editor: `saved` is its text on the server, `text` as edited; binary when not UTF-8. */
interface Opened {
  path: string;
  saved: string;
  text: string;
  binary: boolean;
}

/** A namespace's files: a tree of its directories, an editor of its files, and what changes them. */
export function NamespaceFiles({ namespace }: { namespace: string }) {
  // The entries of the root and of each expanded directory, by directory path.
  const [listings, setListings] = useState<Record<string, NamespaceFile[]>>({});
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<Entry>();
  const [opened, setOpened] = useState<Opened>();
  const [typed, setTyped] = useState("");
  // What the search looks for, and the paths it found (undefined: no search shown).
  const [wanted, setWanted] = useState("");
  const [found, setFound] = useState<string[]>();
  // Where the selected entry moves to, while it is being renamed.
  const [target, setTarget] = useState<string>();
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const dirty = opened !== undefined && opened.text !== opened.saved;

  /** List the root and the open directories again (what is not listed any more is forgotten). */
  async function refresh(open: Set<string>) {
    const dirs = ["/", ...open];
    const lists = await Promise.all(dirs.map((dir) => namespaceFiles.list(namespace, dir)));
    setListings(Object.fromEntries(dirs.map((dir, i) => [dir, lists[i]])));
  }

  /** Run action, its error shown as what could not be done; its answer is the status shown. */
  async function run(what: string, action: () => Promise<string | void>) {
    setError(undefined);
    setStatus(undefined);
    try {
      const done = await action();
      if (done) setStatus(done);
    } catch (e) {
      setError(`Could not ${what}: ${(e as Error).message}`);
    }
  }

  useEffect(() => {
    setExpanded(new Set());
    select(undefined);
    setOpened(undefined);
    setFound(undefined);
    run("list the files", () => refresh(new Set()));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [namespace]);

  async function exists(path: string): Promise<boolean> {
    try {
      await namespaceFiles.stats(namespace, path);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  }

  function select(entry: Entry | undefined) {
    setSelected(entry);
    setTarget(undefined);
  }

  /** Whether the file in the editor may be replaced by another (the user agrees to lose changes). */
  const mayLeave = () => !dirty || confirm(`Discard the unsaved changes to ${opened?.path}?`);

  const toggle = (path: string) =>
    run(`list ${path}`, async () => {
      select({ path, directory: true });
      const open = new Set(expanded);
      if (open.has(path)) open.delete(path);
      else open.add(path);
      setExpanded(open);
      if (open.has(path)) {
        const entries = await namespaceFiles.list(namespace, path);
        setListings((old) => ({ ...old, [path]: entries }));
      }
    });

  function open(path: string) {
    if (opened?.path === path) return select({ path, directory: false });
    if (!mayLeave()) return;
    run(`open ${path}`, async () => {
      const bytes = await namespaceFiles.read(namespace, path);
      let text = "";
      let binary = false;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        binary = true;
      }
      select({ path, directory: false });
      setOpened({ path, saved: text, text, binary });
    });
  }

  function search() {
    const words = wanted.trim();
    if (!words) return setFound(undefined);
    run(`search for ${words}`, async () => setFound(await namespaceFiles.search(namespace, words)));
  }

  /** Open a file the search found, the directories above it expanded in the tree. */
  function reveal(path: string) {
    const dirs = new Set([...expanded, ...ancestors(path)]);
    setExpanded(dirs);
    open(path);
    run("list the files", () => refresh(dirs));
  }

  const save = () =>
    opened &&
    run(`save ${opened.path}`, async () => {
      await namespaceFiles.write(namespace, opened.path, new Blob([opened.text], { type: "text/plain" }));
      setOpened((now) => now && { ...now, saved: opened.text });
      await refresh(expanded);
      return `Saved ${opened.path}`;
    });

  function create(directory: boolean) {
    const path = absolute(typed);
    if (!path) return setError("Type the path of the new file or directory, e.g. scripts/main.py");
    if (!directory && !mayLeave()) return;
    run(`create ${path}`, async () => {
      if (await exists(path)) throw new Error(`${path} already exists`);
      if (directory) await namespaceFiles.makeDirectory(namespace, path);
      else await namespaceFiles.write(namespace, path, new Blob([]));
      const open = new Set([...expanded, ...ancestors(path), ...(directory ? [path] : [])]);
      setExpanded(open);
      select({ path, directory });
      if (!directory) setOpened({ path, saved: "", text: "", binary: false });
      setTyped("");
      await refresh(open);
      return `Created ${path}`;
    });
  }

  // Uploads go into the selected directory, or the selected file's, or the root.
  const uploadDir = selected ? (selected.directory ? selected.path : parent(selected.path)) : "/";
  const upload = (file: File) =>
    run(`upload ${file.name}`, async () => {
      const path = join(uploadDir, file.name);
      if ((await exists(path)) && !confirm(`Replace ${path}?`)) return;
      await namespaceFiles.write(namespace, path, file);
      if (opened?.path === path) setOpened(undefined);
      const open = uploadDir === "/" ? expanded : new Set([...expanded, uploadDir]);
      setExpanded(open);
      await refresh(open);
      return `Uploaded ${path}`;
    });

  function move(entry: Entry) {
    const to = absolute(target ?? "");
    run(`move ${entry.path}`, async () => {
      if (!to) throw new Error("type where to move it, e.g. scripts/other.py");
      if (to === entry.path) return setTarget(undefined);
      if (await exists(to)) throw new Error(`${to} already exists`);
      await namespaceFiles.move(namespace, entry.path, to);
      const moved = (path: string) => (within(path, entry.path) ? to + path.slice(entry.path.length) : path);
      const open = new Set([...[...expanded].map(moved), ...ancestors(to)]);
      setExpanded(open);
      select({ path: to, directory: entry.directory });
      setOpened((now) => now && { ...now, path: moved(now.path) });
      await refresh(open);
      return `Moved ${entry.path} to ${to}`;
    });
  }

  function remove(entry: Entry) {
    const what = entry.directory ? `${entry.path} and everything in it` : entry.path;
    if (!confirm(`Delete ${what}?`)) return;
    run(`delete ${entry.path}`, async () => {
      await namespaceFiles.remove(namespace, entry.path);
      const open = new Set([...expanded].filter((dir) => !within(dir, entry.path)));
      setExpanded(open);
      select(undefined);
      setOpened((now) => (now && within(now.path, entry.path) ? undefined : now));
      await refresh(open);
      return `Deleted ${entry.path}`;
    });
  }

  const shown = opened && selected?.path === opened.path ? opened : undefined;
  return (
    <section data-testid="namespace-files">
      <div className="filters">
        <input
          placeholder="path, e.g. scripts/main.py"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-label="New path"
        />
        <button className="secondary" onClick={() => create(false)}>New file</button>
        <button className="secondary" onClick={() => create(true)}>New directory</button>
        <button className="secondary" onClick={() => run("list the files", () => refresh(expanded))}>Refresh</button>
        <label className="upload">
          Upload to {uploadDir}{" "}
          <input
            type="file"
            aria-label="Upload a file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) upload(file);
            }}
          />
        </label>
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          search();
        }}
      >
        <input
          type="search"
          placeholder="part of a path, e.g. .py"
          value={wanted}
          onChange={(e) => setWanted(e.target.value)}
          aria-label="Search files"
        />
        <button type="submit" className="secondary">Search</button>
        {found && (
          <button type="button" className="secondary" onClick={() => (setWanted(""), setFound(undefined))}>
            Clear search
          </button>
        )}
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="files">
        {found && (
          <div className="file-tree" data-testid="file-search">
            <p className="muted">{found.length ? `${found.length} file(s) found` : "No file found."}</p>
            <ul>
              {found.map((path) => (
                <li key={path}>
                  <button
                    className={path === selected?.path ? "entry selected" : "entry"}
                    data-path={path}
                    onClick={() => reveal(path)}
                  >
                    {path}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="file-tree" data-testid="file-tree">
          {listings["/"]?.length === 0 && <p className="muted">No files yet.</p>}
          <Tree dir="/" listings={listings} expanded={expanded} selected={selected?.path} onDirectory={toggle} onFile={open} />
        </div>
        <div className="file-pane">
          {selected && (
            <div className="toolbar">
              <strong data-testid="selected-path">{selected.path}</strong>
              {shown && !shown.binary && <button onClick={save} disabled={!dirty}>Save file</button>}
              {target === undefined ? (
                <button className="secondary" onClick={() => setTarget(selected.path)}>Rename</button>
              ) : (
                <>
                  <input value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Move to" />
                  <button onClick={() => move(selected)}>Move</button>
                  <button className="secondary" onClick={() => setTarget(undefined)}>Cancel</button>
                </>
              )}
              <button className="danger" onClick={() => remove(selected)}>Delete</button>
              <span className="muted" data-testid="file-status">{shown && dirty ? "Unsaved changes" : status}</span>
            </div>
          )}
          {!selected && status && <p className="muted" data-testid="file-status">{status}</p>}
          {selected?.directory && (
            <p className="muted">A directory: new files go where you type, uploads into the selected directory.</p>
          )}
          {shown?.binary && (
            <p>
              Not UTF-8 text, so not editable here: <a href={namespaceFileUrl(namespace, shown.path)}>download it</a>.
            </p>
          )}
          {shown && !shown.binary && (
            <Suspense fallback={<p className="muted">Loading the editor…</p>}>
              <FileEditor
                key={shown.path}
                path={shown.path}
                initial={shown.text}
                onChange={(text) => setOpened((now) => now && { ...now, text })}
                onSave={save}
              />
            </Suspense>
          )}
        </div>
      </div>
    </section>
  );
}

/** The entries of dir, directories first, each expanded directory's own below it. */
function Tree(props: {
  dir: string;
  listings: Record<string, NamespaceFile[]>;
  expanded: Set<string>;
  selected?: string;
  onDirectory: (path: string) => void;
  onFile: (path: string) => void;
}) {
  const entries = [...(props.listings[props.dir] ?? [])].sort(
    (a, b) => Number(b.type === "Directory") - Number(a.type === "Directory") || a.fileName.localeCompare(b.fileName),
  );
  return (
    <ul>
      {entries.map((entry) => {
        const path = join(props.dir, entry.fileName);
        const directory = entry.type === "Directory";
        const open = props.expanded.has(path);
        return (
          <li key={path}>
            <button
              className={path === props.selected ? "entry selected" : "entry"}
              data-path={path}
              aria-expanded={directory ? open : undefined}
              onClick={() => (directory ? props.onDirectory(path) : props.onFile(path))}
            >
              {directory ? (open ? "▾ " : "▸ ") : ""}
              {entry.fileName}
            </button>
            {directory && open && <Tree {...props} dir={path} />}
          </li>
        );
      })}
    </ul>
  );
}
