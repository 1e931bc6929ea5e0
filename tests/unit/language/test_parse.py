"""parse_flow and the YAML loader: valid flows, and every violation named with its place."""

from __future__ import annotations

import textwrap
import time

import pytest

from flowmesh.language import FlowInvalid, Input, Violation, load_document, parse_flow, split_documents
from flowmesh.plugins.core import Fail, Log, OutputValues, Parallel, Return, Sequential

LOG = "io.kestra.plugin.core.log.Log"


def flow_source(body: str = "", *, head: str = "id: hello\nnamespace: company.team\n") -> str:
    return head + textwrap.dedent(body)


MINIMAL = flow_source(f"tasks:\n  - id: t1\n    type: {LOG}\n    message: hi\n")


def violations(source: str) -> list[Violation]:
    with pytest.raises(FlowInvalid) as caught:
        parse_flow(source)
    assert caught.value.violations, "FlowInvalid without violations"
    return caught.value.violations


def only_violation(source: str) -> Violation:
    found = violations(source)
    assert len(found) == 1, found
    return found[0]


FULL = flow_source(
    """\
    description: Everything flowmesh accepts today
    revision: 7
    labels:
      team: data
      tier: 1
    inputs:
      - id: name
        type: STRING
        defaults: world
      - id: count
        type: INT
        required: false
      - name: legacy
        type: BOOLEAN
        description: declared with Kestra's old `name`
    variables:
      greeting: "Hello {{ inputs.name }}"
      nested: {list: [1, 2]}
    tasks:
      - id: first
        type: io.kestra.plugin.core.debug.Return
        format: "{{ vars.greeting }}"
      - id: group
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: side
            type: io.kestra.plugin.core.flow.Parallel
            concurrent: 2
            tasks:
              - id: left
                type: io.kestra.plugin.core.log.Log
                message: [one, two]
                level: WARN
              - id: right
                type: io.kestra.plugin.core.output.OutputValues
                values: {a: "{{ outputs.first.value }}"}
        errors:
          - id: group-failed
            type: io.kestra.plugin.core.log.Log
            message: the group failed
      - id: maybe
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ inputs.count == 3 }}"
        errorMessage: three is not allowed
        disabled: true
    errors:
      - id: flow-failed
        type: io.kestra.plugin.core.log.Log
        message: failed
    """
)


def test_a_full_flow_parses_into_its_definition() -> None:
    flow = parse_flow(FULL)

    assert (flow.id, flow.namespace, flow.source) == ("hello", "company.team", FULL)
    assert flow.description == "Everything flowmesh accepts today"
    assert flow.labels == {"team": "data", "tier": "1"}
    assert flow.inputs == [
        Input("name", "STRING", required=False, defaults="world"),
        Input("count", "INT", required=False),
        Input("legacy", "BOOLEAN", required=True, description="declared with Kestra's old `name`"),
    ]
    assert flow.variables == {"greeting": "Hello {{ inputs.name }}", "nested": {"list": [1, 2]}}
    assert [task.id for task in flow.tasks] == ["first", "group", "maybe"]
    assert [task.id for task in flow.errors] == ["flow-failed"]
    first, group, maybe = flow.tasks
    assert isinstance(first, Return)
    assert first.format == "{{ vars.greeting }}"
    assert isinstance(group, Sequential)
    assert [task.id for task in group.errors] == ["group-failed"]
    side = group.tasks[0]
    assert isinstance(side, Parallel)
    assert side.concurrent == 2
    left, right = side.tasks
    assert isinstance(left, Log)
    assert (left.message, left.level) == (["one", "two"], "WARN")
    assert isinstance(right, OutputValues)
    assert right.values == {"a": "{{ outputs.first.value }}"}
    assert isinstance(maybe, Fail)
    assert (maybe.disabled, maybe.errorMessage) == (True, "three is not allowed")


def test_all_tasks_walks_children_depth_first_and_task_finds_any_of_them() -> None:
    flow = parse_flow(FULL)

    order = [task.id for task in flow.all_tasks()]

    assert order == ["first", "group", "side", "left", "right", "group-failed", "maybe", "flow-failed"]
    assert flow.task("right").type == "io.kestra.plugin.core.output.OutputValues"
    with pytest.raises(KeyError):
        flow.task("nowhere")


