"""Slash commands: ack first, then run the core command and answer."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import payloads
from bot.slack.deps import SlackDeps
from bot.slack.listeners.ack_first import ack_first
from bot.slack.replier import SlackReplier
from handlers.core.types import Command


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        async with deps.work():
            await _run(body, respond, client)

    async def _run(body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        try:
            cmd = payloads.command(body)
        except payloads.BadPayload:
            await respond(text="I couldn't read that command. Try `/steadybot help`.", response_type="ephemeral")
            return
        if not await deps.first_time(f"slack:cmd:{cmd.request_id}"):
            return
        await deps.remember(cmd.who, cmd.where.team_id)
        cmd = Command(cmd.name, cmd.text, cmd.who, cmd.where, cmd.request_id, deps.clock.now())
        replies = await deps.core.run_command(cmd)
        replier = SlackReplier(client, cmd.who.id, cmd.where, respond=respond, trigger_id=cmd.request_id,
                               seal=deps.seal)
        await replier.send(replies)

    app.command(re.compile(r"^/[\w.-]{1,40}$"), middleware=[ack_first])(on_command)
