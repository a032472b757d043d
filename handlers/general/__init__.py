"""`/steadybot`: help and per-channel settings."""

from __future__ import annotations

from functools import partial

from handlers.core.errors import UserError
from handlers.core.registry import CommandSpec, Registry
from handlers.core.services import Services
from handlers.core.types import Command, Reply
from handlers.general import settings
from handlers.reports.commands import report_command

ABOUT = (
    "I help your team keep healthy habits: anonymous pulse check-ins, no agenda — no meeting, time-boxed "
    "calls, and a polite \"what do we drop?\" when scope creeps in. Pulse answers are anonymous, and team "
    "results only show once enough people have answered."
)


async def steadybot(cmd: Command, svc: Services, *, registry: Registry) -> Reply | list[Reply]:
    """`/steadybot [about|settings …|report]`; `registry` is for the overview of every command."""
    sub, _, rest = cmd.text.partition(" ")
    sub = sub.lower()
    if sub in ("", "about"):
        return Reply(text=f"{ABOUT}\n\n{registry.overview()}")
    if sub == "settings":
        return await settings.settings_command(cmd, rest.strip(), svc)
    if sub in ("report", "reports"):
        return await report_command(cmd, rest.strip(), svc)
    raise UserError("`/steadybot` knows `report`, `settings` and `help`.", "/steadybot report")


def register(registry: Registry) -> None:
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
            ("settings digest on|off", "a Monday DM to you with this channel's report headlines"),
        ),
        handler=partial(steadybot, registry=registry),
    ))
    registry.form(settings.FORM_ID, settings.open_settings, settings.submit_settings)
    registry.action("settings.open", settings.open_settings_button)
