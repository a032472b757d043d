"""Reports: a channel's team health over the last 12 weeks in chat (`/steadybot report`), on a web page
with charts behind a signed expiring link (bot/web), on the Slack App Home, and as an opt-in weekly
digest. See docs/reports.md."""

from __future__ import annotations

from handlers.core.registry import Registry
from handlers.reports import digest, shortcut
from handlers.reports.commands import LINK_BUTTON, OPEN_PAGE, press_link, press_page


def register(registry: Registry) -> None:
    registry.action(OPEN_PAGE, press_page)
    registry.action(LINK_BUTTON, press_link)
    registry.action(shortcut.ACTION, shortcut.prompt_on_message)
    registry.outbox_kind(digest.KIND, digest.prepare_digest)
