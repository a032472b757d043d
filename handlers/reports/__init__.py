"""Reports: a channel's team health over the last 12 weeks in chat (`/steadybot report`), on a web page
with charts behind a signed expiring link (bot/web), on the Slack App Home, and as an opt-in weekly
digest. See docs/reports.md."""

from __future__ import annotations

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.reports.catalog import (
    DIGEST,
    JOURNAL,
    LINK_BUTTON,
    OPEN_PAGE,
    REFRESH,
    REPORT,
    SHORTCUT,
    SHORTCUT_UNPOSTED,
    VIEW,
)


def register(registry: Registry) -> None:
    feature = Feature("handlers.reports.wiring:handlers")
    registry.action(OPEN_PAGE, feature.handler("press_page"))
    registry.action(LINK_BUTTON, feature.handler("press_link"))
    registry.action(SHORTCUT, feature.handler("shortcut"))
    registry.action(SHORTCUT_UNPOSTED, feature.handler("shortcut_unposted"))
    registry.outbox_kind(DIGEST, feature.handler("digest"))
    registry.action(VIEW, feature.handler("view"))
    registry.action(REFRESH, feature.handler("view"))
    registry.action(JOURNAL, feature.handler("journal"))
    registry.action(REPORT, feature.handler("report"))
    registry.command(CommandSpec(
        name="home",
        summary="your home: your journal, your upcoming meetings, your channels' latest results",
        usage=(("", "shows it (in Slack it is also the app's Home tab)"),),
        handler=feature.handler("home"),
        on_slack="the **Home** tab of steadybot (steadybot under Apps in Slack's sidebar)",
    ))
