import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { session } from "../api";

/** Where to go after signing in: the page the user was going to, if it is one of the UI's. */
function destination(next: string | null): string {
  // A path of this site only: `//host` or `https://...` would send the user elsewhere.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/flows";
}

/** Sign in with a username and password: the gateway answers with the session cookie. */
export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await session.login(username, password);
      navigate(destination(params.get("next")), { replace: true });
    } catch (e) {
      setError((e as Error).message);
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form onSubmit={submit} aria-label="Sign in">
        <div className="brand">flowmesh</div>
        <label>
          Username
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" autoFocus required />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </div>
  );
}
