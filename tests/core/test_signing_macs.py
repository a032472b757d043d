"""The MAC of signed tokens: keyed BLAKE2b for every token issued now, HMAC-SHA256 tokens issued before still
accepted (buttons already in channels, report links already shared), and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from handlers.core.signing import LEGACY_MAC_BYTES, MAC_BYTES, Signer

KEY = b"k" * 32
#: Tokens minted by handlers/core/signing.py as it was at f1fb553 (HMAC-SHA256), under KEY: what a button
#: value in a channel, or a shared report link, carries from before this change.
BUTTON_BEFORE = "WyJzY29wZS5kcm9wIiwiNyJd.0.TOs-HB2XbTspZSd_gDusiVUA4iIToiHQ5uPBiyXLeDA"
LINK_BEFORE = "QzE.2000000000.p1S_Wcbgpuq78JnKfXij-38zGgx3NvSSQPLTAk1MKAU"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _message(purpose: str, expires: int, body: str) -> bytes:
    return f"{purpose}\x00{expires}\x00{body}".encode()


def test_a_token_signed_now_carries_keyed_blake2b_under_a_key_of_its_own() -> None:
    token = Signer(KEY).sign('["scope.drop","7"]', purpose="button:slack:c:C1")
    body, expires, mac = token.split(".")
    tag = _unb64(mac)
    assert len(tag) == MAC_BYTES
    own_key = hmac.digest(KEY, b"steadybot/signing/blake2b", "sha256")
    message = _message("button:slack:c:C1", int(expires), body)
    assert tag == hashlib.blake2b(message, key=own_key, digest_size=MAC_BYTES).digest()
    # not the signer's key itself: the two MACs never share a key
    assert tag != hashlib.blake2b(message, key=KEY, digest_size=MAC_BYTES).digest()


def test_tokens_signed_before_are_still_accepted_for_their_own_purpose_and_time_only() -> None:
    signer = Signer(KEY)
    assert signer.unsign(BUTTON_BEFORE, purpose="button:slack:c:C1") == '["scope.drop","7"]'
    assert signer.unsign(BUTTON_BEFORE, purpose="button:slack:c:C2") is None  # another channel
    assert signer.unsign(LINK_BEFORE, purpose="report", now=1_999_999_999) == "C1"
    assert signer.unsign(LINK_BEFORE, purpose="report", now=2_000_000_000) is None  # expired
    assert Signer(b"x" * 32).unsign(BUTTON_BEFORE, purpose="button:slack:c:C1") is None  # another key
    body, expires, mac = LINK_BEFORE.split(".")
    assert signer.unsign(f"{body}.2000000001.{mac}", purpose="report") is None  # a later expiry, same tag


@pytest.mark.parametrize("size", [0, 1, 16, 23, 25, 31, 33, 48, 64])
def test_a_tag_of_any_other_length_is_refused(size: int) -> None:
    signer = Signer(KEY)
    body = _b64(b"C1")
    right_hmac = hmac.digest(KEY, _message("report", 0, body), "sha256")
    tags = [hashlib.blake2b(_message("report", 0, body), key=signer._mac_key, digest_size=max(size, 1)).digest()[:size],
            (right_hmac + right_hmac)[:size]]  # the right tags, cut or lengthened
    for tag in tags:
        assert len(tag) == size
        assert signer.unsign(f"{body}.0.{_b64(tag)}", purpose="report") is None


def test_one_algorithm_s_tag_does_not_pass_for_the_other() -> None:
    """A 32-byte BLAKE2b tag is read as HMAC-SHA256 (and fails); the first 24 bytes of an HMAC-SHA256 tag are
    read as BLAKE2b (and fail)."""
    signer = Signer(KEY)
    body = _b64(b"C1")
    message = _message("report", 0, body)
    long_blake = hashlib.blake2b(message, key=signer._mac_key, digest_size=LEGACY_MAC_BYTES).digest()
    short_hmac = hmac.digest(KEY, message, "sha256")[:MAC_BYTES]
    assert signer.unsign(f"{body}.0.{_b64(long_blake)}", purpose="report") is None
    assert signer.unsign(f"{body}.0.{_b64(short_hmac)}", purpose="report") is None
    assert signer.unsign(f"{body}.0.{_b64(hmac.digest(KEY, message, 'sha256'))}", purpose="report") == "C1"


def test_signers_are_values_of_their_key_and_their_repr_shows_no_key() -> None:
    assert Signer(KEY) == Signer(KEY)
    assert Signer(KEY) != Signer(b"x" * 32)
    shown = repr(Signer(KEY))
    assert "kkkk" not in shown and "_mac_key" not in shown
