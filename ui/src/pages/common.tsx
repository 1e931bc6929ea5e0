import { useEffect, useState } from "react";

export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state}`} data-state={state}>{state}</span>;
}

/** The date and time of an ISO string, or "" for none. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** Seconds between two ISO dates (the second one defaulting to now). */
export function seconds(start: string | null, end: string | null): string {
  if (!start) return "";
  const stop = end ? Date.parse(end) : Date.now();
  return `${((stop - Date.parse(start)) / 1000).toFixed(1)} s`;
}

/** Run load now and every intervalMs while the component is shown; keep its last result. */
export function usePolling<T>(load: () => Promise<T>, deps: unknown[], intervalMs: number) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    const tick = () =>
      load().then(
        (value) => live && (setData(value), setError(undefined)),
        (e: Error) => live && setError(e.message),
      );
    tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { data, error };
}

/** The labels a user set, as key:value words (flowmesh's own `system.` labels left out). */
export function labelText(labels: { key: string; value: string }[]): string {
  return labels
    .filter((l) => !l.key.startsWith("system."))
    .map((l) => `${l.key}:${l.value}`)
    .join(" ");
}
