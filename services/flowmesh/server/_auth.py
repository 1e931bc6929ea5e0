"""Whether the api authenticates its callers, and its first admin."""

from __future__ import annotations

import ipaddress

from flowmesh.auth import Credentials
from flowmesh.config import Settings
from flowmesh.messaging import Broker
from flowmesh.telemetry import get_logger

log = get_logger("server")


def auth_required(settings: Settings, *, standalone: bool) -> bool:
    """Return whether the api must authenticate callers.

    Off by default only for the standalone server listening on a loopback address (a
    laptop's); on for any other address and for components run on their own. Turning it
    off elsewhere is allowed, and logged as the risk it is.
    """
    local = standalone and _loopback(settings.host)
    if settings.auth_enabled is None:
        return not local
    if not settings.auth_enabled and not local:
        log.warning(
            "AUTH_DISABLED_ANYONE_CAN_DO_ANYTHING",
            host=settings.host,
            advice="unset FLOWMESH_AUTH_ENABLED: any caller reaching the api may read, change and run all",
        )
    return settings.auth_enabled


async def ensure_first_admin(settings: Settings, broker: Broker) -> None:
    """Make the admin the settings name, if they name one; warn when nobody could sign in."""
    credentials = Credentials(broker)
    if settings.auth_admin_user and settings.auth_admin_password:
        password = settings.auth_admin_password.get_secret_value()
        await credentials.ensure_admin(settings.auth_admin_user, password)
        log.info("auth_admin_ready", user=settings.auth_admin_user)
    elif not await credentials.users():
        log.warning(
            "auth_without_users",
            advice="set FLOWMESH_AUTH_ADMIN_USER and FLOWMESH_AUTH_ADMIN_PASSWORD to make the first admin",
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
