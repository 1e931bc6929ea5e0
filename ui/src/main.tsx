import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, NavLink, Route, Routes, useNavigate } from "react-router-dom";
import "./style.css";
import { session, whenSignInNeeded } from "./api";
import { LoginPage } from "./pages/LoginPage";
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
  const navigate = useNavigate();
  const [authOn, setAuthOn] = useState(false);
  useEffect(() => {
    session.required().then(setAuthOn, () => setAuthOn(false));
  }, []);
  // A call that needs a session: sign in, then come back to this page. Calls in flight may
  // answer 401 after the first one has gone to the login page: they stay there.
  useEffect(
    () =>
      whenSignInNeeded(() => {
        if (window.location.pathname === "/login") return;
        const here = window.location.pathname + window.location.search;
        navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
      }),
    [navigate],
  );
  const logout = () =>
    session.logout().then(
      () => navigate("/login"),
      (e: Error) => window.alert(`Could not log out: ${e.message}`),
    );

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
        {authOn && <button className="logout" onClick={logout}>Log out</button>}
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
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<Layout />} />
      </Routes>
    </BrowserRouter>
  </StrictMode>,
);
