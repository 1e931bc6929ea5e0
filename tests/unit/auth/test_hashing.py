"""Passwords and tokens at rest: what is stored proves the secret without holding it."""

from __future__ import annotations

import base64

from flowmesh.auth._hashing import (
    hash_password,
    hash_token_secret,
    new_token,
    split_token,
    verify_password,
    verify_token_secret,
)


def test_a_password_verifies_against_its_hash_and_a_wrong_one_does_not() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("", stored)


def test_a_password_hash_is_scrypt_with_a_salt_of_its_own_and_holds_no_password() -> None:
    first, second = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert first != second
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(key)) == 32
    assert "s3cret-pass" not in first


def test_a_malformed_stored_hash_verifies_nothing() -> None:
    for stored in ("", "plain", "scrypt$x$8$1$AAAA$AAAA", "md5$1$1$1$AAAA$AAAA", "scrypt$16384$8$1$!!$AAAA"):
        assert not verify_password("anything", stored)


def test_a_token_holds_its_id_and_a_long_random_secret() -> None:
    token_id, token = new_token()
    assert token.startswith(f"fm_{token_id}_")
    assert split_token(token) == (token_id, token.removeprefix(f"fm_{token_id}_"))
    assert len(token.removeprefix(f"fm_{token_id}_")) >= 43  # 32 random bytes in base64url
    assert new_token() != new_token()


def test_what_is_not_a_token_splits_to_nothing() -> None:
    for text in (
        "",
        "fm_",
        "fm_short_secret",
        "gh_0123456789abcdef_secret",
        "fm_0123456789abcdef_",
        "fm_0123456789ABCDEF_secret",
        "fm_0123456789abcdeé_secret",
    ):
        assert split_token(text) is None


def test_a_token_digest_verifies_its_token_only_and_differs_with_its_salt() -> None:
    _, token = new_token()
    _, other = new_token()
    salt, digest = hash_token_secret(token)
    assert verify_token_secret(token, salt, digest)
    assert not verify_token_secret(other, salt, digest)
    assert hash_token_secret(token)[1] != digest
    assert token not in digest
    assert not verify_token_secret(token, "not base64!", digest)
