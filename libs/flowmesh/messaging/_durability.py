"""Whether the NATS servers write each JetStream message to disk before acknowledging it."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from flowmesh.telemetry import get_logger

log = get_logger("messaging")

_TIMEOUT_S = 5.0


class NotDurableError(RuntimeError):
    """A NATS server acknowledges writes before they reach its disk, or cannot tell how it writes."""


async def require_sync_always(monitor_urls: Sequence[str]) -> None:
    """Raise NotDurableError unless the servers' monitoring endpoints report `sync_interval: always`.

    nats-server tells its JetStream configuration only on its HTTP monitoring port (`/varz`,
    `jetstream.config.sync_always`), not to clients. A server that reports another interval
    is refused. One that cannot be read is only warned about while another could be (a node
    of a cluster may be down as a component starts; it is checked by the next one that starts
    while it is up), and refused when none could. Without monitoring URLs nothing can be
    checked, which is logged as a warning.
    """
    if not monitor_urls:
        log.warning(
            "nats_sync_unverified",
            advice="set FLOWMESH_NATS_MONITOR_URL to the servers' monitoring URLs (http://host:8222,...) "
            "so that startup checks that each syncs every write",
        )
        return
    checked: list[str] = []
    unread: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=_TIMEOUT_S) as http:
        for url in monitor_urls:
            try:
                response = await http.get(f"{url.rstrip('/')}/varz")
                response.raise_for_status()
                varz = response.json()
            except (httpx.HTTPError, ValueError) as error:
                unread[url] = str(error) or type(error).__name__
                continue
            _check(url, varz)
            checked.append(url)
    if not checked:
        problems = "; ".join(f"{url}/varz: {problem}" for url, problem in unread.items())
        raise NotDurableError(
            f"cannot read any NATS monitoring endpoint ({problems}), so cannot check that the "
            "servers sync every write; fix FLOWMESH_NATS_MONITOR_URL, or set "
            "FLOWMESH_NATS_DURABLE=false to run without the check"
        )
    for url, problem in unread.items():
        log.warning("nats_sync_unverified", server=url, error=problem)
    log.info("nats_sync_always", servers=checked)


def _check(url: str, varz: dict[str, object]) -> None:
    name = varz.get("server_name", url)
    jetstream = varz.get("jetstream")
    config = jetstream.get("config") if isinstance(jetstream, dict) else None
    if not isinstance(config, dict):
        raise NotDurableError(f"NATS server {name} ({url}) does not run JetStream; flowmesh needs it")
    if config.get("sync_always") is not True:
        interval = config.get("sync_interval")
        every = f"every {int(interval) / 1e9:g} s" if isinstance(interval, int) else "at intervals"
        raise NotDurableError(
            f"NATS server {name} ({url}) syncs JetStream writes to disk {every}, not on each write: "
            "a message it acknowledged can be lost if the machine stops. Set "
            "`jetstream { sync_interval: always }` in its configuration, or set "
            "FLOWMESH_NATS_DURABLE=false to accept that risk"
        )
