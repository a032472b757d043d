"""Signed tokens keep their format: a button value already in a channel and a report link already shared stay
valid across versions of the code (and across the replicas of a rolling upgrade), so the format is pinned by
tokens minted by an earlier version, and every other tag is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from handlers.core.signing import Signer

KEY = b"k" * 32
#: Tokens minted by handlers/core/signing.py at f1fb553 under KEY: what a button value in a channel and a
#: shared report link carry.
BUTTON_BEFORE = "WyJzY29wZS5kcm9wIiwiNyJd.0.TOs-HB2XbTspZSd_gDusiVUA4iIToiHQ5uPBiyXLeDA"
LINK_BEFORE = "QzE.2000000000.p1S_Wcbgpuq78JnKfXij-38zGgx3NvSSQPLTAk1MKAU"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _message(purpose: str, expires: int, body: str) -> bytes:
    return f"{purpose}\x00{expires}\x00{body}".encode()


def test_tokens_are_signed_as_before() -> None:
    signer = Signer(KEY)
    assert signer.sign('["scope.drop","7"]', purpose="button:slack:c:C1") == BUTTON_BEFORE
    assert signer.sign("C1", purpose="report", expires_at=2_000_000_000) == LINK_BEFORE


def test_tokens_signed_before_are_accepted_for_their_own_purpose_and_time_only() -> None:
    signer = Signer(KEY)
    assert signer.unsign(BUTTON_BEFORE, purpose="button:slack:c:C1") == '["scope.drop","7"]'
    assert signer.unsign(BUTTON_BEFORE, purpose="button:slack:c:C2") is None  # another channel
    assert signer.unsign(LINK_BEFORE, purpose="report", now=1_999_999_999) == "C1"
    assert signer.unsign(LINK_BEFORE, purpose="report", now=2_000_000_000) is None  # expired
    assert Signer(b"x" * 32).unsign(BUTTON_BEFORE, purpose="button:slack:c:C1") is None  # another key
    body, _, mac = LINK_BEFORE.split(".")
    assert signer.unsign(f"{body}.2000000001.{mac}", purpose="report") is None  # a later expiry, same tag


@pytest.mark.parametrize("size", [0, 1, 16, 24, 31, 33, 48, 64])
def test_a_tag_of_another_length_or_algorithm_is_refused(size: int) -> None:
    signer = Signer(KEY)
    body = _b64(b"C1")
    message = _message("report", 0, body)
    right = hmac.digest(KEY, message, "sha256")
    tags = [(right + right)[:size],  # the right tag, cut or lengthened
            hashlib.blake2b(message, key=KEY, digest_size=max(size, 1)).digest()[:size]]  # another MAC, same key
    for tag in tags:
        assert signer.unsign(f"{body}.0.{_b64(tag)}", purpose="report") is None
    assert signer.unsign(f"{body}.0.{_b64(right)}", purpose="report") == "C1"


def test_signers_are_values_of_their_key_and_their_repr_shows_no_key() -> None:
    assert Signer(KEY) == Signer(KEY)
    assert Signer(KEY) != Signer(b"x" * 32)
    assert "kkkk" not in repr(Signer(KEY))
