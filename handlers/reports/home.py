"""A person's home: the Slack App Home tab (bot/slack/home.py) and `home` typed in the Teams 1:1
chat (a card). Three parts, all about or for the person who looks:

- their own pulse journal, only theirs (`handlers.pulse.journal.own_journal`, as `/pulse me` shows it);
- their upcoming meetings with agenda status, from the channels they are in;
- the channels where steadybot runs that they are a member of now (in Teams, asked in the 1:1 chat: of every
  team in their tenant), each with its latest *shown* pulse round
  (`handlers.pulse.results.team_results`: the same rule as `/pulse results`, sealed rounds only).

Buttons: "My journal", "Report link for #channel" (a signed value; pressing it sends a fresh private
15-minute link) and "Refresh".
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.core.errors import StorageUnavailable
from handlers.core.services import Services
from handlers.core.timeparse import format_local
from handlers.core.types import Button, Command, Interaction, Person, Place, Reply, Visibility
from handlers.meetings.ports import MeetingStore
from handlers.pulse.common import day_label, person_tz
from handlers.pulse.journal import own_journal
from handlers.pulse.results import published, team_results
from handlers.reports.access import may_see_report
from handlers.reports.build import questions
from handlers.reports.catalog import JOURNAL, REFRESH, REPORT
from handlers.reports.commands import press_link
from handlers.reports.links import LinkTarget, button_value

log = logging.getLogger("steadybot.reports")

MAX_CHANNELS = 10
MAX_MEETINGS = 8
MAX_REPORT_BUTTONS = 3
JOURNAL_LINES = 6


async def _member_channels(svc: Services, who: Person, team_id: str) -> list[Place]:
    """The channels where steadybot runs (of the workspace; from a Teams 1:1, of every team in the person's
    tenant: storage/repos/reports.py) that the person is a member of now — the report-link rule
    (handlers/reports/access.py), so the home offers no channel whose button would then be refused."""
    candidates: list[Place] = await svc.store.reports.channels(who.platform, team_id, MAX_CHANNELS * 2, who.id)
    mine: list[Place] = []
    for place in candidates:
        try:
            member = await may_see_report(svc, who, place)
        except StorageUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a channel the bot left, an API hiccup: leave it out
            log.info("home: membership in %s unavailable: %s", place.key, type(exc).__name__)
            continue
        if member:
            mine.append(place)
        if len(mine) >= MAX_CHANNELS:
            break
    return mine


def _team(place: Place) -> str:
    return f"#{place.name}" if place.name else "a channel"


async def build_home(svc: Services, who: Person, team_id: str) -> Reply:
    tz = await person_tz(svc, who)
    now = svc.clock.now()
    qs = questions()
    lines = [f"**Your steadybot home**{(', ' + who.name) if who.name else ''} — only you see this."]

    lines.append("**Your pulse journal** (private: nobody else can ever see it)")
    journal = await own_journal(svc, who, qs, limit=JOURNAL_LINES)
    if journal is None:
        lines.append("Off. Keep a private copy of your own pulse answers with `/pulse me on`.")
    else:
        lines.extend(line for line in journal.text.split("\n")[1:] if line.strip())
        if len(lines) == 2:
            lines.append("On, and empty so far: your next pulse answer will be the first entry.")

    channels = await _member_channels(svc, who, team_id)
    meetings_store: MeetingStore = svc.store.meetings
    meeting_lines: list[tuple[datetime, str]] = []
    for place in channels:
        for meeting in await meetings_store.upcoming(place.platform, place.channel_id, now, 3):
            items = await meetings_store.agenda(meeting.id)
            status = f"agenda ✓ ({len(items)} item{'s' if len(items) != 1 else ''})" if items else "⚠️ no agenda yet"
            meeting_lines.append((meeting.starts_at, f"• {format_local(meeting.starts_at, tz, now=now)} · "
                                                     f"{meeting.title} in {_team(place)} — {status}"))
    lines.append("**Your upcoming meetings**")
    if meeting_lines:
        lines.extend(line for _, line in sorted(meeting_lines, key=lambda x: x[0])[:MAX_MEETINGS])
    else:
        lines.append("None registered in your channels. Register one with `/meeting <title> <when>`.")

    lines.append("**Your channels**")
    buttons = [Button(JOURNAL, "My journal", style="primary")]
    if not channels:
        lines.append("None yet: steadybot runs in a channel once it has a pulse or a meeting there (`/pulse now`).")
    for place in channels:
        results = await team_results(svc, place, 6)
        shown = [s for s in results.shown if s.round.sealed]
        name = place.name or next((s.round.channel_name for s in results.stats if s.round.channel_name), "")
        place = Place(place.platform, place.channel_id, place.team_id, None, False, name)
        if shown:
            latest = shown[0]
            means = " · ".join(f"{s.name} {published(latest, s.id).mean or '–'}" for s in qs.scales)
            lines.append(f"• {_team(place)}: round of {day_label(latest.round.started_at, tz)}, {latest.answers} of "
                         f"{max(latest.round.invited or 0, latest.answers)} answered — {means}")
        else:
            lines.append(f"• {_team(place)}: no pulse results to show yet (a round shows with at least "
                         f"{results.k} answers besides the sender's own)")
        if len(buttons) <= MAX_REPORT_BUTTONS:
            target = LinkTarget(place.platform, place.channel_id, place.team_id, name, str(tz.key))
            buttons.append(Button(REPORT, f"Report: {_team(place)}"[:70], button_value(svc, target)))
    buttons.append(Button(REFRESH, "Refresh"))
    # With the journal in it, it must not stay in a chat's history (Slack: ephemeral; Teams: recorded, so a
    # forget deletes it) — issue 12. The App Home view is not a message and is re-published without it.
    return Reply("\n".join(lines), buttons=tuple(buttons), visibility=Visibility.PRIVATE,
                 notify_text="Your steadybot home", transient=journal is not None)


async def home_command(cmd: Command, svc: Services) -> Reply:
    return await build_home(svc, cmd.who, cmd.where.team_id)


async def view(interaction: Interaction, svc: Services) -> Reply:
    return await build_home(svc, interaction.who, interaction.where.team_id)


async def journal(interaction: Interaction, svc: Services) -> Reply:
    found = await own_journal(svc, interaction.who, questions())
    return found or Reply("Your private journal is off. Start it with `/pulse me on` — only you will ever see it.",
                          visibility=Visibility.PRIVATE)


async def report(interaction: Interaction, svc: Services) -> Reply:
    return await press_link(interaction, svc)
