from __future__ import annotations

import asyncio
import sys

from flowmesh.config import Settings
from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres
from flowmesh.server._components import COMPONENTS, run_components


async def run_standalone(settings: Settings, stopping: asyncio.Event) -> None:
    """Start embedded NATS and PostgreSQL under the data dir, then every component in this process."""
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    async with EmbeddedNats(data_dir / "nats") as nats, EmbeddedPostgres(data_dir / "postgres") as postgres:
        # The api serves gRPC at the api_address setting, where `flowmesh` commands look by default.
        connected = settings.model_copy(
            update={
                "nats_url": nats.url,
                "nats_monitor_url": nats.monitor_url,
                "postgres_dsn": postgres.dsn.rsplit("/", 1)[0] + "/flowmesh",
            }
        )

        async def announce() -> None:
            print(f"flowmesh is up: http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)

        await run_components(connected, COMPONENTS, stopping, on_ready=announce, standalone=True)
