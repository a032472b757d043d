"""Authenticating Bot Framework traffic without doing work for strangers and without blocking the loop.

botbuilder's own validation (`JwtTokenValidation` / `ChannelValidation` / `EmulatorValidation` in
botframework-connector 4.x) needs the parsed activity, fetches the OpenID metadata and keys with blocking
`requests` calls that have no timeout (a stalled key server froze the whole event loop), accepts Emulator
tokens (issued by Microsoft's public STS) whenever an app id is set, and checks a key's endorsements
against the `channelId` the activity itself claims, so a key endorsed only for another channel passes for
an activity that names that channel. Here, in this order:

1. `precheck`: the Authorization header is present, `Bearer`, at most `MAX_AUTH_HEADER` bytes and shaped
   like a JWT — before the body is read or anything is parsed.
2. `verify`: the token's signature against the channel's keys (fetched with aiohttp, with timeouts, one
   fetch at a time, cached for a day, an unknown key id refetched at most every `UNKNOWN_KID_REFRESH`
   seconds, a failed fetch retried after `FAILED_FETCH_BACKOFF`), issuer, audience (our app id), expiry
   and the key's endorsement for `msteams` — the channel this bot serves, whatever the activity says.
   Emulator tokens are refused here: they are accepted only in explicit development mode
   (`STEADYBOT_INSECURE_DEV=1`), through botbuilder's own path (see TeamsAdapter).
3. `check_activity`, once the body is parsed: the activity's `channelId` is `msteams` and its `serviceUrl`
   is the one the token was issued for (so nobody makes the bot send its token to a host of their choice).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger("steadybot.teams")

CHANNEL_ID = "msteams"
MAX_AUTH_HEADER = 4096  # a Bot Framework token is ~1.2 KB
ALGORITHMS = ("RS256", "RS384", "RS512")
CLOCK_SKEW = 5 * 60  # seconds of leeway, as botbuilder allows
KEYS_TTL = 24 * 3600  # keys are refetched daily (botbuilder does the same)
UNKNOWN_KID_REFRESH = 5 * 60  # an unknown key id triggers a refetch at most this often
FAILED_FETCH_BACKOFF = 10.0  # after a failed fetch, refuse at once for this long instead of waiting again
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=5, connect=3, sock_read=3)
MAX_KEYS_DOCUMENT = 512 * 1024
#: Issuers of Emulator tokens (botframework-connector's EmulatorValidation), refused outside development mode.
EMULATOR_ISSUERS = frozenset({
    "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
    "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0",
    "https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/",
    "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0",
    "https://sts.windows.net/cab8a31a-1906-4287-a0d8-4eef66b95f6e/",
    "https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0",
})


class Refused(Exception):
    """Not authenticated; the reason is for the log (the client only ever sees 401)."""


def precheck(header: str | None) -> str | None:
    """The bearer token of a plausible Authorization header, or None (no parsing, no crypto)."""
    if not header or len(header) > MAX_AUTH_HEADER:
        return None
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or token.count(".") != 2 or " " in token or not token.isascii():
        return None
    return token


def unverified_issuer(token: str) -> str:
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return ""
    return issuer if isinstance(issuer, str) else ""


@dataclass(slots=True)
class _Key:
    public_key: Any
    endorsements: tuple[str, ...]


@dataclass(slots=True)
class KeyCache:
    """The channel's signing keys, fetched without blocking, with timeouts, cached, one fetch at a time."""

    metadata_url: str
    timeout: aiohttp.ClientTimeout = FETCH_TIMEOUT
    keys: dict[str, _Key] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    failed_at: float = float("-inf")
    fetches: int = 0
    _inflight: asyncio.Task[None] | None = None
    _session: aiohttp.ClientSession | None = None

    async def get(self, kid: str) -> _Key | None:
        now = time.monotonic()
        stale = now - self.fetched_at > KEYS_TTL
        unknown = kid not in self.keys and now - self.fetched_at > UNKNOWN_KID_REFRESH
        if (stale or unknown) and now - self.failed_at > FAILED_FETCH_BACKOFF:
            await self._refresh()
        return self.keys.get(kid)

    async def _refresh(self) -> None:
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._fetch(), name="bot framework keys")
        try:
            await asyncio.shield(self._inflight)
        except Exception as exc:  # noqa: BLE001 - unreachable, slow or malformed: keep the old keys
            log.warning("could not fetch the Bot Framework signing keys from %s: %s", self.metadata_url,
                        type(exc).__name__)

    async def _fetch(self) -> None:
        try:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=self.timeout)
            metadata = await self._json(self.metadata_url)
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
                raise ValueError("no jwks_uri in the OpenID metadata")
            document = await self._json(jwks_uri)
            keys: dict[str, _Key] = {}
            for jwk in document.get("keys") or []:
                if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                    continue
                try:
                    public_key = RSAAlgorithm.from_jwk(jwk)
                except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                    continue
                endorsements = jwk.get("endorsements") or []
                keys[jwk["kid"]] = _Key(public_key, tuple(e for e in endorsements if isinstance(e, str)))
            self.keys = keys
            self.fetched_at = time.monotonic()
            self.fetches += 1
        except BaseException:
            self.failed_at = time.monotonic()
            raise

    async def _json(self, url: str) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.get(url) as response:
            response.raise_for_status()
            body = await response.content.read(MAX_KEYS_DOCUMENT + 1)
            if len(body) > MAX_KEYS_DOCUMENT:
                raise ValueError("key document too large")
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    async def close(self) -> None:
        if self._inflight is not None and not self._inflight.done():
            self._inflight.cancel()
        if self._session is not None:
            await self._session.close()


class ChannelAuth:
    """Validates Bot Framework channel tokens for one app id (see the module docstring)."""

    def __init__(self, app_id: str, metadata_url: str = "", issuer: str = "") -> None:
        self.app_id = app_id
        self.issuer = issuer or AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        self.keys = KeyCache(metadata_url or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Refused("not a JWT") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or not isinstance(kid, str):
            raise Refused("algorithm or key id not allowed")
        issuer = unverified_issuer(token)
        if issuer in EMULATOR_ISSUERS:
            raise Refused("an Emulator token outside development mode")
        if issuer != self.issuer:
            raise Refused("unknown issuer")
        key = await self.keys.get(kid)
        if key is None:
            raise Refused("unknown signing key")
        if CHANNEL_ID not in key.endorsements:
            raise Refused(f"signing key not endorsed for {CHANNEL_ID}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.public_key, algorithms=[alg], audience=self.app_id, issuer=self.issuer,
                leeway=CLOCK_SKEW, options={"require": ["exp", "aud", "iss"]})
        except jwt.PyJWTError as exc:
            raise Refused(type(exc).__name__) from exc
        return claims

    @staticmethod
    def check_activity(claims: dict[str, Any], activity: Activity) -> None:
        if activity.channel_id != CHANNEL_ID:
            raise Refused("the activity is not from Microsoft Teams")
        service_url = claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
        if not isinstance(service_url, str) or service_url != activity.service_url:
            raise Refused("the token was issued for another service URL")

    @staticmethod
    def identity(claims: dict[str, Any]) -> ClaimsIdentity:
        return ClaimsIdentity(claims, True)

    async def close(self) -> None:
        await self.keys.close()
