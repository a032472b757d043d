"""Signed tokens for data that round-trips through a client (button values, card data, links).

Stdlib HMAC-SHA256 only, so the core can sign and check without a platform or crypto library. A token is
``<payload as base64url>.<expiry or 0>.<mac as base64url>``; the MAC covers the purpose, the expiry and the
payload, so a token minted for one purpose (a button) never passes for another (a report link).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass, field

from handlers.core.macs import HmacSha256


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks short strings under one key (derive one key per use; see bot/secret.py)."""

    key: bytes = field(repr=False)  # a logged signer shows no key
    _hmac: HmacSha256 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hmac", HmacSha256(self.key))  # the key set up once, not per token

    def _mac(self, purpose: str, expires: int, body: str) -> bytes:
        return self._hmac.digest(f"{purpose}\x00{expires}\x00{body}".encode())

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
        if not hmac.compare_digest(mac, self._mac(purpose, expires, body)):
            return None
        if expires and now >= expires:
            return None
        return data
