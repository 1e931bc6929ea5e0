"""A 3-node NATS cluster, PostgreSQL and two processes of each component: a workload of 200
executions keeps completing while a NATS node, an executor and a worker, or PostgreSQL go away.

The tests share one cluster and run in file order; each runs its own 200 executions.
Each asserts: all 200 end SUCCESS with their body run, none lost, no body run more than twice.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cluster.harness import (
    EXECUTIONS,
    NATS_DOWN_SECONDS,
    POSTGRES_DOWN_SECONDS,
    REPLICAS,
    Cluster,
    Result,
    cluster,
    executor_and_worker_killed,
    lasted,
    nats_node_killed,
    postgres_stopped,
    run_workload,
    wait_indexed,
)

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
async def mesh() -> AsyncIterator[Cluster]:
    # Not under pytest's basetemp, which keeps only the last few runs' (of every user's pytest).
    work = Path(tempfile.mkdtemp(prefix="flowmesh-cluster-"))
    async with cluster(work) as running:
        yield running
    shutil.rmtree(work, ignore_errors=True)


def check(result: Result) -> None:
    print(f"\n{result}")
    assert result.ended == EXECUTIONS, result
    assert result.succeeded == EXECUTIONS, result
    assert result.lost == 0, result
    assert result.over_twice == 0, result


async def test_every_stream_and_bucket_is_kept_on_the_three_nodes(mesh: Cluster) -> None:
    streams = await mesh.broker.js.streams_info()

    assert {info.config.name for info in streams} >= {
        "FLOWMESH_EXECUTOR",
        "FLOWMESH_JOBS",
        "KV_flowmesh_executions",
    }
    assert {info.config.name: info.config.num_replicas for info in streams} == {
        info.config.name: REPLICAS for info in streams
    }
    # The leader and the other two, each on its own node.
    assert {info.config.name: len(info.cluster.replicas or []) + 1 for info in streams if info.cluster} == {
        info.config.name: REPLICAS for info in streams
    }


@pytest.mark.timeout(900)
async def test_baseline_without_faults(mesh: Cluster) -> None:
    result = await run_workload(mesh, "baseline")

    # Not `duplicated == 0`: on a loaded machine a worker's progress signal can come after its
    # job's ack deadline even without a fault, and the job is run again (at least once).
    check(result)


@pytest.mark.timeout(900)
async def test_workload_completes_while_a_nats_node_is_killed_and_restarted(mesh: Cluster) -> None:
    result = await run_workload(mesh, "nats-node", nats_node_killed, fault_until=lasted(NATS_DOWN_SECONDS))

    check(result)
    assert result.during_fault >= 20


@pytest.mark.timeout(900)
async def test_workload_completes_while_an_executor_and_a_worker_are_killed(mesh: Cluster) -> None:
    result = await run_workload(mesh, "executor-worker", executor_and_worker_killed)

    check(result)
    assert result.during_fault >= 20


@pytest.mark.timeout(900)
async def test_workload_completes_while_postgres_is_stopped_and_the_indexer_catches_up(mesh: Cluster) -> None:
    result = await run_workload(
        mesh,
        "postgres",
        postgres_stopped,
        fault_until=lasted(POSTGRES_DOWN_SECONDS),
    )

    check(result)
    assert result.during_fault >= 20

    await wait_indexed(mesh, result)
