import { useCallback, useState } from "react";
import { Link } from "react-router-dom";
import { call, STATES, TERMINAL } from "../api";
import { usePolling } from "./common";

interface Day {
  startDate: string;
  duration: { min: string; max: string; p50: string; p95: string; count: number };
  executionCounts: Record<string, number>;
}

// Stacked from the bottom: ended states first, then those still going.
const STATE_ORDER = [...STATES.filter((s) => TERMINAL.has(s)), ...STATES.filter((s) => !TERMINAL.has(s))];
const COLORS: Record<string, string> = {
  SUCCESS: "#2e9d5b", WARNING: "#d99a1e", FAILED: "#c83737", KILLED: "#8a5a2b", CANCELLED: "#b07a4a",
  CREATED: "#9fb4d9", QUEUED: "#7a8294", RUNNING: "#3a7bd9", PAUSED: "#e6c35c", RETRYING: "#e08b3a",
  RESTARTED: "#9b6fd1", KILLING: "#a86e3c",
};
const OTHER = "#b8bec9";

/** Seconds of an ISO-8601 duration such as PT1M2.5S (days included). */
function seconds(iso: string | undefined): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso ?? "");
  if (!match) return 0;
  const [, d, h, m, s] = match.map((part) => Number(part ?? 0));
  return ((d * 24 + h) * 60 + m) * 60 + s;
}

/** How many executions started on the day, in any state. */
const total = (day: Day) => Object.values(day.executionCounts).reduce((a, b) => a + b, 0);

const range = (days: number) => {
  const end = new Date();
  return { startDate: new Date(end.getTime() - days * 86_400_000).toISOString(), endDate: end.toISOString() };
};
const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** Executions over time by state, their duration percentiles, and the flows that fail most. */
export function DashboardPage() {
  const [days, setDays] = useState(14);
  const daily = usePolling(() => call<Day[]>("/stats/executions/daily", post(range(days))), [days], 10000);
  const byFlow = usePolling(
    () => call<Record<string, Record<string, Day[]>>>("/stats/executions/daily/group-by-flow", post(range(days))),
    [days],
    10000,
  );
  const failing = Object.entries(byFlow.data ?? {})
    .flatMap(([namespace, flows]) =>
      Object.entries(flows).map(([flowId, list]) => ({
        namespace,
        flowId,
        failed: list.reduce((sum, day) => sum + (day.executionCounts.FAILED ?? 0), 0),
        total: list.reduce((sum, day) => sum + total(day), 0),
      })),
    )
    .filter((flow) => flow.failed > 0)
    .sort((a, b) => b.failed - a.failed)
    .slice(0, 10);

  return (
    <>
      <h1>Dashboard</h1>
      <div className="filters">
        <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label="Days">
          {[7, 14, 30, 90].map((n) => <option key={n} value={n}>Last {n} days</option>)}
        </select>
      </div>
      {(daily.error ?? byFlow.error) && <p className="error">{daily.error ?? byFlow.error}</p>}
      <h2>Executions per day</h2>
      {daily.data && <Bars days={daily.data} />}
      <h2>Durations of ended executions</h2>
      {daily.data && <Durations days={daily.data} />}
      <h2>Failing flows</h2>
      <table data-testid="failing">
        <thead><tr><th>Flow</th><th>Failed</th><th>Executions</th><th>Failed share</th></tr></thead>
        <tbody>
          {failing.map((flow) => (
            <tr key={`${flow.namespace}/${flow.flowId}`}>
              <td><Link to={`/flows/${flow.namespace}/${flow.flowId}`}>{flow.namespace}.{flow.flowId}</Link></td>
              <td>{flow.failed}</td>
              <td>{flow.total}</td>
              <td>{Math.round((100 * flow.failed) / flow.total)} %</td>
            </tr>
          ))}
          {byFlow.data && failing.length === 0 && (
            <tr><td colSpan={4} className="muted">No failed executions in this range.</td></tr>
          )}
        </tbody>
      </table>
    </>
  );
}

/** The width of an element, kept up to date as it is resized. */
function useWidth(): [(node: HTMLElement | null) => () => void, number] {
  const [width, setWidth] = useState(0);
  const measure = useCallback((node: HTMLElement | null) => {
    const observer = new ResizeObserver(([entry]) => setWidth(entry.contentRect.width));
    if (node) observer.observe(node);
    return () => observer.disconnect();
  }, []);
  return [measure, width];
}

/** Round tick steps (1, 2 or 5 times a power of ten) from 0 to at least top, about 4 of them. */
function ticks(top: number): number[] {
  const rough = Math.max(1, top / 4);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= rough) ?? rough;
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

