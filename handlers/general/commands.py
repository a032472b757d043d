"""`/steadybot`: about, the overview of every command, this channel's settings and report."""

from __future__ import annotations

from handlers.core.dispatch import HELP_WORDS
from handlers.core.errors import UserError
from handlers.core.registry import Registry, Replies
from handlers.core.services import Services
from handlers.core.types import Command, Reply, Visibility
from handlers.general import settings
from handlers.general.catalog import ABOUT
from handlers.reports.commands import report_command


async def steadybot(cmd: Command, svc: Services, *, registry: Registry) -> Replies:
    """`/steadybot [about|settings …|report]`; `registry` is for the overview of every command."""
    sub, _, rest = cmd.text.partition(" ")
    sub = sub.lower()
    while sub == "steadybot":  # `/steadybot steadybot report`: the name typed twice
        sub, _, rest = rest.strip().partition(" ")
        sub = sub.lower()
    if sub in ("", "about"):
        return Reply(text=f"{ABOUT}\n\n{registry.overview()}")
    if sub == "settings":
        return await settings.settings_command(cmd, rest.strip(), svc)
    if sub in ("report", "reports"):
        return await report_command(cmd, rest.strip(), svc)
    if sub in registry.commands:  # `/steadybot pulse results` (Slack), `steadybot pulse me` typed in a 1:1
        return await _other_command(Command(sub, rest.strip(), cmd.who, cmd.where, cmd.request_id,
                                            cmd.received_at), svc, registry)
    raise UserError("`/steadybot` knows `report`, `settings` and `help`.", "/steadybot report")


async def _other_command(cmd: Command, svc: Services, registry: Registry) -> Replies:
    """Another command typed after `/steadybot`: its help, or the command itself, as if typed on its own
    (its refusals point to its own help, as `handlers.core.dispatch` words them)."""
    spec = registry.commands[cmd.name]
    first = cmd.text.split()[:1]
    if first and first[0].lower() in HELP_WORDS:
        return Reply(text=spec.help_text(), visibility=Visibility.PERSON)
    try:
        return await spec.handler(cmd, svc)
    except UserError as error:
        return Reply(text=f"{error.text()}\nSee `/{cmd.name} help` for more.", visibility=Visibility.PERSON)
