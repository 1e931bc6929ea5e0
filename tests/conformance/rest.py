"""Kestra's REST API as the conformance harness uses it: everything under one tenant's path."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.harness import deploy, get_execution, search_executions

# The corpus' terminal states (its README): a run is over in any of them.
TERMINAL = frozenset({"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"})

Json = dict[str, Any]


def as_submitted(value: Any) -> str:
    """Return an input value as a form field carries it: text (JSON for maps and lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def form(inputs: Mapping[str, Any] | None, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return multipart parts: each input a field, each file (name -> text) an upload."""
    parts: dict[str, Any] = {name: (None, as_submitted(value)) for name, value in (inputs or {}).items()}
    for name, text in (files or {}).items():
        parts[name] = (f"{name}.txt", text.encode(), "text/plain")
    return parts


def state(execution: Mapping[str, Any]) -> str:
    return str(execution["state"]["current"])


def ended(execution: Mapping[str, Any]) -> bool:
    return state(execution) in TERMINAL


@dataclass(frozen=True)
class Tenant:
    """One tenant of the server: a case's flows, executions, logs and KV live there alone."""

    http: httpx.AsyncClient
    name: str

    @property
    def api(self) -> str:
        return f"/api/v1/{self.name}"

    async def deploy(self, source: str) -> Json:
        return await deploy(self.http, source, api=self.api)

    async def create(
        self,
        namespace: str,
        flow_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        labels: Mapping[str, Any] | None = None,
        files: Mapping[str, str] | None = None,
    ) -> Json:
        """Start an execution (inputs as multipart fields, labels as key:value query values)."""
        response = await self.http.post(
            f"{self.api}/executions/{namespace}/{flow_id}",
            params={"labels": [f"{key}:{value}" for key, value in (labels or {}).items()]},
            files=form(inputs, files) or None,
        )
        assert response.status_code == 200, f"creating an execution of {namespace}.{flow_id}: {response.text}"
        return dict(response.json())

    async def execution(self, execution_id: str) -> Json:
        return await get_execution(self.http, execution_id, api=self.api)

    async def executions_of(self, namespace: str, flow_id: str) -> list[Json]:
        """Return the flow's executions as the search lists them (indexed late, no task runs)."""
        page = await search_executions(self.http, namespace, flow_id, api=self.api)
        return list(page["results"])

    async def logs(self, execution_id: str) -> list[Json]:
        response = await self.http.get(f"{self.api}/logs/{execution_id}")
        assert response.status_code == 200, response.text
        return list(response.json())

    async def resume(
        self, execution_id: str, inputs: Mapping[str, Any] | None, files: Mapping[str, str] | None
    ) -> httpx.Response:
        parts = form(inputs, files)
        # An empty multipart body is no body at all: send JSON then.
        if parts:
            return await self.http.post(f"{self.api}/executions/{execution_id}/actions/resume", files=parts)
        return await self.http.post(f"{self.api}/executions/{execution_id}/actions/resume", json={})

    async def restart(self, execution_id: str) -> Json:
        response = await self.http.post(f"{self.api}/executions/{execution_id}/actions/restart")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def replay(self, execution_id: str, task_run_id: str) -> Json:
        response = await self.http.post(
            f"{self.api}/executions/{execution_id}/actions/replay", params={"taskRunId": task_run_id}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def kill(self, execution_id: str) -> None:
        await self.http.delete(f"{self.api}/executions/{execution_id}/actions/kill")

    async def file(self, execution_id: str, uri: str) -> str:
        """Return the text of a file of internal storage that an execution wrote (a kestra:// URI)."""
        response = await self.http.get(f"{self.api}/executions/{execution_id}/file", params={"path": uri})
        assert response.status_code == 200, f"reading {uri}: {response.text}"
        return response.text

    async def put_kv(self, namespace: str, key: str, value: Any) -> None:
        """Write a KV entry (maps as JSON), as Kestra's PUT namespaces/{namespace}/kv/{key} does."""
        response = await self.http.put(
            f"{self.api}/namespaces/{namespace}/kv/{key}",
            content=json.dumps(value),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code in (200, 204), f"writing KV {namespace}/{key}: {response.text}"

    async def set_trigger_disabled(
        self, namespace: str, flow_id: str, trigger_id: str, disabled: bool
    ) -> None:
        """Disable or enable a trigger, as Kestra 2.0's PUT triggers/set-disabled does."""
        response = await self.http.put(
            f"{self.api}/triggers/set-disabled",
            json={"namespace": namespace, "flowId": flow_id, "triggerId": trigger_id, "disabled": disabled},
        )
        assert response.status_code == 200, f"setting trigger {trigger_id}: {response.text}"

    async def triggers(self, namespace: str, flow_id: str) -> list[Json]:
        """Return the trigger states of a flow (Kestra 2.0's ApiTriggerState: triggerId, disabled, ...)."""
        response = await self.http.get(
            f"{self.api}/triggers/search", params={"namespace": namespace, "q": flow_id, "size": 1000}
        )
        assert response.status_code == 200, f"searching triggers: {response.text}"
        states = [dict(item["state"]) for item in response.json()["results"]]
        return [state for state in states if state.get("flowId") == flow_id]
