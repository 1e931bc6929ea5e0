"""A 3-node NATS cluster, PostgreSQL and two processes of each component: a workload of 200
executions keeps completing while a NATS node, an executor and a worker, or PostgreSQL go away.

The tests share one cluster and run in file order; each runs its own 200 executions.
Each asserts: all 200 end SUCCESS with their body run, none lost, no body run more than twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.cluster.harness import (
    EXECUTIONS,
    Cluster,
    Result,
    cluster,
    executor_and_worker_killed,
    missing_from_repository,
    nats_node_killed,
    postgres_stopped,
    run_workload,
)
from tests.waiting import eventually

pytestmark = pytest.mark.faults

# How long PostgreSQL stays stopped.
POSTGRES_DOWN_SECONDS = 20.0


@pytest.fixture(scope="module")
async def mesh(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    async with cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


def check(result: Result) -> None:
    print(f"\n{result}")
    assert result.ended == EXECUTIONS, result
    assert result.succeeded == EXECUTIONS, result
    assert result.lost == 0, result
    assert result.over_twice == 0, result


@pytest.mark.timeout(900)
async def test_baseline_without_faults(mesh: Cluster) -> None:
    result = await run_workload(mesh, "baseline")

    check(result)
    # Nothing broke: no body ran twice.
    assert result.duplicated == 0, result


@pytest.mark.timeout(900)
async def test_workload_completes_while_a_nats_node_is_killed_and_restarted(mesh: Cluster) -> None:
    result = await run_workload(mesh, "nats-node", nats_node_killed)

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
        fault_until=lambda ended, seconds: ended >= 20 and seconds >= POSTGRES_DOWN_SECONDS,
    )

    check(result)
    assert result.during_fault >= 20

    async def all_indexed() -> bool:
        return not await missing_from_repository(mesh, result)

    await eventually(
        all_indexed, within=120, what=f"all {EXECUTIONS} executions in the repository as SUCCESS"
    )
