"""`/steadybot report` and the report buttons."""

from __future__ import annotations

import logging

from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.services import Services
from handlers.core.types import Button, Command, Interaction, Place, Reply, Visibility
from handlers.pulse.common import person_tz
from handlers.reports.access import may_see_report
from handlers.reports.build import build_report
from handlers.reports.catalog import OPEN_PAGE
from handlers.reports.links import LinkTarget, make_link, read_button
from handlers.reports.render import report_text

log = logging.getLogger("steadybot.reports")


def link_reply(svc: Services, target: LinkTarget) -> Reply:
    url = make_link(svc, target)
    team = f"#{target.channel_name}" if target.channel_name else "this channel"
    return Reply(
        text=f"Your private link to the report page for {team}, with charts. It works for 15 minutes and only for "
             "this channel; please don't forward it.",
        buttons=(Button(OPEN_PAGE, "Open the report page", url=url, style="primary"),),
        visibility=Visibility.PRIVATE,
        notify_text="Your private link to the team report",
    )


async def report_command(cmd: Command, rest: str, svc: Services) -> list[Reply]:
    if cmd.where.is_direct:
        raise UserError("A report belongs to a team channel — run it there, not in a direct message.",
                        "/steadybot report")
    if rest.strip():
        raise UserError("`/steadybot report` takes nothing after it: it covers this channel's last 12 weeks.",
                        "/steadybot report")
    place: Place = cmd.where.without_thread()
    tz = await person_tz(svc, cmd.who)
    report = await build_report(svc, place, tz)
    target = LinkTarget(place.platform, place.channel_id, place.team_id, report.channel_name, str(tz.key))
    return [Reply(report_text(report), visibility=Visibility.PERSON), link_reply(svc, target)]


async def press_page(_: Interaction, __: Services) -> None:
    return None


async def press_link(interaction: Interaction, svc: Services) -> Reply:
    """The "Send me the report link" button (weekly digest, App Home) never expires, so whether the
    presser may have this channel's report is decided now, as `/steadybot report` would (handlers/reports/
    access.py) — someone who left the channel since gets no link."""
    target = read_button(svc, interaction.value)
    if (target is None or target.platform != interaction.who.platform
            or (target.team_id and interaction.where.team_id and target.team_id != interaction.where.team_id)):
        raise UserError("That button doesn't work any more. Run `/steadybot report` in the team's channel.")
    team = f"#{target.channel_name}" if target.channel_name else "that channel"
    try:
        allowed = await may_see_report(svc, interaction.who, target.place())
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the platform did not answer: no link on a guess
        log.info("report link: membership check failed: %s", type(exc).__name__)
        raise UserError(f"I couldn't check that you're in {team} just now — please try again in a minute.") from exc
    if not allowed:
        raise UserError(f"That report belongs to {team}, and you're not a member there any more, so I can't send "
                        "its link. If you rejoin, run `/steadybot report` in the channel.")
    tz = await person_tz(svc, interaction.who)
    return link_reply(svc, LinkTarget(target.platform, target.channel_id, target.team_id, target.channel_name,
                                      str(tz.key)))