def test_labels_may_be_a_list_of_key_value_pairs() -> None:
    flow = parse_flow(MINIMAL + "labels:\n  - key: team\n    value: data\n  - key: env\n    value: prod\n")

    assert flow.labels == {"team": "data", "env": "prod"}


def test_the_system_read_only_label_is_the_one_system_label_a_flow_may_carry() -> None:
    flow = parse_flow(MINIMAL + "labels:\n  system.readOnly: 'true'\n")

    assert flow.labels == {"system.readOnly": "true"}


CHILDREN = f"\n    tasks:\n      - id: child\n        type: {LOG}\n        message: hi"


@pytest.mark.parametrize(
    ("legacy", "properties", "cls"),
    [
        ("io.kestra.core.tasks.log.Log", "\n    message: hi", Log),
        ("io.kestra.core.tasks.debugs.Return", "", Return),
        ("io.kestra.core.tasks.executions.Fail", "", Fail),
        ("io.kestra.core.tasks.flows.Sequential", CHILDREN, Sequential),
        ("io.kestra.core.tasks.flows.Parallel", CHILDREN, Parallel),
    ],
)
def test_legacy_type_names_are_aliases_of_the_core_tasks(legacy: str, properties: str, cls: type) -> None:
    flow = parse_flow(flow_source(f"tasks:\n  - id: old\n    type: {legacy}{properties}\n"))

    task = flow.tasks[0]
    assert isinstance(task, cls)
    assert task.type == legacy


def test_yaml_1_1_boolean_words_and_numbers_stay_text_where_text_is_expected() -> None:
    source = flow_source(
        f"tasks:\n  - id: off\n    type: {LOG}\n    message: yes\n"
        f"  - id: 7\n    type: {LOG}\n    message: 42\n"
        "variables:\n  flag: true\n  word: on\n  number: 1.5\n"
    )

    flow = parse_flow(source)

    first, second = flow.tasks
    assert isinstance(first, Log)
    assert isinstance(second, Log)
    assert (first.id, first.message) == ("off", "yes")
    assert (second.id, second.message) == ("7", "42")
    assert flow.variables == {"flag": True, "word": "on", "number": 1.5}


def test_malformed_yaml_names_line_and_column() -> None:
    source = "id: hello\nnamespace: company.team\ntasks:\n  - id: t1\n   type: broken\n"

    problem = only_violation(source)

    assert problem.message.startswith("invalid YAML")
    assert (problem.line, problem.column) == (5, 4)


def test_a_document_that_is_not_a_map_is_refused() -> None:
    assert only_violation("- just\n- a list\n").message.startswith("a flow must be a YAML map")
    assert only_violation("").message.startswith("a flow must be a YAML map")


def test_unknown_task_type_names_the_type_and_where_it_is() -> None:
    source = flow_source("tasks:\n  - id: t1\n    type: io.kestra.plugin.core.debug.Nope\n")

    problem = only_violation(source)

    assert problem == Violation("tasks[0].type", "Invalid type: io.kestra.plugin.core.debug.Nope", 5, 11)
    assert str(problem) == "line 5, column 11: tasks[0].type: Invalid type: io.kestra.plugin.core.debug.Nope"


def test_a_task_without_type_is_refused() -> None:
    problem = only_violation(flow_source("tasks:\n  - id: t1\n    message: hi\n"))

    assert (problem.path, problem.message) == ("tasks[0].type", "missing type id property 'type'")


def test_unknown_task_property_names_the_field_with_its_place() -> None:
    source = flow_source(f"tasks:\n  - id: t1\n    type: {LOG}\n    message: hi\n    x: 1\n")

    problem = only_violation(source)

    assert problem == Violation("tasks[0].x", 'Unrecognized field "x"', 7, 8)


def test_unknown_property_of_a_nested_task_has_its_nested_path() -> None:
    source = flow_source(
        """\
        tasks:
          - id: group
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: inner
                type: io.kestra.plugin.core.log.Log
                message: hi
                colour: blue
        """
    )

    problem = only_violation(source)

    assert (problem.path, problem.message) == ("tasks[0].tasks[0].colour", 'Unrecognized field "colour"')
    assert (problem.line, problem.column) == (10, 17)


