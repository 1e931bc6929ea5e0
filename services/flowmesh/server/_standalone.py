from __future__ import annotations

import asyncio
import sys

from flowmesh.config import Settings
from flowmesh.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from flowmesh.server._components import COMPONENTS, run_components


async def run_standalone(settings: Settings, stopping: asyncio.Event) -> None:
    """Start embedded NATS and PostgreSQL under the data dir, then every component in this process."""
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The api listens where it is told to (gRPC clients need to know), else on a free port.
    given = "api_address" in settings.model_fields_set
    api_address = settings.api_address if given else f"127.0.0.1:{free_port()}"
    async with EmbeddedNats(data_dir / "nats") as nats, EmbeddedPostgres(data_dir / "postgres") as postgres:
        connected = settings.model_copy(
            update={
                "nats_url": nats.url,
                "postgres_dsn": postgres.dsn.rsplit("/", 1)[0] + "/flowmesh",
                "api_address": api_address,
            }
        )

        async def announce() -> None:
            print(f"flowmesh is up: http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)

        await run_components(connected, COMPONENTS, stopping, on_ready=announce)
