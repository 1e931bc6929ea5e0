"""One manifest case played through REST: deploy, KV, setup, run, steps, then the final expectations.

Waits poll GET with a deadline. After an operation (restart, resume) a wait only accepts
an execution whose state history has grown past what it was, so that it never mistakes
the state before the operation for the one after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tests.conformance import corpus
from tests.conformance.expect import check, settled, summary
from tests.conformance.matchers import Seen, reference
from tests.conformance.rest import TERMINAL, Json, Tenant, ended, state
from tests.waiting import eventually

# A step's wait, and the wait for the end, unless the step says otherwise (the corpus' README).
WAIT_SECONDS = 60.0


async def run_case(case: Mapping[str, Any], tenant: Tenant) -> None:
    """Play a case in its own tenant; raise AssertionError at the first expectation not met."""
    for name in case["flows"]:
        await tenant.deploy(corpus.source("flows", name))
    for action in case.get("setup") or []:
        await _setup(tenant, action)
    for path, value in (case.get("kv") or {}).items():
        namespace, _, key = path.rpartition("/")
        await tenant.put_kv(namespace, key, value)
    run = case["run"]
    # inputValidation: false has no REST form: the inputs go as given, and the api checks them.
    main = await tenant.create(
        run["namespace"], run["flowId"], run.get("inputs"), labels=run.get("labels"), files=case.get("files")
    )
    play = Play(case, tenant, Seen(tenant, main))
    for step in case.get("steps") or []:
        reached = await play.step(step)
        await check(reached, step.get("expect") or {}, play.seen)
    if not case["expect"]:
        # Nothing to check at the end (a case that leaves its execution PAUSED): stop it.
        current = await play.refresh()
        if not ended(current):
            await tenant.kill(current["id"])
        return
    final = await play.wait(ended, "ends")
    await check(final, case["expect"], play.seen)


async def _setup(tenant: Tenant, action: Mapping[str, Any]) -> None:
    ((kind, argument),) = action.items()
    assert kind == "set_trigger_state", f"a setup action this harness does not know: {kind}"
    await tenant.set_trigger_disabled(
        argument["namespace"], argument["flowId"], argument["triggerId"], disabled=argument["disabled"]
    )


def step_kind(step: Mapping[str, Any]) -> tuple[str, Any]:
    """Return a step's kind (its one key besides `expect` and `as`) and its argument."""
    (kind,) = (key for key in step if key not in ("expect", "as"))
    return kind, step[kind]


