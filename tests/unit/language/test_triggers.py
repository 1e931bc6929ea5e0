"""`triggers`: parsed into the flow with their properties, validated, and not fired."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from flowmesh.language import FlowInvalid, Violation, flow_schema, parse_flow
from flowmesh.language._triggers import (
    FlowTrigger,
    HttpTrigger,
    Schedule,
    Webhook,
    cron_problem,
    is_time_zone,
)

HEAD = """\
id: hello
namespace: company.team
tasks:
  - id: t1
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
"""


def source(triggers: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(triggers), "  ")


def violations(text: str) -> list[Violation]:
    with pytest.raises(FlowInvalid) as caught:
        parse_flow(text)
    return caught.value.violations


def test_schedule_flow_and_webhook_triggers_are_kept_with_their_properties() -> None:
    flow = parse_flow(
        source(
            """\
            - id: hourly
              type: io.kestra.plugin.core.trigger.Schedule
              cron: "0 * * * *"
              timezone: Europe/Paris
              inputs: {name: scheduled}
              lateMaximumDelay: PT1H
              disabled: true
            - id: after-upstream
              type: io.kestra.plugin.core.trigger.Flow
              states: [SUCCESS, WARNING]
              conditions:
                - type: io.kestra.plugin.core.condition.ExecutionFlow
                  namespace: company.team
                  flowId: upstream
            - id: hook
              type: io.kestra.plugin.core.trigger.Webhook
              key: 4wjtkzwVGBM9yKnjm3yv8r
              labels: {from: webhook}
            """
        )
    )

    schedule, upstream, hook = flow.triggers
    assert isinstance(schedule, Schedule)
    assert (schedule.id, schedule.cron, schedule.timezone, schedule.disabled) == (
        "hourly",
        "0 * * * *",
        "Europe/Paris",
        True,
    )
    assert schedule.inputs == {"name": "scheduled"}
    assert schedule.lateMaximumDelay == timedelta(hours=1)
    assert isinstance(upstream, FlowTrigger)
    assert upstream.states == ["SUCCESS", "WARNING"]
    assert upstream.conditions[0].type == "io.kestra.plugin.core.condition.ExecutionFlow"
    assert upstream.conditions[0].model_extra == {"namespace": "company.team", "flowId": "upstream"}
    assert isinstance(hook, Webhook)
    assert hook.properties() == {
        "id": "hook",
        "type": "io.kestra.plugin.core.trigger.Webhook",
        "key": "4wjtkzwVGBM9yKnjm3yv8r",
        "labels": {"from": "webhook"},
    }


@pytest.mark.parametrize(
    ("legacy", "cls"),
    [
        ("io.kestra.core.models.triggers.types.Schedule", Schedule),
        ("io.kestra.core.models.triggers.types.Flow", FlowTrigger),
        ("io.kestra.core.models.triggers.types.Webhook", Webhook),
    ],
)
def test_kestras_older_type_names_are_read_too(legacy: str, cls: type) -> None:
    properties = {Schedule: "cron: '@daily'", FlowTrigger: "states: [FAILED]", Webhook: "key: k"}[cls]
    flow = parse_flow(source(f"- id: t\n  type: {legacy}\n  {properties}\n"))

    assert isinstance(flow.triggers[0], cls)
    assert flow.triggers[0].type == legacy


def test_a_flow_without_triggers_has_none() -> None:
    flow = parse_flow(HEAD.removesuffix("triggers:\n"))

    assert flow.triggers == []


@pytest.mark.parametrize(
    ("triggers", "path", "message", "where"),
    [
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Nope\n", "triggers[0].type", "Invalid type: "
         "io.kestra.plugin.core.trigger.Nope", (9, 11)),
        ("- id: t\n", "triggers[0].type", "missing type id property 'type'", (8, 5)),
        ("- type: io.kestra.plugin.core.trigger.Webhook\n  key: k\n", "triggers[0].id", "must not be null",
         (8, 5)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Schedule\n", "triggers[0].cron", "must not be null",
         (8, 5)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Webhook\n", "triggers[0].key", "must not be null",
         (8, 5)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Webhook\n  key: k\n  colour: blue\n",
         "triggers[0].colour", 'Unrecognized field "colour"', (11, 13)),
        ("- id: bad id\n  type: io.kestra.plugin.core.trigger.Webhook\n  key: k\n", "triggers[0].id",
         "String should match pattern", (8, 9)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Schedule\n  cron: '61 * * * *'\n",
         "triggers[0].cron",
         "invalid cron expression '61 * * * *': Value 61 not in range [0, 59] of the minute field", (10, 11)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Schedule\n  cron: '@daily'\n"
         "  timezone: Mars/Olympus\n", "triggers[0].timezone", "'Mars/Olympus' is not a valid time zone id",
         (11, 15)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Flow\n  states: [DONE]\n", "triggers[0].states[0]",
         "Input should be", (10, 14)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Flow\n  conditions:\n    - namespace: x\n",
         "triggers[0].conditions[0].type", "must not be null", (11, 9)),
        ("- id: t\n  type: io.kestra.plugin.core.trigger.Webhook\n  key: k\n  disabled: maybe\n",
         "triggers[0].disabled", "Input should be a valid boolean", (11, 15)),
        ("- just text\n", "triggers[0]", "must be a trigger: a map with id and type", (8, 5)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n", "triggers[0].uri", "must not be null",
         (8, 5)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  interval: PT0S\n",
         "triggers[0].interval", "must be a positive duration", (11, 15)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  interval: soon\n",
         "triggers[0].interval", "duration", (11, 15)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  method: 'GET /'\n",
         "triggers[0].method", "String should match pattern", (11, 13)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  allowConcurrent: true\n",
         "triggers[0].allowConcurrent", "Input should be False", (11, 22)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  options:\n"
         "    retry: {}\n", "triggers[0].options", "retry: not supported by flowmesh yet", (12, 7)),
        ("- id: t\n  type: io.kestra.plugin.core.http.Trigger\n  uri: http://x\n  stopAfter: [DONE]\n",
         "triggers[0].stopAfter[0]", "Input should be", (11, 17)),
    ],
)  # fmt: skip
def test_each_invalid_trigger_is_named_with_its_place(
    triggers: str, path: str, message: str, where: tuple[int, int]
) -> None:
    (problem,) = violations(source(triggers))

    assert problem.path == path
    assert message in problem.message
    assert (problem.line, problem.column) == where


def test_triggers_must_be_a_list() -> None:
    (problem,) = violations(HEAD + "  hourly: {}\n")

    assert (problem.path, problem.message) == ("triggers", "must be a list of triggers")


def test_duplicate_trigger_ids_are_refused_as_kestra_refuses_them() -> None:
    found = violations(
        source(
            """\
            - id: trigger
              type: io.kestra.plugin.core.trigger.Schedule
              cron: '* * * * *'
            - id: trigger
              type: io.kestra.plugin.core.trigger.Webhook
              key: t
            """
        )
    )

    assert [(v.path, v.message) for v in found] == [
        ("", "Invalid Flow: Duplicate trigger id with name [trigger]")
    ]


@pytest.mark.parametrize(
    ("cron", "with_seconds"),
    [
        ("0 * * * *", False),
        ("*/15 9-17 * * MON-FRI", False),
        ("0 11 * * 1", False),
        ("30 6 1,15 JAN,jul 0", False),
        ("0 0 L * ?", False),
        ("0 0 15W * *", False),
        ("0 0 * * 5L", False),
        ("0 0 * * MON#2", False),
        ("0 0 * * 7", False),
        ("@hourly", False),
        ("*/10 * * * * *", True),
    ],
)
def test_cron_expressions_kestra_accepts(cron: str, with_seconds: bool) -> None:
    assert cron_problem(cron, with_seconds) is None


@pytest.mark.parametrize(
    ("cron", "with_seconds", "problem"),
    [
        ("* * * *", False, "Cron expression contains 4 parts but we expect one of [5]"),
        ("*/10 * * * * *", False, "Cron expression contains 6 parts but we expect one of [5]"),
        ("0 24 * * *", False, "Value 24 not in range [0, 23] of the hour field"),
        ("0 0 0 * *", False, "Value 0 not in range [1, 31] of the day of month field"),
        ("0 0 * 13 *", False, "Value 13 not in range [1, 12] of the month field"),
        ("0 0 * * 8", False, "Value 8 not in range [0, 7] of the day of week field"),
        ("0 0 * FOO *", False, "Invalid value 'FOO' in the month field"),
        ("*/0 * * * *", False, "Invalid step '0' in the minute field"),
        ("@reboot", False, "Cron expression contains 1 parts but we expect one of [5]"),
    ],
)
def test_cron_expressions_kestra_refuses(cron: str, with_seconds: bool, problem: str) -> None:
    assert cron_problem(cron, with_seconds) == problem


def test_with_seconds_reads_six_fields() -> None:
    flow = parse_flow(
        source(
            "- id: t\n  type: io.kestra.plugin.core.trigger.Schedule\n  cron: '*/5 * * * * *'\n"
            "  withSeconds: true\n"
        )
    )

    assert isinstance(flow.triggers[0], Schedule)
    assert flow.triggers[0].withSeconds


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Paris", "America/New_York", "Z", "+02:00", "UTC+2", "GMT-05:30"]
)
def test_time_zones_java_reads(zone: str) -> None:
    assert is_time_zone(zone)


def test_the_schema_describes_triggers_as_a_one_of_over_their_type_names() -> None:
    schema = flow_schema()

    assert schema["properties"]["triggers"]["items"] == {"$ref": "#/$defs/trigger"}
    branches = schema["$defs"]["trigger"]["oneOf"]
    assert sorted(branch["title"] for branch in branches) == sorted(
        name for cls in (Schedule, FlowTrigger, Webhook, HttpTrigger) for name in cls.type_names
    )
    schedule = schema["$defs"]["trigger_Schedule"]
    assert {"cron", "timezone", "conditions", "disabled"} <= set(schedule["properties"])
    assert "cron" in schedule["required"]
    assert schedule["additionalProperties"] is False


def test_an_http_trigger_has_kestras_defaults_and_the_request_of_http_request() -> None:
    flow = parse_flow(
        source(
            """\
            - id: poll
              type: io.kestra.plugin.core.http.Trigger
              uri: "https://example.com/{{ flow.id }}"
              method: POST
              body: '{"a": 1}'
              headers:
                X-Token: "{{ secret('TOKEN') }}"
              options:
                timeout:
                  readIdleTimeout: PT3S
              stopAfter: [SUCCESS]
            - id: defaults
              type: io.kestra.plugin.fs.http.Trigger
              uri: https://example.com
            """
        )
    )

    poll, defaults = flow.triggers
    assert isinstance(poll, HttpTrigger)
    assert poll.request() == {
        "uri": "https://example.com/{{ flow.id }}",
        "method": "POST",
        "body": '{"a": 1}',
        "headers": {"X-Token": "{{ secret('TOKEN') }}"},
        "options": {"timeout": {"readIdleTimeout": "PT3S"}},
    }
    assert poll.stopAfter == ["SUCCESS"]
    assert isinstance(defaults, HttpTrigger)
    assert defaults.interval == timedelta(minutes=1)
    assert defaults.responseCondition == "{{ response.statusCode < 400 }}"
    assert defaults.request() == {"uri": "https://example.com"}
