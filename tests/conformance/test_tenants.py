"""What the harness relies on to run cases side by side: tenants do not see each other."""

from __future__ import annotations

import httpx
import pytest

from tests.conformance.rest import Json, Tenant, ended
from tests.e2e.harness import YAML
from tests.waiting import eventually

pytestmark = pytest.mark.conformance

FLOW = """\
id: same
namespace: isolation
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ '%s' }}"
"""


async def test_tenants_share_no_flows_executions_or_logs(conformance_server: httpx.AsyncClient) -> None:
    first, second, empty = (Tenant(conformance_server, name) for name in ("iso-a", "iso-b", "iso-c"))
    await first.deploy(FLOW % "first")
    await second.deploy(FLOW % "second")

    created = await first.create("isolation", "same")
    execution = await eventually(
        lambda: _ended(first, created["id"]), within=30, what=f"execution {created['id']} ends"
    )
    await eventually(lambda: first.logs(execution["id"]), within=30, what="its logs are indexed")
    await eventually(lambda: first.executions_of("isolation", "same"), within=30, what="it is indexed")

    flow = await conformance_server.get(f"{second.api}/flows/isolation/same")
    assert flow.json()["source"] == FLOW % "second"
    assert (await conformance_server.get(f"{empty.api}/flows/isolation/same")).status_code == 404
    listed = await conformance_server.get(f"{empty.api}/flows/search", params={"namespace": "isolation"})
    assert listed.json()["results"] == []
    for other in (second, empty):
        assert (await conformance_server.get(f"{other.api}/executions/{execution['id']}")).status_code == 404
        assert await other.executions_of("isolation", "same") == []
        assert await other.logs(execution["id"]) == []
    refused = await conformance_server.post(f"{empty.api}/executions/isolation/same", headers=YAML)
    assert refused.status_code == 404, refused.text


async def _ended(tenant: Tenant, execution_id: str) -> Json | None:
    execution = await tenant.execution(execution_id)
    return execution if ended(execution) else None
