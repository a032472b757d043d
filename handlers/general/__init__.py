"""`/steadybot`: help and per-channel settings; what a channel archived or deleted on its platform stops."""

from __future__ import annotations

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.general.catalog import ABOUT, FORM_ID, OPEN_SETTINGS


def register(registry: Registry) -> None:
    feature = Feature("handlers.general.wiring:handlers", registry=registry)
    registry.command(CommandSpec(
        name="steadybot",
        summary="help, this channel's team report, and its settings",
        intro=ABOUT,
        usage=(
            ("help", "what I can do"),
            ("report", "this channel's team health over the last 12 weeks, and a private link to the page with "
                       "charts"),
            ("settings", "show this channel's settings (scope-creep watch, agenda enforcement, quiet hours, "
                         "minimum answers)"),
            ("settings scope on|off", "switch the scope-creep watch"),
            ("settings sensitivity low|normal|high", "how eagerly I spot scope creep"),
            ("settings agenda on|off", "switch \"no agenda, no meeting\""),
            ("settings quiet 20:00-08:00", "quiet hours, in each person's own time (or `off`)"),
            ("settings min 5", "answers needed before pulse results show (3 or more)"),
            ("settings holidays DE-BY", "no scheduled pulse or meeting nudge on this country's (or region's) "
                                        "public holidays (or `off`)"),
            ("settings digest on|off", "a Monday DM to you with this channel's report headlines"),
        ),
        handler=feature.handler("command"),
    ))
    registry.form(FORM_ID, feature.handler("open_settings"), feature.handler("submit_settings"))
    registry.action(OPEN_SETTINGS, feature.handler("open_settings_button"))
    # a channel archived, deleted, unarchived or restored (handlers/general/channel_state.py)
    registry.on_place_change(Feature("handlers.general.wiring:place_handlers").handler("place_changed"))
