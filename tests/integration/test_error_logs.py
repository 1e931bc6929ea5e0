"""errorLogs() in a task with the real executor and worker: the ERROR lines logged before it ran."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flowmesh.common.v1.state_pb2 import StateType
from flowmesh.messaging import Broker
from flowmesh.values import from_struct
from tests.integration.running import in_state, running, started

pytestmark = pytest.mark.integration

FAILING = """
id: failing
namespace: errors
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: the disk is full
errors:
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() | length }} {{ errorLogs()[0].taskId }}: {{ errorLogs()[0].message }}"
"""


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    async with running(tmp_path) as connected:
        yield connected


async def test_an_errors_branch_reads_the_error_lines_of_its_execution(broker: Broker) -> None:
    execution = await started(broker, FAILING)

    failed = await in_state(broker, execution.id, StateType.STATE_TYPE_FAILED)

    report = next(run for run in failed.task_runs if run.task_id == "report")
    assert from_struct(report.outputs) == {"value": "1 boom: the disk is full"}