// Room around the bars for the axis: the counts on the left, the dates below (the last one centred
// under the last bar, so half a date's width on the right).
const PLOT = { height: 200, left: 44, right: 24, top: 10, bottom: 28 };

/** Stacked bars across the whole width: one per day, a segment per state, a y axis of counts,
 * a date under every day that has room (today's always), and a legend of the states counted in the range. */
function Bars({ days }: { days: Day[] }) {
  const [measure, width] = useWidth();
  const named = new Set(days.flatMap((day) => Object.keys(day.executionCounts)));
  const order = [...STATE_ORDER, ...[...named].filter((state) => !STATE_ORDER.includes(state)).sort()];
  const shown = order.filter((state) => days.some((day) => (day.executionCounts[state] ?? 0) > 0));
  const scale = ticks(Math.max(1, ...days.map(total)));
  const top = scale[scale.length - 1];
  const plotWidth = Math.max(0, width - PLOT.left - PLOT.right);
  const slot = plotWidth / Math.max(1, days.length);
  const bar = Math.min(56, slot * 0.7);
  const every = Math.ceil(48 / Math.max(1, slot)); // a date label takes about 48 pixels
  const y = (count: number) => PLOT.top + PLOT.height - (count / top) * PLOT.height;
  return (
    <div className="chart" data-testid="daily" ref={measure}>
      <svg width={width} height={PLOT.top + PLOT.height + PLOT.bottom} role="img" aria-label="Executions per day">
        {scale.map((tick) => (
          <g key={tick}>
            <line x1={PLOT.left} x2={width - PLOT.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={PLOT.left - 6} y={y(tick) + 4} textAnchor="end" className="axis">{tick}</text>
          </g>
        ))}
        {days.map((day, index) => {
          const x = PLOT.left + index * slot + (slot - bar) / 2;
          let base = 0;
          return (
            <g key={day.startDate} data-day={day.startDate.slice(0, 10)} data-total={total(day)}>
              <title>{`${day.startDate.slice(0, 10)}: ${total(day)} executions${shown
                .filter((state) => day.executionCounts[state])
                .map((state) => `\n${state}: ${day.executionCounts[state]}`)
                .join("")}`}</title>
              {/* the whole slot answers the pointer, empty days too */}
              <rect x={PLOT.left + index * slot} y={PLOT.top} width={slot} height={PLOT.height} fill="transparent" />
              {shown.map((state) => {
                const count = day.executionCounts[state] ?? 0;
                if (!count) return null;
                base += count;
                return <rect key={state} x={x} y={y(base)} width={bar} height={y(base - count) - y(base)} fill={COLORS[state] ?? OTHER} />;
              })}
              {(days.length - 1 - index) % every === 0 && (
                <text x={x + bar / 2} y={PLOT.top + PLOT.height + 18} textAnchor="middle" className="axis">
                  {shortDate(day.startDate)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div className="legend">
        {shown.map((state) => (
          <span key={state}>
            <i style={{ background: COLORS[state] ?? OTHER }} /> {state}{" "}
            {days.reduce((sum, day) => sum + (day.executionCounts[state] ?? 0), 0)}
          </span>
        ))}
        {shown.length === 0 && <span>No executions in this range.</span>}
      </div>
    </div>
  );
}

/** A day's date as `Nov 23` (UTC: the server counts days in UTC). */
const shortDate = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

/** A duration for a person: `850 ms`, `12.3 s`, `4 min 5 s`, `2 h 10 min`. */
function human(iso: string | undefined): string {
  const total = seconds(iso);
  if (total < 1) return `${Math.round(total * 1000)} ms`;
  if (total < 60) return `${total.toFixed(1)} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${Math.round(total % 60)} s`;
  return `${Math.floor(total / 3600)} h ${Math.round((total % 3600) / 60)} min`;
}

/** The durations of the ended executions of each day that has some, newest day first. */
function Durations({ days }: { days: Day[] }) {
  const counted = days.filter((d) => d.duration.count > 0).reverse();
  return (
    <table data-testid="durations">
      <thead>
        <tr><th>Day</th><th>Ended executions</th><th>Min</th><th>Median (p50)</th><th>p95</th><th>Max</th></tr>
      </thead>
      <tbody>
        {counted.map((day) => (
          <tr key={day.startDate}>
            <td>{day.startDate.slice(0, 10)}</td>
            <td>{day.duration.count}</td>
            <td>{human(day.duration.min)}</td>
            <td>{human(day.duration.p50)}</td>
            <td>{human(day.duration.p95)}</td>
            <td>{human(day.duration.max)}</td>
          </tr>
        ))}
        {counted.length === 0 && <tr><td colSpan={6} className="muted">No ended executions in this range.</td></tr>}
      </tbody>
    </table>
  );
}
