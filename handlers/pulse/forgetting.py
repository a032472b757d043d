"""Forgetting a person (`/pulse optout --forget`, `steadybot forget <user>`): every row that names them goes,
the messages in their chat that show their journal are deleted where the platform lets the bot, and the
answer says exactly what was and was not deleted."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from handlers.core.types import Platform
from handlers.pulse.model import ForgetReport


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


async def forget_person(store: Any, directory: Any, platform: Platform, user_id: str) -> ForgetReport:
    """`store.forget`, then delete the journal messages it returned through `directory.delete_message`
    (adapters that can: Slack chat.delete, Bot Framework delete activity)."""
    delete = getattr(directory, "delete_message", None)
    deleted = 0
    if delete is not None:  # first, while the person's conversation reference is still stored
        for ref in await store.journal_messages(platform, user_id):
            if await delete(ref, user_id):
                deleted += 1
    report: ForgetReport = await store.forget(platform, user_id)
    return replace(report, deleted_messages=min(deleted, len(report.journal_messages)))


def forget_summary(r: ForgetReport, *, you: bool = False) -> str:
    """What was deleted and what was not, in one line (about "them", or addressed to the person)."""
    them, their = ("you", "your") if you else ("them", "their")
    done = [plural(r.journal_entries, "journal entry", "journal entries"),
            plural(r.participation, "participation record"),
            plural(r.messages, "outbox message") + f" queued or sent to {them}",
            f"{their} name, timezone and direct-message line" if r.identity else "no stored name (none was kept)"]
    if r.preferences and not r.kept_optout:
        done.append(f"{their} pulse preferences")
    if r.authored:
        done.append(f"{their} name as author on {plural(r.authored, 'pulse schedule or channel setting', 'pulse schedules and channel settings')}")
    shown = len(r.journal_messages)
    if shown:
        done.append(f"{r.deleted_messages} of {plural(shown, 'journal message')} in {their} chat")
    kept = []
    if r.kept_optout:
        kept.append(f"one row saying {them} opted out (so no pulse DM reaches {them}; `/pulse optin` removes it)")
    if shown > r.deleted_messages:
        kept.append(f"{shown - r.deleted_messages} journal message(s) the platform would not let me delete")
    kept.append("journal listings shown before this version of the bot in a direct message, which were not "
                "recorded (delete them in the chat)")
    kept.append(f"meetings, agenda items, pre-read questions and answers, and timers that name {them} as "
                "organiser or author (they belong to the team's meetings)")
    return "deleted " + ", ".join(done) + ". Not deleted: " + "; ".join(kept) + "."