def test_unknown_flow_key_is_unrecognized_and_kestra_keys_not_built_yet_say_so() -> None:
    found = violations(MINIMAL + "colour: blue\nworkerGroup: {key: gpu}\n")

    assert [(v.path, v.message) for v in found] == [
        ("colour", 'Unrecognized field "colour"'),
        ("workerGroup", "`workerGroup` is not supported by flowmesh yet"),
    ]
    assert [(v.line, v.column) for v in found] == [(7, 9), (8, 14)]


def test_duplicate_task_ids_are_found_in_nested_tasks_and_errors() -> None:
    source = flow_source(
        """\
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
            message: hi
          - id: group
            type: io.kestra.plugin.core.flow.Parallel
            tasks:
              - id: b
                type: io.kestra.plugin.core.log.Log
                message: hi
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: hi
        errors:
          - id: b
            type: io.kestra.plugin.core.log.Log
            message: hi
        """
    )

    problem = only_violation(source)

    # One violation for the flow as a whole, as Kestra's FlowValidation reports it.
    assert problem == Violation("", "Invalid Flow: Duplicate task id with name [a, b]", 1, 1)


def test_duplicate_task_ids_are_reported_even_beside_invalid_tasks() -> None:
    source = flow_source(
        f"tasks:\n  - id: a\n    type: {LOG}\n    message: hi\n    x: 1\n"
        f"  - id: a\n    type: {LOG}\n    message: hi\n"
    )

    messages = [v.message for v in violations(source)]

    assert messages == ['Unrecognized field "x"', "Invalid Flow: Duplicate task id with name [a]"]


def test_numeric_task_ids_count_as_duplicates_too() -> None:
    source = flow_source(
        f"tasks:\n  - id: 7\n    type: {LOG}\n    message: a\n  - id: '7'\n    type: {LOG}\n    message: b\n"
    )

    assert only_violation(source).message == "Invalid Flow: Duplicate task id with name [7]"


@pytest.mark.parametrize("tasks", ["", "tasks: []\n", "tasks:\n"])
def test_a_flow_without_tasks_must_not_be_empty(tasks: str) -> None:
    problem = only_violation(flow_source(tasks))

    assert (problem.path, problem.message) == ("tasks", "must not be empty")


def test_a_flowable_without_children_is_refused() -> None:
    source = flow_source(
        "tasks:\n  - id: group\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks: []\n"
    )

    problem = only_violation(source)

    assert (problem.path, problem.message) == ("tasks[0].tasks", "must not be empty")


def test_a_child_list_that_is_not_a_list_is_one_violation() -> None:
    source = flow_source(
        "tasks:\n  - id: group\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks: hello\n"
    )

    problem = only_violation(source)

    assert (problem.path, problem.message) == ("tasks[0].tasks", "must be a list of tasks")


def test_parallel_concurrent_must_not_be_negative() -> None:
    source = flow_source(
        f"tasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    concurrent: -1\n"
        f"    tasks:\n      - id: t\n        type: {LOG}\n        message: hi\n"
    )

    problem = only_violation(source)

    assert (problem.path, problem.line, problem.column) == ("tasks[0].concurrent", 6, 17)


@pytest.mark.parametrize(
    ("head", "path"),
    [
        ("id: my#flow\nnamespace: company.team\n", "id"),
        ("id: -starts-with-dash\nnamespace: company.team\n", "id"),
        (f"id: {'a' * 101}\nnamespace: company.team\n", "id"),
        ('id: "hello\\n"\nnamespace: company.team\n', "id"),
        ("namespace: company.team\n", "id"),
        ("id: hello\nnamespace: MY$NAMESPACE\n", "namespace"),
        ("id: hello\nnamespace: Company.Team\n", "namespace"),
        (f"id: hello\nnamespace: {'a' * 151}\n", "namespace"),
        ("id: hello\n", "namespace"),
    ],
)
def test_bad_flow_id_or_namespace_is_refused(head: str, path: str) -> None:
    source = head + f"tasks:\n  - id: t1\n    type: {LOG}\n    message: hi\n"

    problem = only_violation(source)

    assert problem.path == path
    assert problem.line >= 1


