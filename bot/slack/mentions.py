"""People mentioned in what someone typed in Slack, as their names: `ask <@U3> to review` → `ask @Chloé to
review`.

The Slack adapter decodes Slack's markup on the way in (bot/slack/markup.py) and keeps a bare `<@U…>`
mention as that token; this step, run by the pipeline after the acknowledgement (`Pipeline.prepare`),
replaces each with `@` and the person's name as Slack gives it to the request's workspace (users.info,
cached; `@someone` when Slack does not answer in time, refuses or does not know them there). The core so
never sees Slack ids in text, and the bot never echoes a live mention: what it posts is escaped
(bot/slack/render.py), so a name stays a name, and a meeting titled with someone in it does not ping them at
every reminder.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from typing import Protocol

import aiohttp

from bot.inbound import Inbound, Typed
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Command, Interaction

#: A person's mention as bot/slack/markup.py keeps it.
TOKEN = re.compile(r"<@([UW][A-Z0-9]{1,20})>")
MAX_LOOKUPS = 10  # distinct people looked up for one request; any more read "@someone"
UNKNOWN = "someone"
LOOKUP_BUDGET = 0.5  # seconds for every name of one request together
log = logging.getLogger("steadybot.slack")


class People(Protocol):
    async def mentioned_name(self, user_id: str) -> str: ...


class MentionNames:
    """`Pipeline.prepare` for Slack: mention tokens in a command's or typed line's text, and in the message a
    shortcut quotes, as `@name`. The names are a courtesy, never a reason to leave a request unanswered or
    slow: every lookup together gets LOOKUP_BUDGET seconds, and a person Slack does not name in time (or at
    all: down, refused, unknown in this workspace) reads `@someone`."""

    def __init__(self, people: People) -> None:
        self.people = people

    async def __call__(self, inbound: Inbound) -> Inbound:
        request = inbound.request
        if isinstance(request, Command | Typed) and "<@" in request.text:
            return replace(inbound, request=replace(request, text=await self.names(request.text)))
        if (isinstance(request, Interaction) and not inbound.sealed and request.form_values is None
                and "<@" in request.value):  # a message shortcut's quoted text (bot/slack/payloads.py)
            return replace(inbound, request=replace(request, value=await self.names(request.value)))
        return inbound

    async def names(self, text: str) -> str:
        ids = list(dict.fromkeys(TOKEN.findall(text)))[:MAX_LOOKUPS]
        found: dict[str, str] = {}

        async def one(user_id: str) -> None:
            found[user_id] = await self._name(user_id)

        lookups = [asyncio.ensure_future(one(user_id)) for user_id in ids]  # at once: one budget for all
        if lookups:
            try:
                await asyncio.wait(lookups, timeout=LOOKUP_BUDGET)
            finally:  # the budget ran out, or the request itself was cancelled (a stop): none is left running
                late = {task for task in lookups if not task.done()}
                for task in late:
                    task.cancel()
                if late:
                    await asyncio.wait(late)  # cancelled: their slots of the directory's gate are given back
            if late:
                log.info("names of %d people mentioned: Slack did not answer within %ss, read as @%s", len(late),
                         LOOKUP_BUDGET, UNKNOWN)
        return TOKEN.sub(lambda m: f"@{found.get(m.group(1)) or UNKNOWN}", text)

    async def _name(self, user_id: str) -> str:
        try:
            return await self.people.mentioned_name(user_id)
        except (StorageUnavailable, OSError, aiohttp.ClientError) as exc:  # a name is a courtesy
            log.info("name of a person mentioned not read: %s", type(exc).__name__)
            return ""
        except Exception as exc:  # noqa: BLE001 - a courtesy; the request is answered without it
            log.warning("name of a person mentioned not read: %s", type(exc).__name__)
            return ""
