"""`/steadybot`: about, the overview of every command, this channel's settings and report."""

from __future__ import annotations

from handlers.core.errors import UserError
from handlers.core.registry import Registry
from handlers.core.services import Services
from handlers.core.types import Command, Reply
from handlers.general import settings
from handlers.general.catalog import ABOUT
from handlers.reports.commands import report_command


async def steadybot(cmd: Command, svc: Services, *, registry: Registry) -> Reply | list[Reply]:
    """`/steadybot [about|settings …|report]`; `registry` is for the overview of every command."""
    sub, _, rest = cmd.text.partition(" ")
    sub = sub.lower()
    if sub in ("", "about"):
        return Reply(text=f"{ABOUT}\n\n{registry.overview(cmd.where.platform)}")
    if sub == "settings":
        return await settings.settings_command(cmd, rest.strip(), svc)
    if sub in ("report", "reports"):
        return await report_command(cmd, rest.strip(), svc)
    raise UserError("`/steadybot` knows `report`, `settings` and `help`.", "/steadybot report")
