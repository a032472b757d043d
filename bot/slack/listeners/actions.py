"""Button presses (block_actions): form launch buttons open a modal; everything else goes to the core."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.sealing import invalid_reply
from bot.slack import payloads, render
from bot.slack.deps import SlackDeps
from bot.slack.listeners.ack_first import ack_first
from bot.slack.replier import SlackReplier
from handlers.core.types import Form, Interaction


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_action(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        async with deps.work():
            await _run(body, respond, client)

    async def _run(body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        try:
            interaction, trigger_id = payloads.block_action(body)
        except payloads.BadPayload:
            return
        if not await deps.first_time(f"slack:action:{interaction.request_id}"):
            return
        await deps.remember(interaction.who, interaction.where.team_id)
        container = payloads.d(body.get("container"))
        replier = SlackReplier(client, interaction.who.id, interaction.where, respond=respond,
                               trigger_id=trigger_id, origin=interaction.message,
                               origin_is_ephemeral=bool(container.get("is_ephemeral")), seal=deps.seal)
        if deps.seal is not None:  # only values the bot sealed for this place reach the core (bot/sealing.py)
            value = deps.seal.open(interaction.value, interaction.action, interaction.where, interaction.who)
            if value is None:
                await replier.send(invalid_reply())
                return
            interaction = replace(interaction, value=value)
        if interaction.action == render.FORM_OPEN:
            await _open_form(interaction, replier, deps)
            return
        await replier.send(await deps.core.run_action(interaction))

    app.action(re.compile(r".+"), middleware=[ack_first])(on_action)


async def _open_form(interaction: Interaction, replier: SlackReplier, deps: SlackDeps) -> None:
    try:
        launch = json.loads(interaction.value)
        form_id, context = str(launch["f"]), str(launch.get("c", ""))
    except (ValueError, KeyError, TypeError):
        await replier.send(invalid_reply())
        return
    opened = await deps.core.open_form(
        Interaction(form_id, context, interaction.who, interaction.where, interaction.request_id,
                    None, interaction.message)
    )
    if isinstance(opened, Form):
        await replier.open_form(opened)
    else:
        await replier.send(opened)
