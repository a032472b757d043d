"""Forgetting a person in rows of the core and of the Slack adapter that `PulseRepo.forget` reaches:

- the outbox's messages to others: a message the bot queued or sent to a channel can name the person in its
  text ("… is cancelled by Ana"). Such a row is not addressed to them (those are deleted whole), so their
  name and id are replaced in it by "someone": the row keeps what delivery and its record need, and names
  nobody. A name counts only as a whole word ("Al" leaves "Also" alone). Only rows of the person's own
  platform and workspace (or tenant) are looked at, and only the words people read are rewritten (text,
  facts, button and form labels): never a button's action, value or style, the visibility, or a form's id
  or context, which the bot reads back;
- what the team typed that names them: a meeting titled "1:1 with Ana", an agenda item "<@U42> demos the
  login", a pre-read question or answer, a trade-off prompt's request and the commitments and parking-lot
  items made of it. These stay for the team with the person's name and id replaced by "someone", the same
  way (`redact_typed`);
- Slack installations: the row kept under the installer's user id (their own user token, if the app asked
  for one) is deleted; the workspace's own row (user id "") stays, so the bot keeps working there."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, column, delete, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement, TableClause

from handlers.core.jsoncodec import dumps
from handlers.core.types import Platform
from storage.db import rowcount
from storage.models.core import ChannelSettingsRow, OutboxRow
from storage.models.installations import SlackInstallationRow

SOMEONE = "someone"


def _json_forms(word: str) -> set[str]:
    """How a JSON column's text may hold `word`: as is; escaped as the standard library writes it (rows written
    before handlers/core/jsoncodec.py: non-ASCII as \\u escapes); and as the codec and PostgreSQL's JSONB write
    it (non-ASCII as is, quotes, backslashes and control characters escaped)."""
    return {word, json.dumps(word)[1:-1], dumps(word)[1:-1]}


def _pattern(needles: Sequence[str]) -> re.Pattern[str]:
    words = sorted({n for n in needles if n}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))


def _words(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` with the needles replaced in its strings (lists and pairs of strings too)."""
    if isinstance(value, str):
        return pattern.sub(SOMEONE, value)
    if isinstance(value, list):
        return [_words(v, pattern) for v in value]
    return value


#: What people read in a serialized reply (handlers/core/serialize.py); everything else is the bot's own data.
_READ = {"text", "notify_text", "facts"}
_READ_BUTTON = {"label", "confirm"}
_READ_FORM = {"title", "intro", "submit_label", "launch_label"}
_READ_FIELD = {"label", "placeholder", "initial"}


def _redact(payload: dict[str, Any], pattern: re.Pattern[str]) -> dict[str, Any]:
    """The serialized reply with the needles replaced in the words people read, and nowhere else."""
    out = {k: (_words(v, pattern) if k in _READ else v) for k, v in payload.items()}
    if isinstance(payload.get("buttons"), list):
        out["buttons"] = [{k: (_words(v, pattern) if k in _READ_BUTTON else v) for k, v in b.items()}
                          if isinstance(b, dict) else b for b in payload["buttons"]]
    form = payload.get("form")
    if isinstance(form, dict):
        new_form = {k: (_words(v, pattern) if k in _READ_FORM else v) for k, v in form.items()}
        if isinstance(form.get("fields"), list):
            new_form["fields"] = [_field(f, pattern) for f in form["fields"]]
        out["form"] = new_form
    return out


def _field(field: Any, pattern: re.Pattern[str]) -> Any:
    if not isinstance(field, dict):
        return field
    out = {k: (_words(v, pattern) if k in _READ_FIELD else v) for k, v in field.items()}
    if isinstance(field.get("choices"), list):  # [value, label] pairs: only the label is read
        out["choices"] = [[c[0], _words(c[1], pattern)] if isinstance(c, list) and len(c) == 2 else c
                          for c in field["choices"]]
    return out


async def redact_mentions(s: AsyncSession, platform: Platform, team_id: str, needles: Sequence[str]) -> int:
    """Replace `needles` (a person's id and display name) by "someone" in the words people read of every
    outbox message of that platform and workspace (`team_id`; "" when unknown: the platform's rows), in the
    session's transaction; returns how many rows changed. The rows are found in SQL (as the payload's text
    holds a needle in any of the forms JSON text holds it in, `_json_forms`), then rewritten field by field."""
    words = [n for n in dict.fromkeys(needles) if n and n.strip()]
    if not words:
        return 0
    text = cast(OutboxRow.payload, Text)
    forms = {form for w in words for form in _json_forms(w)}
    rows = (await s.execute(select(OutboxRow.id, OutboxRow.target, OutboxRow.payload).where(
        OutboxRow.platform == platform.value, OutboxRow.payload.is_not(None),
        or_(*(text.contains(f, autoescape=True) for f in sorted(forms)))))).all()
    pattern = _pattern(words)
    changed = 0
    for row_id, target, payload in rows:
        row_team = str((target or {}).get("team_id") or "") if isinstance(target, dict) else ""
        if team_id and row_team and row_team != team_id:
            continue  # another workspace's (tenant's) message: its "Ana" is somebody else
        if not isinstance(payload, dict):
            continue
        redacted = _redact(payload, pattern)
        if redacted != payload:
            await s.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(payload=redacted))
            changed += 1
    return changed


