"""What the repository raises, and how database driver errors map onto it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg


class RepositoryError(Exception):
    """The repository could not do what was asked."""


class RepositoryUnavailable(RepositoryError):
    """The database cannot be reached now; try again later (answer 503)."""


class InvalidRecord(RepositoryError):
    """The database rejects a record itself; retrying the same record cannot help."""


# Failures of the connection or the server, as opposed to failures of a statement.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, and TimeoutError (a subclass)
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection lost mid-query
    asyncpg.CannotConnectNowError,  # the server is starting or recovering
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,  # operation on a connection that was closed under it
    # A connection the server shut down while idle can be left mid-protocol; the
    # pool drops it on release, so the next try gets a fresh one.
    asyncpg.InternalClientError,
)

# Statement failures caused by the values written.
_INVALID: tuple[type[BaseException], ...] = (
    ValueError,  # includes asyncpg's client-side DataError (a bad argument)
    OverflowError,
    asyncpg.DataError,  # SQLSTATE class 22, e.g. a NUL character in text
    asyncpg.IntegrityConstraintViolationError,
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Raise RepositoryUnavailable or InvalidRecord for the driver errors they cover."""
    try:
        yield
    except _INVALID as exc:
        raise InvalidRecord(str(exc)) from exc
    except _UNAVAILABLE as exc:
        raise RepositoryUnavailable(str(exc) or type(exc).__name__) from exc