def test_longest_id_and_namespace_are_accepted() -> None:
    head = f"id: {'a' * 100}\nnamespace: {'b' * 150}\n"

    flow = parse_flow(head + f"tasks:\n  - id: t1\n    type: {LOG}\n    message: hi\n")

    assert (len(flow.id), len(flow.namespace)) == (100, 150)


@pytest.mark.parametrize("task_id", ["has space", "dotted.id", "-dash", ""])
def test_bad_task_id_is_refused(task_id: str) -> None:
    problem = only_violation(flow_source(f"tasks:\n  - id: '{task_id}'\n    type: {LOG}\n    message: hi\n"))

    assert problem.path == "tasks[0].id"


def test_system_labels_are_refused() -> None:
    found = violations(MINIMAL + "labels:\n  system.id: x\n  team: data\n")

    assert [(v.path, v.message, v.line) for v in found] == [
        (
            "labels.system.id",
            "System labels can only be set by Kestra itself, offending label: system.id=x",
            8,
        )
    ]


def test_duplicate_yaml_keys_name_the_second_key() -> None:
    source = f"id: hello\nnamespace: company.team\ntasks:\n  - id: t1\n    type: {LOG}\n    id: t2\n"

    problem = only_violation(source)

    assert problem == Violation("tasks[0].id", "duplicate key", 6, 5)


def test_aliases_are_refused() -> None:
    source = MINIMAL + "variables:\n  a: &anchor {x: 1}\n  b: *anchor\n"

    problem = only_violation(source)

    assert (problem.path, problem.message, problem.line, problem.column) == (
        "variables.b",
        "YAML aliases are not allowed",
        9,
        6,
    )


def test_billion_laughs_is_refused_fast() -> None:
    lines = ["variables:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    source = MINIMAL + "\n".join(lines) + "\n"

    started = time.perf_counter()
    problem = only_violation(source)

    assert time.perf_counter() - started < 1
    assert problem.message == "YAML aliases are not allowed"


def test_merge_keys_are_refused() -> None:
    source = MINIMAL + "variables:\n  base: {a: 1}\n  other:\n    <<: {b: 2}\n"

    problem = only_violation(source)

    assert problem.path == "variables.other"
    assert "tag:yaml.org,2002:merge is not allowed" in problem.message


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo pwned']",
        "!!python/object:collections.OrderedDict {}",
        "!!python/name:os.system",
        "!!set {a, b}",
        "!!binary aGVsbG8=",
        "!custom 1",
    ],
)
def test_tags_are_refused(value: str) -> None:
    problem = only_violation(MINIMAL + f"variables:\n  v: {value}\n")

    assert (problem.path, problem.line, problem.column) == ("variables.v", 8, 6)
    assert "is not allowed" in problem.message


def test_dates_stay_text() -> None:
    flow = parse_flow(MINIMAL + "variables:\n  day: 2024-01-31\n")

    assert flow.variables == {"day": "2024-01-31"}


def nested_lists(depth: int) -> str:
    return MINIMAL + "variables:\n  deep: " + "[" * depth + "]" * depth + "\n"


def test_nesting_up_to_64_levels_is_accepted() -> None:
    # The flow's map is at depth 0, variables at 1, so the 63rd list is at depth 64.
    flow = parse_flow(nested_lists(63))

    assert isinstance(flow.variables["deep"], list)


def test_nesting_deeper_than_64_levels_is_refused_with_its_place() -> None:
    problem = only_violation(nested_lists(64))

    assert problem.message == "nested deeper than 64 levels"
    assert problem.path == "variables.deep" + "[0]" * 63
    assert (problem.line, problem.column) == (8, 72)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_very_deep_nesting_is_refused_fast_without_recursion(depth: int) -> None:
    started = time.perf_counter()

    problem = only_violation(nested_lists(depth))

    assert time.perf_counter() - started < 1
    assert problem.message == "nested deeper than 64 levels"


