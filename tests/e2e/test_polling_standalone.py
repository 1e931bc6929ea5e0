"""An http.Trigger in `flowmesh server standalone`: its scheduler and worker poll a real HTTP server.

The HTTP server runs in the test process, on a free loopback port; the trigger stops itself
after its first successful execution (stopAfter).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import deploy, search_executions, standalone, wait_ended
from tests.httpserver import HITS, http_server
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def flow(base: str) -> str:
    return f"""
id: polled
namespace: company.team
tasks:
  - id: said
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.body }}}}"
triggers:
  - id: poll
    type: io.kestra.plugin.core.http.Trigger
    uri: "{base}/counted/e2e-{{{{ flow.id }}}}"
    interval: PT1S
    responseCondition: "{{{{ response.statusCode == 200 }}}}"
    stopAfter: [SUCCESS]
"""


@pytest.mark.timeout(180)
async def test_an_http_trigger_starts_its_flow_from_the_standalone_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async with standalone(tmp_path_factory.mktemp("polling")) as client, http_server() as base:
        await deploy(client, flow(base))

        async def one() -> list[dict[str, Any]] | None:
            return (await search_executions(client, "company.team", "polled"))["results"] or None

        (found,) = await eventually(one, within=60, what="the trigger starts the flow")
        execution = await wait_ended(client, found["id"])

    assert execution["state"]["current"] == "SUCCESS"
    assert execution["trigger"]["id"] == "poll"
    assert execution["trigger"]["variables"]["code"] == 200
    assert execution["trigger"]["variables"]["body"] == '{"name":"e2e-polled","hits":1}'
    assert HITS["e2e-polled"] >= 1
