"""Kestra's eval endpoints through the gateway: the body is the template, the answer {result} or {error}."""

from __future__ import annotations

import httpx
from gateway_fakes import FakeApi

EVAL = "/api/v1/main/executions/exec1/actions/eval"


async def test_eval_sends_the_text_body_as_the_template(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(EVAL, content="{{ flow.id }}", headers={"Content-Type": "text/plain"})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"result": "rendered {{ flow.id }}"}
    request = fake_api.last("EvaluateExecutionExpression")
    assert (request.execution_id, request.task_run_id, request.template) == ("exec1", "", "{{ flow.id }}")


async def test_eval_of_a_task_run_names_it(client: httpx.AsyncClient, fake_api: FakeApi) -> None:
    answer = await client.post(
        f"{EVAL}/run9", content="{{ taskrun.id }}", headers={"Content-Type": "text/plain"}
    )

    assert answer.status_code == 200, answer.text
    assert fake_api.last("EvaluateExecutionExpression").task_run_id == "run9"
