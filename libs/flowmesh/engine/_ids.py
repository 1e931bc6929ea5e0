from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LENGTH = 22  # as Kestra's ids: 128 bits in base62
# Two digits at a time, half the divisions: a decision can create thousands of ids.
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]


def _base62(number: int) -> str:
    pairs = []
    for _ in range(_LENGTH // 2):
        number, pair = divmod(number, 62 * 62)
        pairs.append(_PAIRS[pair])
    return "".join(reversed(pairs))


def new_execution_id(request_key: str = "") -> str:
    """Return a fresh random execution id, or the one id that belongs to request_key."""
    if not request_key:
        return _base62(secrets.randbits(128))
    digest = hashlib.blake2b(request_key.encode(), digest_size=16, person=b"execution").digest()
    return _base62(int.from_bytes(digest, "big"))


def task_run_id(
    execution_id: str, parent_id: str, task_id: str, value: str, iteration: int = 0, restarts: int = 0
) -> str:
    """Return the id of a task run, the same every time for the same place in an execution.

    iteration (LoopUntil's) counts only from the second one, so other ids stay as they were.
    restarts, the execution's restarts when the task run is created, sets apart a task run
    created again after a restart (an `errors` branch's) from the one the restart dropped:
    their jobs and results must not be taken for duplicates of each other.
    """
    parts = (execution_id, parent_id, task_id, value) + ((str(iteration),) if iteration else ())
    parts += (f"restart {restarts}",) if restarts else ()
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()
    return _base62(int.from_bytes(digest, "big"))
