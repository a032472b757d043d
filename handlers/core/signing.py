"""Signed tokens for data that round-trips through a client (button values, card data, links).

Standard library only, so the core can sign and check without a platform or crypto library. A token is
``<payload as base64url>.<expiry or 0>.<mac as base64url>``; the MAC covers the purpose, the expiry and the
payload, so a token minted for one purpose (a button) never passes for another (a report link).

The MAC is keyed BLAKE2b (RFC 7693; `hashlib.blake2b(key=…)`, built into CPython) with a 24-byte tag, under a
key derived from the signer's own. Tokens signed before carried HMAC-SHA256 (a 32-byte tag, under the
signer's key itself): those are still accepted, told apart by their tag's length, so buttons already in
channels and report links already shared keep working. Every message a reply carries seals several buttons,
and OpenSSL's HMAC costs several microseconds a call (more on a CPU just woken from idle) where BLAKE2b's
keyed mode is one call of a few hundred nanoseconds
(docs/benchmarks.md, "Button seals with keyed BLAKE2b").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

#: The tag of tokens signed now (keyed BLAKE2b), and of tokens signed before (HMAC-SHA256), in bytes.
MAC_BYTES = 24
LEGACY_MAC_BYTES = 32
_BLAKE2B_KEY_INFO = b"steadybot/signing/blake2b"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks short strings under one key (derive one key per use; see bot/secret.py)."""

    key: bytes = field(repr=False)  # a logged signer shows no key
    _mac_key: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # its own key: the two MACs never share one
        object.__setattr__(self, "_mac_key", hmac.digest(self.key, _BLAKE2B_KEY_INFO, "sha256"))

    def _mac(self, purpose: str, expires: int, body: str) -> bytes:
        message = f"{purpose}\x00{expires}\x00{body}".encode()
        return hashlib.blake2b(message, key=self._mac_key, digest_size=MAC_BYTES).digest()

    def _legacy_mac(self, purpose: str, expires: int, body: str) -> bytes:
        """The MAC tokens carried before (HMAC-SHA256 under the signer's key): still checked, never issued."""
        message = f"{purpose}\x00{expires}\x00{body}".encode()
        return hmac.digest(self.key, message, "sha256")

    def sign(self, data: str, *, purpose: str, expires_at: int = 0) -> str:
        """A token carrying `data`; `expires_at` is a Unix time in seconds, 0 for no expiry."""
        body = _b64(data.encode("utf-8"))
        return f"{body}.{int(expires_at)}.{_b64(self._mac(purpose, int(expires_at), body))}"

    def unsign(self, token: object, *, purpose: str, now: float = 0.0) -> str | None:
        """The data a valid token carries; None for anything forged, altered, expired or malformed."""
        if not isinstance(token, str) or len(token) > 16_384 or token.count(".") != 2:
            return None
        body, expires_text, mac_text = token.split(".")
        if not expires_text.isascii() or not expires_text.isdigit() or len(expires_text) > 12:
            return None
        expires = int(expires_text)
        try:
            mac = _unb64(mac_text)
            data = _unb64(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        if len(mac) == MAC_BYTES:
            expected = self._mac(purpose, expires, body)
        elif len(mac) == LEGACY_MAC_BYTES:
            expected = self._legacy_mac(purpose, expires, body)
        else:
            return None
        if not hmac.compare_digest(mac, expected):
            return None
        if expires and now >= expires:
            return None
        return data
