"""Secrets at rest: passwords through scrypt, API tokens through a keyed BLAKE2b.

A password is chosen by a person and may be guessed, so it is stored as scrypt with a
salt of its own: each guess costs an attacker who stole the bucket about 16 MiB of memory
and tens of milliseconds. A token is 256 random bits that nobody can guess, so a slow KDF
would add nothing but that cost to every call made with it; a BLAKE2b keyed with a salt
of the token's own is enough (the digest reveals nothing, and no two tokens share a key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# scrypt's cost: n = 2**14, r = 8 (16 MiB of memory a hash), p = 1, OWASP's minimum.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SCRYPT_MAX_MEMORY = 64 * 1024 * 1024
_KEY_BYTES = 32
_SALT_BYTES = 16
# A token reads `fm_<id>_<secret>`: the id finds its record, the secret proves it.
TOKEN_PREFIX = "fm_"  # noqa: S105  (not a secret: what every token starts with)
_TOKEN_ID_BYTES = 8
_TOKEN_SECRET_BYTES = 32
TOKEN_ID_PATTERN = re.compile(f"[0-9a-f]{{{2 * _TOKEN_ID_BYTES}}}")
# How much of a token its description shows (`fm_` and the id: never part of the secret).
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 2 * _TOKEN_ID_BYTES


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """Return the stored form of a password: `scrypt$n$r$p$salt$key`, salt and key in base64."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Return whether password is the one stored (by hash_password, with any cost it recorded)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        expected = base64.b64decode(key, validate=True)
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_SCRYPT_MAX_MEMORY, dklen=_KEY_BYTES
    )


def new_token() -> tuple[str, str]:
    """Return a new token's id and the token itself (which holds the id)."""
    token_id = secrets.token_hex(_TOKEN_ID_BYTES)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(_TOKEN_SECRET_BYTES)}"


def split_token(token: str) -> tuple[str, str] | None:
    """Return the id and the secret of a token, or None for what is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not TOKEN_ID_PATTERN.fullmatch(token_id) or not secret:
        return None
    return token_id, secret


def hash_token_secret(secret: str, salt: bytes | None = None) -> tuple[str, str]:
    """Return the salt (base64, new unless given) and the digest of a token's secret."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.blake2b(secret.encode("utf-8"), key=salt, digest_size=_KEY_BYTES).digest()
    return _b64(salt), _b64(digest)


def verify_token_secret(secret: str, salt: str, digest: str) -> bool:
    """Return whether secret is the one whose digest was stored with salt."""
    try:
        _, actual = hash_token_secret(secret, base64.b64decode(salt, validate=True))
    except ValueError:
        return False
    return hmac.compare_digest(actual, digest)
