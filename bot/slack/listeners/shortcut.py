"""The message shortcut “What do we drop?” (callback id `tradeoff_message`, declared in manifest.yml): the
trade-off prompt in that message's thread, quoting it (handlers/reports/shortcut.py). Payload fields as in
Slack's reference (api.slack.com/reference/interaction-payloads/shortcuts, type `message_action`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import payloads
from bot.slack.deps import SlackDeps
from bot.slack.listeners.ack_first import ack_first
from bot.slack.replier import SlackReplier
from handlers.core.types import Interaction, MessageRef, Platform
from handlers.reports.shortcut import ACTION

CALLBACK_ID = "tradeoff_message"


def interaction_of(body: dict[str, Any]) -> Interaction:
    message = payloads.d(body.get("message"))
    channel = payloads.d(body.get("channel"))
    user = payloads.d(body.get("user"))
    ts = payloads.s(message.get("ts")) or payloads.s(body.get("message_ts"))
    if not ts:
        raise payloads.BadPayload("no message")
    root = payloads.s(message.get("thread_ts")) or ts
    team = (payloads.s(payloads.d(body.get("team")).get("id")) or payloads.s(user.get("team_id")))
    where = payloads._place(payloads.s(channel.get("id")), team, root, payloads.s(channel.get("name"), 200))
    return Interaction(ACTION, payloads.s(message.get("text"), 8000),
                       payloads.person(payloads.s(user.get("id")), payloads.s(user.get("name"), 200)),
                       where, payloads.s(body.get("trigger_id")) or f"{payloads.s(body.get('action_ts'))}:shortcut",
                       None, MessageRef(Platform.SLACK, where.channel_id, ts))


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond,
                          client: AsyncWebClient) -> None:
        await ack()
        async with deps.work():
            try:
                interaction = interaction_of(body)
            except payloads.BadPayload:
                return
            if not await deps.first_time(f"slack:shortcut:{interaction.request_id}"):
                return
            await deps.remember(interaction.who, interaction.where.team_id)
            replier = SlackReplier(client, interaction.who.id, interaction.where, respond=respond, seal=deps.seal)
            await replier.send(await deps.core.run_action(interaction))

    app.shortcut(CALLBACK_ID, middleware=[ack_first])(on_shortcut)
