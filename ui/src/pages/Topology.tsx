import { useEffect, useState } from "react";
import { call } from "../api";

interface GraphNode {
  uid: string;
  type: string;
  task?: { id?: string; type?: string };
  taskRun?: { state: { current: string } } | null;
}

interface Graph {
  nodes: GraphNode[];
  edges: { source: string; target: string }[];
  clusters: { cluster: GraphNode; nodes: string[] }[];
}

const COLUMN = 180;
const ROW = 56;
const WIDTH = 140;
const HEIGHT = 32;

/** Each node's column: the length of the longest path of edges that reaches it. */
function columns(graph: Graph): Map<string, number> {
  const column = new Map(graph.nodes.map((n) => [n.uid, 0]));
  // A graph of tasks is acyclic: as many passes as nodes settle every column.
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    let moved = false;
    for (const edge of graph.edges) {
      const next = (column.get(edge.source) ?? 0) + 1;
      if (next > (column.get(edge.target) ?? 0)) {
        column.set(edge.target, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return column;
}

/** The tasks of a flow (or an execution, colored by the states of its task runs) as a graph:
 * columns by order, flowables drawn as boxes around their tasks. path: the API's graph route. */
export function Topology({ path, refresh }: { path: string; refresh?: string }) {
  const [graph, setGraph] = useState<Graph>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<Graph>(path).then(setGraph, (e: Error) => setError(e.message));
  }, [path, refresh]);
  if (error) return <p className="error">{error}</p>;
  if (!graph) return null;

  const column = columns(graph);
  const rows = new Map<number, number>();
  const place = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const c = column.get(node.uid) ?? 0;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    place.set(node.uid, { x: 20 + c * COLUMN, y: 30 + r * ROW });
  }
  const width = 40 + (Math.max(0, ...column.values()) + 1) * COLUMN;
  const height = 40 + Math.max(1, ...rows.values()) * ROW;
  const isTask = (node: GraphNode) => Boolean(node.task?.id);
  const center = (uid: string) => {
    const p = place.get(uid)!;
    const node = graph.nodes.find((n) => n.uid === uid);
    return node && isTask(node) ? { x: p.x + WIDTH / 2, y: p.y + HEIGHT / 2 } : { x: p.x + 8, y: p.y + HEIGHT / 2 };
  };

  return (
    <div className="topology" data-testid="topology">
      <svg width={width} height={height}>
        {graph.clusters.map(({ cluster, nodes }) => {
          const points = nodes.map((uid) => place.get(uid)).filter((p) => p !== undefined);
          if (!points.length) return null;
          const x = Math.min(...points.map((p) => p.x)) - 10;
          const y = Math.min(...points.map((p) => p.y)) - 22;
          const right = Math.max(...points.map((p) => p.x)) + WIDTH + 10;
          const bottom = Math.max(...points.map((p) => p.y)) + HEIGHT + 8;
          return (
            <g key={cluster.uid} className="cluster" data-task={cluster.task?.id}>
              <rect x={x} y={y} width={right - x} height={bottom - y} rx={6} />
              <text x={x + 6} y={y + 14}>{cluster.task?.id ?? ""}</text>
            </g>
          );
        })}
        {graph.edges.map((edge) => {
          if (!place.has(edge.source) || !place.has(edge.target)) return null;
          const a = center(edge.source);
          const b = center(edge.target);
          return <line key={`${edge.source}>${edge.target}`} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="edge" />;
        })}
        {graph.nodes.map((node) => {
          const p = place.get(node.uid)!;
          if (!isTask(node)) return <circle key={node.uid} cx={p.x + 8} cy={p.y + HEIGHT / 2} r={5} className="dot" />;
          const state = node.taskRun?.state.current;
          return (
            <g key={node.uid} className={`node state-${state ?? "NONE"}`} data-task={node.task?.id} data-state={state}>
              <rect x={p.x} y={p.y} width={WIDTH} height={HEIGHT} rx={4} />
              <text x={p.x + 8} y={p.y + 20}>{node.task?.id}</text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
