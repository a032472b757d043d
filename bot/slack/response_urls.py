"""Which `response_url`s the bot will POST to: Slack's webhook hosts, and the configured Web API's own origin.

A `response_url` arrives inside a signed request, so only Slack (or whoever holds the signing secret) can put
one there. Still, an answer POSTed to an address the request names is a request the bot makes on another's
say-so: with a leaked secret it would reach any host the bot can reach (an internal admin page, a cloud
metadata address). Slack's own are `https://hooks.slack.com/…` (`/commands/`, `/actions/`, `/app/`) and, on
GovSlack, `https://hooks.slack-gov.com/…`. A local fake of the Web API (`SLACK_API_URL` outside Slack's
domains: the tests and the demo) answers on its own origin, which is admitted too; anything else is not
posted to, and is logged by host only (docs/operations.md, "Security": "Where a Slack answer is sent")."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger("steadybot.slack")

#: Slack's hosts for response_urls (commercial and GovSlack), over https on the default port only.
SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
_HOOK_PREFIXES = tuple(f"https://{host}/" for host in sorted(SLACK_HOOK_HOSTS))
Origin = tuple[str, str, int]
#: Slack's own domains: a `SLACK_API_URL` there is Slack, whose origin takes no answers.
_SLACK_DOMAINS = ("slack.com", "slack-gov.com")
_HOST_NAME = re.compile(r"[a-z0-9.-]{1,80}")


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) address without credentials in it, or None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number, a bracket left open
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username is not None:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port  # ":0" stays 0: nobody answers there


@dataclass(frozen=True, slots=True)
class ResponseUrls:
    """Admits a request's `response_url` when it is Slack's, or on the configured Web API's origin."""

    api_origin: Origin | None = None
    #: What an admitted address starts with, as Slack writes it: the common case, checked without parsing (every
    #: slash command carries one, and most are answered in their ack without it).
    prefixes: tuple[str, ...] = _HOOK_PREFIXES

    @classmethod
    def for_api(cls, api_url: str) -> ResponseUrls:
        """Slack's hosts only, and the Web API's origin when `SLACK_API_URL` is not Slack's own (a local fake):
        with `https://slack.com/api/` an answer to `https://slack.com/…` is no answer Slack asked for."""
        where = origin(api_url)
        if where is None or any(where[1] == d or where[1].endswith("." + d) for d in _SLACK_DOMAINS):
            return cls()
        parts = urlsplit(api_url)
        return cls(where, (*_HOOK_PREFIXES, f"{parts.scheme}://{parts.netloc}/"))

    def admit(self, url: object) -> str:
        """`url` when the bot may POST an answer to it; "" when it is missing, not a string or elsewhere."""
        if not isinstance(url, str) or not url:
            return ""
        if url.startswith(self.prefixes) and url.isprintable() and " " not in url:
            return url  # the host is exactly one of ours (it ends at that "/"), and nothing unprintable follows
        where = origin(url)
        if where is None:
            log.warning("a response_url that is not a web address was ignored")
            return ""
        if (where[0] == "https" and where[1] in SLACK_HOOK_HOSTS and where[2] == 443) or where == self.api_origin:
            return url
        log.warning("a response_url outside Slack's hosts was ignored (host %s)", _printable(where[1]))
        return ""


def _printable(host: str) -> str:
    """A host name as the log may show it: letters, digits, dots and dashes only (no direction marks, no path
    glued on with `;`), else a placeholder."""
    return host if _HOST_NAME.fullmatch(host) else "(not a plain host name)"
