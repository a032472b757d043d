"""Reports: a channel's team health over the last 12 weeks in chat (`/steadybot report`), on a web page
with charts behind a signed expiring link (bot/web), on the Slack App Home, and as an opt-in weekly
digest. See docs/reports.md."""

from __future__ import annotations

from handlers.core.registry import CommandSpec, Registry
from handlers.reports import digest, home, shortcut
from handlers.reports.commands import LINK_BUTTON, OPEN_PAGE, press_link, press_page


def register(registry: Registry) -> None:
    registry.action(OPEN_PAGE, press_page)
    registry.action(LINK_BUTTON, press_link)
    registry.action(shortcut.ACTION, shortcut.prompt_on_message)
    registry.outbox_kind(digest.KIND, digest.prepare_digest)
    registry.action(home.VIEW, home.view)
    registry.action(home.REFRESH, home.view)
    registry.action(home.JOURNAL, home.journal)
    registry.action(home.REPORT, home.report)
    registry.command(CommandSpec(
        name="home",
        summary="your home: your journal, your upcoming meetings, your channels' latest results",
        usage=(("", "shows it (in Slack it is also the app's Home tab)"),),
        handler=home.home_command,
    ))
