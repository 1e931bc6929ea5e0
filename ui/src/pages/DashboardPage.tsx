import { useState } from "react";
import { Link } from "react-router-dom";
import { call } from "../api";
import { usePolling } from "./common";

interface Day {
  startDate: string;
  duration: { p50: string; p95: string; count: number };
  executionCounts: Record<string, number>;
}

const SHOWN_STATES = ["SUCCESS", "WARNING", "FAILED", "KILLED", "RUNNING", "CREATED"];
const COLORS: Record<string, string> = {
  SUCCESS: "#2e9d5b", WARNING: "#d99a1e", FAILED: "#c83737", KILLED: "#8a5a2b", RUNNING: "#3a7bd9", CREATED: "#7a8294",
};

/** Seconds of an ISO-8601 duration such as PT1M2.5S (days included). */
function seconds(iso: string | undefined): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso ?? "");
  if (!match) return 0;
  const [, d, h, m, s] = match.map((part) => Number(part ?? 0));
  return ((d * 24 + h) * 60 + m) * 60 + s;
}

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
        total: list.reduce((sum, day) => sum + Object.values(day.executionCounts).reduce((a, b) => a + b, 0), 0),
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
      <h2>Durations (seconds)</h2>
      {daily.data && <Durations days={daily.data} />}
      <h2>Failing flows</h2>
      <table data-testid="failing">
        <thead><tr><th>Flow</th><th>Failed</th><th>Executions</th></tr></thead>
        <tbody>
          {failing.map((flow) => (
            <tr key={`${flow.namespace}/${flow.flowId}`}>
              <td><Link to={`/flows/${flow.namespace}/${flow.flowId}`}>{flow.namespace}.{flow.flowId}</Link></td>
              <td>{flow.failed}</td>
              <td>{flow.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Stacked bars: one per day, a segment per state. */
function Bars({ days }: { days: Day[] }) {
  const height = 160;
  const width = 28;
  const top = Math.max(1, ...days.map((d) => SHOWN_STATES.reduce((sum, s) => sum + (d.executionCounts[s] ?? 0), 0)));
  return (
    <div className="chart" data-testid="daily">
      <svg width={days.length * (width + 6) + 40} height={height + 40}>
        <text x={0} y={12} className="axis">{top}</text>
        {days.map((day, index) => {
          let y = height + 16;
          const total = SHOWN_STATES.reduce((sum, s) => sum + (day.executionCounts[s] ?? 0), 0);
          return (
            <g key={day.startDate} data-day={day.startDate.slice(0, 10)} data-total={total}>
              <title>{`${day.startDate.slice(0, 10)}: ${total} executions`}</title>
              {SHOWN_STATES.map((state) => {
                const count = day.executionCounts[state] ?? 0;
                const h = (count / top) * height;
                y -= h;
                return count ? <rect key={state} x={30 + index * (width + 6)} y={y} width={width} height={h} fill={COLORS[state]} /> : null;
              })}
              <text x={30 + index * (width + 6)} y={height + 32} className="axis">{day.startDate.slice(8, 10)}</text>
            </g>
          );
        })}
      </svg>
      <div className="legend">
        {SHOWN_STATES.map((s) => <span key={s}><i style={{ background: COLORS[s] }} /> {s}</span>)}
      </div>
    </div>
  );
}

function Durations({ days }: { days: Day[] }) {
  const counted = days.filter((d) => d.duration.count > 0);
  return (
    <table data-testid="durations">
      <thead><tr><th>Day</th><th>Executions</th><th>p50</th><th>p95</th></tr></thead>
      <tbody>
        {counted.map((day) => (
          <tr key={day.startDate}>
            <td>{day.startDate.slice(0, 10)}</td>
            <td>{day.duration.count}</td>
            <td>{seconds(day.duration.p50).toFixed(2)}</td>
            <td>{seconds(day.duration.p95).toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
