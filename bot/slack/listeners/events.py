"""Events: channel messages go to the watchers (scope creep); mentions and DMs are typed commands."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import payloads
from bot.slack.deps import SlackDeps
from bot.slack.replier import SlackReplier
from handlers.core.types import Person, Place, Platform


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient,
                         context: AsyncBoltContext) -> None:
        async with deps.work():
            await _on_message(event, body, client, context)

    async def _on_message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient,
                          context: AsyncBoltContext) -> None:
        event_id = payloads.s(body.get("event_id"))
        team_id = payloads.s(body.get("team_id"))
        try:
            message = payloads.message_event(event, team_id, event_id)
        except payloads.BadPayload:
            return
        if message is None or message.who.id == (context.bot_user_id or ""):
            return
        if not await deps.first_time(f"slack:event:{event_id}"):
            return
        if message.where.is_direct or payloads.s(event.get("channel_type")) == "im":
            if not message.is_edit:
                await _typed(message.text, message.who, message.where, event_id, client, deps)
            return
        if context.bot_user_id and f"<@{context.bot_user_id}>" in message.text:
            return  # a command to the bot: app_mention handles it
        replies = await deps.core.on_message(message)
        if replies:
            where = message.where.in_thread(message.where.thread_id or message.message_id)
            await SlackReplier(client, message.who.id, where, seal=deps.seal).send(replies)

    async def on_mention(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        async with deps.work():
            await _on_mention(event, body, client)

    async def _on_mention(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        event_id = payloads.s(body.get("event_id"))
        user_id = payloads.s(event.get("user"))
        channel = payloads.s(event.get("channel"))
        if not user_id or not channel or event.get("bot_id") or user_id in payloads.SYSTEM_USERS:
            return
        if not await deps.first_time(f"slack:event:{event_id}"):
            return
        thread = payloads.s(event.get("thread_ts")) or None
        where = Place(Platform.SLACK, channel, payloads.s(body.get("team_id")), thread, channel.startswith("D"))
        await _typed(payloads.s(event.get("text"), 4000), payloads.person(user_id), where, event_id, client, deps)

    async def ignore(ack: Any = None) -> None:
        return None

    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    app.event("member_joined_channel")(ignore)


async def _typed(text: str, who: Person, where: Place, request_id: str, client: AsyncWebClient,
                 deps: SlackDeps) -> None:
    await deps.remember(who, where.team_id)
    replies = await deps.core.run_typed(text, who, where, request_id)
    if replies is None:
        replies = deps.core.unknown_typed(text)
    await SlackReplier(client, who.id, where, seal=deps.seal).send(replies)
