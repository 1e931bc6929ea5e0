"""The flowmesh command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from flowmesh.cli import _parser, main
from flowmesh.client import DEFAULT_ADDRESS


def test_the_command_line_refuses_bad_settings_by_name_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["server", "worker", "--worker-group", "a b", "--worker-grace-period", "-1"])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "invalid settings: worker_group: String should match pattern" in error
    assert "worker_grace_period_seconds: Input should be greater than or equal to 0" in error
    assert "Traceback" not in error


def parse(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(argv)


def test_execution_run_takes_repeated_inputs_files_and_labels() -> None:
    args = parse(
        "execution", "run", "company.team", "hello",
        "--input", "name=ann", "--input", "query=a=b", "--input", "empty=",
        "--file", "data=/tmp/x.csv", "--label", "team=data", "--follow",
    )  # fmt: skip

    assert (args.namespace, args.flow_id) == ("company.team", "hello")
    assert args.inputs == [("name", "ann"), ("query", "a=b"), ("empty", "")]
    assert args.files == [("data", "/tmp/x.csv")]
    assert args.labels == [("team", "data")]
    assert args.follow
    assert not args.wait
    assert callable(args.run)


@pytest.mark.parametrize("bad", ["name", "=value"])
def test_an_input_that_is_not_key_value_is_a_usage_error(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("execution", "run", "ns", "flow", "--input", bad)

    assert exit_info.value.code == 2
    assert f"'{bad}' is not KEY=VALUE" in capsys.readouterr().err


def test_server_and_token_come_from_the_environment_and_options_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWMESH_SERVER", raising=False)
    monkeypatch.delenv("FLOWMESH_TOKEN", raising=False)
    defaults = parse("flow", "list")
    assert defaults.server == DEFAULT_ADDRESS
    assert defaults.token is None
    assert defaults.output == "text"

    monkeypatch.setenv("FLOWMESH_SERVER", "flowmesh.example:443")
    monkeypatch.setenv("FLOWMESH_TOKEN", "from-env")
    from_env = parse("flow", "list", "--namespace", "team")
    assert (from_env.server, from_env.token, from_env.namespace) == (
        "flowmesh.example:443",
        "from-env",
        "team",
    )

    given = parse("logs", "abc", "--server", "other:1", "--token", "given", "--tls", "--output", "json")
    assert (given.server, given.token, given.tls, given.output) == ("other:1", "given", True, "json")


def test_logs_levels_are_read_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse("logs", "abc", "--level", "warn", "--follow").level == "WARN"
    assert parse("logs", "abc").level == "TRACE"
    with pytest.raises(SystemExit):
        parse("logs", "abc", "--level", "LOUD")
    assert "invalid choice: 'LOUD'" in capsys.readouterr().err


def test_deploy_validate_and_export_arguments() -> None:
    deploy = parse("flow", "deploy", "flows", "--delete", "--dry-run")
    assert (deploy.directory, deploy.delete, deploy.dry_run) == (Path("flows"), True, True)
    validate = parse("flow", "validate", "a.yml", "dir", "--local")
    assert (validate.paths, validate.local) == ([Path("a.yml"), Path("dir")], True)
    export = parse("flow", "export", "--namespace", "team", "out")
    assert (export.namespace, export.directory) == ("team", Path("out"))


@pytest.mark.parametrize(
    "command",
    [
        ["flow", "export", "out"],  # --namespace is required
        ["flow"],  # an action is required
        ["execution", "run", "only-namespace"],
        ["logs"],
    ],
)
def test_incomplete_commands_are_usage_errors(command: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*command)
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["server"],
        ["flow"],
        ["flow", "validate"],
        ["flow", "deploy"],
        ["flow", "list"],
        ["flow", "export"],
        ["execution", "run"],
        ["logs"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: flowmesh")


def test_the_server_commands_parse_as_before() -> None:
    args = parse("server", "standalone", "--port", "9000", "--data-dir", "/tmp/d")
    assert (args.component, args.port, args.data_dir) == ("standalone", 9000, Path("/tmp/d"))