async def stop_digests_to(s: AsyncSession, platform: Platform, user_id: str) -> int:
    """Switch off the weekly digests that went to this person (handlers/reports/digest.py keeps its recipient
    in the channel settings' `extra`): their id leaves the settings, and a digest nobody receives is off.
    Their queued digest DMs are outbox rows addressed to them, deleted with the others."""
    if not user_id:
        return 0
    rows = (await s.execute(select(ChannelSettingsRow).where(  # their id in any form JSON text holds it
        ChannelSettingsRow.platform == platform.value,
        or_(*(cast(ChannelSettingsRow.extra, Text).contains(form, autoescape=True)
              for form in sorted(_json_forms(user_id))))))).scalars().all()
    stopped = 0
    for row in rows:
        extra = dict(row.extra or {})
        if extra.get("digest_to") != user_id:
            continue
        for key in ("digest_to", "digest_tz", "digest_gen"):
            extra.pop(key, None)
        extra["digest"] = False
        row.extra = extra
        stopped += 1
    return stopped


async def delete_installer_rows(s: AsyncSession, platform: Platform, user_id: str) -> int:
    """The Slack installation rows kept under this installer's user id (never the workspace's own, "")."""
    if platform != Platform.SLACK or not user_id:
        return 0
    return rowcount(await s.execute(delete(SlackInstallationRow).where(SlackInstallationRow.user_id == user_id)))


_MEETINGS = table("meetings", column("id"), column("platform"), column("team_id"), column("title"))
_SERIES = table("meeting_series", column("id"), column("platform"), column("team_id"), column("title"))
_AGENDA = table("agenda_items", column("id"), column("meeting_id"), column("text"))
_QUESTIONS = table("preread_questions", column("id"), column("meeting_id"), column("text"))
_ANSWERS = table("preread_answers", column("id"), column("question_id"), column("text"))
_PROMPTS = table("scope_prompts", column("id"), column("platform"), column("team_id"), column("request"),
                 column("quote"), column("added"), column("dropped"), column("meeting_title"))
_ITEMS = table("scope_items", column("id"), column("platform"), column("text"), column("meeting_title"))
#: The tables `redact_typed` rewrites (PostgreSQL vacuums them after a forget).
TYPED_TABLES = ("meetings", "meeting_series", "agenda_items", "preread_questions", "preread_answers",
                "scope_prompts", "scope_items")


def _typed(platform: Platform, team_id: str) -> list[tuple[TableClause, tuple[str, ...], list[ColumnElement[bool]]]]:
    """Each table of typed team text, its text columns, and which of its rows belong to the platform (and the
    workspace or tenant, where the row says)."""
    def team(t: TableClause) -> list[ColumnElement[bool]]:
        return [t.c.platform == platform.value, *([or_(t.c.team_id == team_id, t.c.team_id == "")] if team_id else [])]

    meetings = select(_MEETINGS.c.id).where(*team(_MEETINGS))
    questions = select(_QUESTIONS.c.id).where(_QUESTIONS.c.meeting_id.in_(meetings))
    return [(_MEETINGS, ("title",), team(_MEETINGS)), (_SERIES, ("title",), team(_SERIES)),
            (_AGENDA, ("text",), [_AGENDA.c.meeting_id.in_(meetings)]),
            (_QUESTIONS, ("text",), [_QUESTIONS.c.meeting_id.in_(meetings)]),
            (_ANSWERS, ("text",), [_ANSWERS.c.question_id.in_(questions)]),
            (_PROMPTS, ("request", "quote", "added", "dropped", "meeting_title"), team(_PROMPTS)),
            (_ITEMS, ("text", "meeting_title"), [_ITEMS.c.platform == platform.value])]


async def redact_typed(s: AsyncSession, platform: Platform, team_id: str, needles: Sequence[str]) -> int:
    """Replace `needles` (a person's id and display name, as whole words) by "someone" in the text the team
    typed that stays after they are forgotten (`TYPED_TABLES`), in the session's transaction; returns how many
    rows changed. Rows are found in SQL (a column containing a needle), then rewritten here."""
    words = [n for n in dict.fromkeys(needles) if n and n.strip()]
    if not words:
        return 0
    pattern = _pattern(words)
    changed = 0
    for t, names, belongs in _typed(platform, team_id):
        cols = [t.c[name] for name in names]
        found = (await s.execute(select(t.c.id, *cols).where(
            *belongs, or_(*(c.contains(w, autoescape=True) for c in cols for w in words))))).all()
        for row in found:
            values = {name: pattern.sub(SOMEONE, value) for name, value in zip(names, row[1:], strict=True)
                      if isinstance(value, str) and pattern.search(value)}
            if values:
                await s.execute(update(t).where(t.c.id == row[0]).values(**values))
                changed += 1
    return changed
