"""Auth is off by default only for the standalone server on a loopback address."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from flowmesh.config import load_settings
from flowmesh.server._auth import auth_required


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_standalone_on_loopback_runs_without_auth_by_default(host: str) -> None:
    assert auth_required(load_settings(host=host), standalone=True) is False


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "flowmesh.example.com", "::"])
def test_standalone_on_another_address_requires_auth_by_default(host: str) -> None:
    assert auth_required(load_settings(host=host), standalone=True) is True


def test_a_component_of_its_own_requires_auth_by_default_even_on_loopback() -> None:
    assert auth_required(load_settings(host="127.0.0.1"), standalone=False) is True


def test_turning_auth_off_where_it_is_required_warns_loudly() -> None:
    with capture_logs() as logs:
        assert auth_required(load_settings(host="0.0.0.0", auth_enabled=False), standalone=True) is False
    assert [entry["log_level"] for entry in logs] == ["warning"]
    assert "AUTH_DISABLED" in logs[0]["event"]


def test_turning_auth_off_on_a_laptop_s_standalone_says_nothing_and_on_turns_it_on() -> None:
    with capture_logs() as logs:
        assert auth_required(load_settings(auth_enabled=False), standalone=True) is False
        assert auth_required(load_settings(auth_enabled=True), standalone=True) is True
    assert logs == []


def test_the_first_admin_needs_both_a_user_and_a_password() -> None:
    with pytest.raises(ValidationError, match="auth_admin_user and auth_admin_password"):
        load_settings(auth_admin_user="admin")
    with pytest.raises(ValidationError, match="auth_admin_user and auth_admin_password"):
        load_settings(auth_admin_password="a-password")
    settings = load_settings(auth_admin_user="admin", auth_admin_password="a-password")
    assert "a-password" not in repr(settings)