class Play:
    """A case's steps: each returns the execution its `expect` applies to."""

    def __init__(self, case: Mapping[str, Any], tenant: Tenant, seen: Seen) -> None:
        self.case = case
        self.tenant = tenant
        self.seen = seen
        # Executions the steps target by name besides the main one (`of: second|replayed`).
        self.others: dict[str, Json] = {}
        # The length of the main execution's state history when an operation was sent to it.
        self.changed_at = 0

    async def step(self, step: Mapping[str, Any]) -> Json:
        kind, argument = step_kind(step)
        play = getattr(self, f"_{kind}", None)
        assert play is not None, f"a step this harness does not know: {kind}"
        reached: Json = await play(argument, step)
        return reached

    async def refresh(self) -> Json:
        self.seen.main = await self.tenant.execution(self.seen.main["id"])
        return self.seen.main

    async def wait(self, reached: Callable[[Json], bool], what: str, *, within: float = WAIT_SECONDS) -> Json:
        """Poll the main execution until reached(it), past the last operation sent to it."""

        async def probe() -> Json | None:
            execution = await self.refresh()
            past = len(execution["state"]["histories"]) > self.changed_at
            return execution if past and reached(execution) else None

        try:
            return await eventually(probe, within=within, what=what)
        except pytest.fail.Exception:
            where = summary(self.seen.main)
            raise AssertionError(f"the execution {what}: not within {within:.0f}s: {where}") from None

    async def _wait_other(self, execution_id: str, within: float) -> Json:
        """Poll another execution of the case until it ends."""
        last: Json = {}

        async def probe() -> Json | None:
            nonlocal last
            last = await self.tenant.execution(execution_id)
            return last if ended(last) else None

        try:
            return await eventually(probe, within=within, what=f"execution {execution_id} ends")
        except pytest.fail.Exception:
            raise AssertionError(f"not ended within {within:.0f}s: {summary(last)}") from None

    # ---------------------------------------------------------------------------- steps

    async def _wait_state(self, argument: str, step: Mapping[str, Any]) -> Json:
        def reached(execution: Json) -> bool:
            if state(execution) == argument:
                return True
            # A state held for a moment (RUNNING between CREATED and PAUSED) can pass between
            # two polls: it was reached if the history shows it and the execution goes on.
            passed = [entry["state"] for entry in execution["state"]["histories"][self.changed_at :]]
            return argument in passed and argument not in TERMINAL and not ended(execution)

        return await self.wait(reached, f"is {argument}")

    async def _wait_terminal(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        within = float(argument.get("timeout", WAIT_SECONDS))
        target = argument.get("of")
        if target is None:
            return await self.wait(ended, "ends", within=within)
        assert target in self.others, f"no `{target}` execution to wait for"
        self.others[target] = await self._wait_other(self.others[target]["id"], within)
        return self.others[target]

    async def _wait_until(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        async def reached() -> None:
            execution = await self.refresh()
            assert len(execution["state"]["histories"]) > self.changed_at, "not past the last operation"
            await check(execution, argument, self.seen)

        await settled(reached, what=f"the execution reaches {dict(argument)}", within=WAIT_SECONDS)
        return self.seen.main

    async def _resume(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        before = await self.refresh()
        files = {name: await self._content(spec) for name, spec in (argument.get("files") or {}).items()}
        response = await self.tenant.resume(before["id"], argument.get("inputs"), files)
        assert response.status_code == 200, f"resume refused: {response.text}"
        self.changed_at = len(before["state"]["histories"])
        return dict(response.json())

    async def _content(self, spec: Any) -> str:
        """Return a file's text: given, or {contentRef: ref} for what a reference names."""
        if isinstance(spec, Mapping) and "contentRef" in spec:
            return str(reference(spec["contentRef"], self.seen.main, self.seen))
        return str(spec)

    async def _resume_expect_error(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        before = await self.refresh()
        response = await self.tenant.resume(before["id"], argument.get("inputs"), None)
        assert 400 <= response.status_code < 500, f"resume accepted: {response.status_code} {response.text}"
        assert argument["error"] in response.text, response.text
        after = await self.refresh()
        assert state(after) == "PAUSED", f"a refused resume must leave the execution PAUSED: {summary(after)}"
        return after

    async def _restart(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        before = await self._keep_first_run()
        answer = await self.tenant.restart(before["id"])
        self.changed_at = len(before["state"]["histories"])
        return answer

    async def _replay(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        before = await self._keep_first_run()
        chosen = [run for run in before["taskRunList"] if run["taskId"] == argument["taskId"]]
        assert len(chosen) == 1, f"{len(chosen)} task runs of {argument['taskId']} to replay"
        self.others["replayed"] = await self.tenant.replay(before["id"], chosen[0]["id"])
        return self.others["replayed"]

    async def _keep_first_run(self) -> Json:
        current = await self.refresh()
        if self.seen.first is None:
            self.seen.first = current
        return current

    async def _rerun(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        run = self.case["run"]
        execution = await self.tenant.create(run["namespace"], run["flowId"], argument.get("inputs"))
        return await self._wait_other(execution["id"], WAIT_SECONDS)

    async def _start_second_execution(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        run = self.case["run"]
        self.others["second"] = await self.tenant.create(
            run["namespace"], run["flowId"], run.get("inputs"), labels=run.get("labels")
        )
        return self.others["second"]

    async def _run_flow(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        execution = await self.tenant.create(
            argument["namespace"], argument["flowId"], argument.get("inputs")
        )
        execution = await self._wait_other(execution["id"], WAIT_SECONDS)
        if "as" in step:
            self.seen.named[step["as"]] = execution
        return execution

    async def _wait_execution(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        """Wait for an execution of another flow (one a trigger starts), in a state or ended if asked."""
        namespace, flow_id = argument["namespace"], argument["flowId"]
        # A state to expect is checked once the execution has ended (the manifest's rule 6).
        to_end = argument.get("terminal") or "state" in argument or "state" in (step.get("expect") or {})

        async def probe() -> Json | None:
            for item in await self.tenant.executions_of(namespace, flow_id):
                execution = await self.tenant.execution(item["id"])
                if "state" in argument and state(execution) != argument["state"]:
                    continue
                if to_end and not ended(execution):
                    continue
                return execution
            return None

        within = float(argument.get("timeout", WAIT_SECONDS))
        return await eventually(probe, within=within, what=f"an execution of {namespace}.{flow_id}")

    async def _expect_no_execution(self, argument: Mapping[str, Any], step: Mapping[str, Any]) -> Json:
        listed = await self.tenant.executions_of(argument["namespace"], argument["flowId"])
        executions = [await self.tenant.execution(item["id"]) for item in listed]
        if argument.get("terminal"):
            executions = [execution for execution in executions if ended(execution)]
        assert not executions, f"unexpected executions: {[summary(item) for item in executions]}"
        return self.seen.main

    async def _sleep(self, argument: float, step: Mapping[str, Any]) -> Json:
        # The corpus asks for time to pass (so that nothing happens meanwhile), not for a state.
        await asyncio.sleep(float(argument))
        return self.seen.main