def test_more_than_ten_thousand_values_are_refused_fast() -> None:
    source = MINIMAL + "variables:\n  many: [" + ", ".join(["1"] * 200_000) + "]\n"
    assert len(source.encode()) < 1024 * 1024

    started = time.perf_counter()
    problem = only_violation(source)

    assert time.perf_counter() - started < 2
    assert problem.message == "the flow has more than 10000 values"
    assert problem.path.startswith("variables.many[")
    assert problem.line == 8


def test_a_source_over_one_mebibyte_is_refused_before_parsing() -> None:
    source = MINIMAL + "description: '" + "x" * (1024 * 1024) + "'\n"

    problem = only_violation(source)

    assert problem.message == "the flow is larger than 1048576 bytes"


def test_every_violation_of_a_flow_is_reported_at_once() -> None:
    source = f"id: my#flow\nnamespace: MY$NAMESPACE\ntasks:\n- type: {LOG}\n  message: bla\n"

    found = violations(source)

    assert [(v.path, v.line, v.column) for v in found] == [
        ("id", 1, 5),
        ("namespace", 2, 12),
        ("tasks[0].id", 4, 3),
    ]


def test_inputs_are_checked() -> None:
    source = MINIMAL + textwrap.dedent(
        """\
        inputs:
          - id: a
            type: STRING
          - id: a
            type: INT
          - id: b
            type: FOO
          - id: c
          - id: bad id
            type: STRING
          - id: d
            type: STRING
            min: 1
        """
    )

    found = violations(source)

    assert [(v.path, v.message) for v in found] == [
        ("inputs[2].type", "Invalid type: FOO"),
        ("inputs[3].type", "Invalid type: null"),
        ("inputs[4].id", "must match ^[a-zA-Z0-9][.a-zA-Z0-9_-]*$, got 'bad id'"),
        ("inputs[5].min", 'Unrecognized field "min"'),
        ("inputs", "Duplicate input with name [a]"),
    ]


def test_split_documents_on_separators() -> None:
    text = "id: a\n---\nid: b\n--- \n\n---\nid: c\n"

    assert split_documents(text) == ["id: a\n", "id: b\n", "id: c\n"]
    assert split_documents("id: a\n") == ["id: a\n"]


def test_load_document_keeps_the_place_of_every_value() -> None:
    data, positions = load_document("a:\n  b: [x, {c: 1}]\n  'd.e': 2\n")

    assert data == {"a": {"b": ["x", {"c": 1}], "d.e": 2}}
    assert positions == {
        "": (1, 1),
        "a": (2, 3),
        "a.b": (2, 6),
        "a.b[0]": (2, 7),
        "a.b[1]": (2, 10),
        "a.b[1].c": (2, 14),
        "a.d.e": (3, 10),
    }


def test_load_document_of_nothing_is_nothing() -> None:
    assert load_document("") == (None, {})
    assert load_document("# only a comment\n") == (None, {})


def test_several_documents_in_one_source_are_refused() -> None:
    problem = only_violation(MINIMAL + "---\n" + MINIMAL)

    assert problem.message.startswith("invalid YAML")
    assert problem.line == 7


def test_listeners_are_validated_and_their_task_ids_count_with_the_others() -> None:
    source = flow_source(
        f"listeners:\n  - tasks:\n      - id: a\n        type: {LOG}\n        message: hi\n"
        f"      - id: b\n        type: {LOG}\n        oops: 1\n"
        f"tasks:\n  - id: a\n    type: {LOG}\n    message: hi\n"
    )

    assert [(v.path, v.message) for v in violations(source)] == [
        ("listeners[0].tasks[1].message", "must not be null"),
        ("listeners[0].tasks[1].oops", 'Unrecognized field "oops"'),
        ("", "Invalid Flow: Duplicate task id with name [a]"),
    ]


def test_a_subflow_that_starts_its_own_flow_is_refused_even_nested() -> None:
    source = (
        "id: loop\nnamespace: company.team\ntasks:\n"
        "  - id: group\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
        "      - id: again\n        type: io.kestra.plugin.core.flow.Subflow\n"
        "        namespace: company.team\n        flowId: loop\n"
    )

    assert [v.message for v in violations(source)] == [
        "Invalid Flow: Recursive call to flow [company.team.loop]"
    ]
    assert parse_flow(source.replace("flowId: loop", "flowId: other")).id == "loop"
