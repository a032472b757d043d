"""Signed, expiring links to the report page: `<public url>/reports/<token>`.

The token carries the channel it is bound to (platform, channel, team, name) and the reader's timezone,
signed with the server secret's "reports" key (bot/secret.py → handlers/core/signing.py). It expires
after 15 minutes. The page (bot/web) reads it back with `read_token`; anything forged, altered, expired or
signed for another purpose reads as None and gets the 403 page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.signing import Signer
from handlers.core.types import Place, Platform
from handlers.reports.catalog import SIGNER

LINK_PURPOSE = "report-link"
BUTTON_PURPOSE = "report-button"  # a digest's "open the report" button: no expiry, it mints a fresh link
LINK_TTL = timedelta(minutes=15)
PATH = "/reports/"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    platform: Platform
    channel_id: str
    team_id: str
    channel_name: str
    tz: str

    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, None, False, self.channel_name)

    def dumps(self) -> str:
        return json.dumps({"p": self.platform.value, "c": self.channel_id, "t": self.team_id,
                           "n": self.channel_name[:80], "z": self.tz}, separators=(",", ":"))

    @staticmethod
    def loads(data: str | None) -> LinkTarget | None:
        if data is None:
            return None
        try:
            raw = json.loads(data)
            target = LinkTarget(Platform(raw["p"]), str(raw["c"]), str(raw["t"]), str(raw["n"]), str(raw["z"]))
        except (ValueError, KeyError, TypeError):
            return None
        return target if target.channel_id else None


def signer_of(svc: Services) -> Signer:
    if svc.signer is None:
        raise UserError("Report links need the server secret, and this process has none configured.")
    return svc.signer(SIGNER)


def make_token(svc: Services, target: LinkTarget) -> str:
    expires = int((svc.clock.now() + LINK_TTL).timestamp())
    return signer_of(svc).sign(target.dumps(), purpose=LINK_PURPOSE, expires_at=expires)


def make_link(svc: Services, target: LinkTarget) -> str:
    return f"{svc.settings.public_url.rstrip('/')}{PATH}{make_token(svc, target)}"


def read_token(signer: Signer, token: str, now: float) -> LinkTarget | None:
    return LinkTarget.loads(signer.unsign(token, purpose=LINK_PURPOSE, now=now))


def button_value(svc: Services, target: LinkTarget) -> str:
    return signer_of(svc).sign(target.dumps(), purpose=BUTTON_PURPOSE)


def read_button(svc: Services, value: str) -> LinkTarget | None:
    return LinkTarget.loads(signer_of(svc).unsign(value, purpose=BUTTON_PURPOSE))
