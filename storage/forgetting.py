"""Forgetting a person in rows of the core and of the Slack adapter that `PulseRepo.forget` reaches:

- the outbox's messages to others: a message the bot queued or sent to a channel can name the person in its
  text ("… is cancelled by Ana"). Such a row is not addressed to them (those are deleted whole), so their
  name and id are replaced in it by "someone": the row keeps what delivery and its record need, and names
  nobody. A name counts only as a whole word ("Al" leaves "Also" alone);
- Slack installations: the row kept under the installer's user id (their own user token, if the app asked
  for one) is deleted; the workspace's own row (user id "") stays, so the bot keeps working there."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.types import Platform
from storage.db import rowcount
from storage.models.core import OutboxRow
from storage.models.installations import SlackInstallationRow

SOMEONE = "someone"


def _pattern(needles: Sequence[str]) -> re.Pattern[str]:
    words = sorted({n for n in needles if n}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(SOMEONE, value)
    if isinstance(value, list):
        return [_redact(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v, pattern) for k, v in value.items()}
    return value


async def redact_mentions(s: AsyncSession, needles: Sequence[str]) -> int:
    """Replace `needles` (a person's id and display name) by "someone" in every outbox message text, in the
    session's transaction; returns how many rows changed. The rows are found in SQL (as the payload's text
    holds a needle, as is or JSON-escaped), then rewritten value by value."""
    words = [n for n in dict.fromkeys(needles) if n and n.strip()]
    if not words:
        return 0
    text = cast(OutboxRow.payload, Text)
    forms = {form for w in words for form in (w, json.dumps(w)[1:-1])}
    rows = (await s.execute(select(OutboxRow.id, OutboxRow.payload).where(
        OutboxRow.payload.is_not(None), or_(*(text.contains(f, autoescape=True) for f in sorted(forms)))))).all()
    pattern = _pattern(words)
    changed = 0
    for row_id, payload in rows:
        redacted = _redact(payload, pattern)
        if redacted != payload:
            await s.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(payload=redacted))
            changed += 1
    return changed


async def delete_installer_rows(s: AsyncSession, platform: Platform, user_id: str) -> int:
    """The Slack installation rows kept under this installer's user id (never the workspace's own, "")."""
    if platform != Platform.SLACK or not user_id:
        return 0
    return rowcount(await s.execute(delete(SlackInstallationRow).where(SlackInstallationRow.user_id == user_id)))
