"""make bench-faults: how long 200 executions take on a cluster, without faults and under each.

The cluster of tests/cluster/harness.py: three NATS nodes (R3 streams and buckets, every write
synced), one PostgreSQL, two processes of each component. One workload after another on the
same cluster, each 200 executions of a two-task flow whose first task records each run of
its body:

  baseline          no fault
  nats-node         the NATS node leading the executor stream SIGKILLed once 40 have ended,
                    restarted after 10 s and once 20 more have
  executor-worker   one executor and one worker SIGKILLed once 40 have ended, replaced once
                    20 more have
  postgres          PostgreSQL stopped once 40 have ended, for 20 s and until 20 more have

Printed per workload: seconds, executions ended SUCCESS, lost (not SUCCESS, or SUCCESS with
its body never run), task bodies run more than twice, and more than once. Printed, not asserted
(tests/cluster asserts).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.harness import (
    NATS_DOWN_SECONDS,
    POSTGRES_DOWN_SECONDS,
    Result,
    cluster,
    executor_and_worker_killed,
    lasted,
    nats_node_killed,
    postgres_stopped,
    run_workload,
    wait_indexed,
)


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="flowmesh-bench-faults-"))
    print(f"logs under {work} (removed when all went well)")
    results: list[tuple[Result, str]] = []
    async with cluster(work) as running:
        results.append((await run_workload(running, "baseline"), ""))
        nats = await run_workload(
            running, "nats-node", nats_node_killed, fault_until=lasted(NATS_DOWN_SECONDS)
        )
        results.append((nats, f"down {NATS_DOWN_SECONDS:.0f} s at least"))
        results.append((await run_workload(running, "executor-worker", executor_and_worker_killed), ""))
        pg = await run_workload(
            running, "postgres", postgres_stopped, fault_until=lasted(POSTGRES_DOWN_SECONDS)
        )
        await wait_indexed(running, pg)
        results.append((pg, f"down {POSTGRES_DOWN_SECONDS:.0f} s at least, all indexed afterwards"))
    print(
        f"\n{'workload':<16} {'seconds':>8} {'success':>8} {'lost':>5} {'ran >2':>7} {'ran >1':>7}"
        f" {'ended during fault':>19}"
    )
    for result, note in results:
        print(
            f"{result.name:<16} {result.seconds:>8.1f} {result.succeeded:>8} {result.lost:>5}"
            f" {result.over_twice:>7} {result.duplicated:>7} {result.during_fault:>19}  {note}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
