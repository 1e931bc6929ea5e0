import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, NavLink, Route, Routes } from "react-router-dom";
import "./style.css";
import { FlowsPage } from "./pages/FlowsPage";
import { ExecutionsPage } from "./pages/ExecutionsPage";
import { ExecutionPage } from "./pages/ExecutionPage";
import { LogsPage } from "./pages/LogsPage";
import { DashboardPage } from "./pages/DashboardPage";
import { TriggersPage } from "./pages/TriggersPage";
import { NamespacePage, NamespacesPage } from "./pages/NamespacesPage";

// The editor (CodeMirror) is most of the code: only the flow page loads it.
const FlowPage = lazy(() => import("./pages/FlowPage").then((m) => ({ default: m.FlowPage })));

function Layout() {
  return (
    <div className="layout">
      <nav>
        <div className="brand">flowmesh</div>
        <NavLink to="/dashboard">Dashboard</NavLink>
        <NavLink to="/flows">Flows</NavLink>
        <NavLink to="/executions">Executions</NavLink>
        <NavLink to="/logs">Logs</NavLink>
        <NavLink to="/namespaces">Namespaces</NavLink>
        <NavLink to="/triggers">Triggers</NavLink>
        <a href="/docs">API</a>
      </nav>
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Routes>
            <Route path="/" element={<Navigate to="/flows" replace />} />
            <Route path="/flows" element={<FlowsPage />} />
            <Route path="/flows/new" element={<FlowPage />} />
            <Route path="/flows/:namespace/:id" element={<FlowPage />} />
            <Route path="/executions" element={<ExecutionsPage />} />
            <Route path="/executions/:id" element={<ExecutionPage />} />
            <Route path="/logs" element={<LogsPage />} />
            <Route path="/triggers" element={<TriggersPage />} />
            <Route path="/dashboard" element={<DashboardPage />} />
            <Route path="/namespaces" element={<NamespacesPage />} />
            <Route path="/namespaces/:namespace" element={<NamespacePage />} />
            <Route path="*" element={<p>No such page.</p>} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <Layout />
    </BrowserRouter>
  </StrictMode>,
);
