"""Forgetting a person (`/pulse optout --forget`, `steadybot forget <user>`): every row that names them goes
or stops naming them, the messages in their chat that show their journal are deleted where the platform
lets the bot, and the answer says exactly what was deleted, what was cleared and what was not deleted.

Both ways in run `forget_person` (the CLI through `forget_everywhere`). What belongs to the team — meetings,
series, agenda items, pre-read questions and answers, calendar feeds, timers, pulse schedules and rounds,
channel settings — stays, with the person's id and name cleared by each feature's own store (its `forget`);
rows that are the person's own (identity, journal, participation, preferences, snoozes, outbox rows to
them) are deleted. Each store scrubs what it rewrote; the pulse store runs last (it deletes the identity,
which holds the alternative id the others are asked about).

A home view the platform keeps is replaced too: Slack stores the last App Home view published for a person
(their journal in it, handlers/reports/home.py) until another replaces it, so a forget publishes
`FORGOTTEN_HOME` over it through `directory.clear_home` — in the server and from `steadybot forget` alike,
which builds the same adapters. A fixed "your data was deleted" home rather than the one a stranger would
see: building that would look the person up again (their name and timezone) and read the team's channels on
their behalf, right after everything about them was deleted. (The Teams home is a recorded card: it goes
with the journal messages.)"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from handlers.core.ports import Store
from handlers.core.types import Platform, Reply, Visibility
from handlers.pulse.common import plural
from handlers.pulse.model import ForgetReport

_PLURALS = {"meeting series": "meeting series", "calendar": "calendars", "pre-read answer": "pre-read answers",
            "meeting, agenda or trade-off text": "meeting, agenda and trade-off texts"}


FORGOTTEN_HOME = Reply(
    "**Your steadybot home** — your data was deleted.\n"
    "Everything steadybot kept about you (your pulse journal, your name, timezone and direct-message line, your "
    "preferences and records) is gone; anonymous team answers stay, linked to nobody. Use steadybot again "
    "(open this tab, or any command) and it starts afresh.",
    visibility=Visibility.PRIVATE)


async def forget_person(store: Store, directory: Any, platform: Platform, user_id: str) -> ForgetReport:
    """Forget one person of one platform everywhere: first delete the journal messages in their chat through
    `directory.delete_message` (adapters that can: Slack chat.delete, Bot Framework delete activity), then
    replace the home view the platform keeps for them (`directory.clear_home`: Slack's App Home, which showed
    their journal), clear them from the team's meetings, calendars and timers (by their id and alternative
    id), delete their time off, and last `store.pulse.forget`."""
    pulse = store.pulse
    delete = getattr(directory, "delete_message", None)
    deleted = 0
    if delete is not None:  # first, while the person's conversation reference is still stored
        for ref in await pulse.journal_messages(platform, user_id):
            if await delete(ref, user_id):
                deleted += 1
    clear = getattr(directory, "clear_home", None)  # while their workspace (their identity's) is still stored
    home = await clear(platform, user_id, FORGOTTEN_HOME) if clear is not None else None
    known = await store.identities.get(platform, user_id)
    ids = [user_id, *([known.alt_id] if known is not None and known.alt_id else [])]
    cleared: dict[str, int] = {}
    for feature in (store.meetings, store.calendar, store.timebox):
        for thing, n in (await feature.forget(platform, ids)).items():
            cleared[thing] = cleared.get(thing, 0) + n
    snoozes = await store.timeoff.forget(platform, user_id)
    report = await pulse.forget(platform, user_id)
    return replace(report, deleted_messages=min(deleted, len(report.journal_messages)), snoozes=snoozes, home=home,
                   cleared=(*report.cleared, *((thing, n) for thing, n in cleared.items() if n)))


async def forget_everywhere(store: Store, directory: Any, user_id: str,
                            platform: Platform | None = None) -> list[ForgetReport]:
    """`steadybot forget <user_id>`: `forget_person` for that platform user id, on every platform unless
    `platform` is given, and for Teams also for the people whose alternative id (Azure AD object id) it is."""
    return [await forget_person(store, directory, p, uid) for p, uid in await store.pulse.people_named(user_id, platform)]


def forget_summary(r: ForgetReport, *, you: bool = False) -> str:
    """What was deleted, what was cleared and what was not deleted, in one line (about "them", or addressed
    to the person)."""
    them, their = ("you", "your") if you else ("them", "their")
    done = [plural(r.journal_entries, "journal entry", "journal entries"),
            plural(r.participation, "participation record"),
            plural(r.messages, "outbox message") + f" queued or sent to {them}",
            f"{their} name, timezone and direct-message line" if r.identity else "no stored name (none was kept)"]
    if r.preferences and not r.kept_optout:
        done.append(f"{their} pulse preferences")
    if r.snoozes:
        done.append(plural(r.snoozes, "snooze"))
    if r.installations:
        done.append(f"the Slack installation record kept under {their} user id (the workspace's own stays)")
    if r.authored:
        done.append(f"{their} name as author on {plural(r.authored, 'pulse schedule or channel setting', 'pulse schedules and channel settings')}")
    shown = len(r.journal_messages)
    if shown:
        done.append(f"{r.deleted_messages} of {plural(shown, 'journal message')} in {their} chat")
    text = "deleted " + ", ".join(done) + "."
    if r.cleared:
        things = ", ".join(plural(n, thing, _PLURALS.get(thing)) for thing, n in r.cleared)
        text += (f" Cleared {their} name and id from {things}: they stay for the team, naming no one "
                 f"(the channel's owners and admins manage them now).")
    if r.digests:
        text += (f" Switched off the weekly digest {them} received for {plural(r.digests, 'channel')} "
                 f"(a channel owner can switch it on again for themselves).")
    if r.home:
        text += f" Cleared {their} Slack App Home: it now shows only that {their} data was deleted."
    kept = []
    if r.home is False:
        kept.append(f"the journal shown in {their} Slack App Home (Slack refused the new view; it goes when "
                    f"{them} next open it)")
    if r.kept_optout:
        kept.append(f"one row saying {them} opted out (so no pulse DM reaches {them}; `/pulse optin` removes it)")
    if shown > r.deleted_messages:
        kept.append(f"{shown - r.deleted_messages} journal message(s) the platform would not let me delete")
    kept.append("journal listings shown before this version of the bot in a direct message, which were not "
                "recorded (delete them in the chat)")
    kept.append("messages the bot already posted in channels (they stay in the platform's history)")
    return text + " Not deleted: " + "; ".join(kept) + "."
