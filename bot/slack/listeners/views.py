"""Modal submissions: the modal closes at once (ack), then the core records the form."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sealing import invalid_reply
from bot.slack import payloads, render
from bot.slack.deps import SlackDeps
from bot.slack.listeners.ack_first import ack_first
from bot.slack.replier import SlackReplier
from handlers.core.types import Interaction, MessageRef, Place, Platform


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        async with deps.work():
            await _run(body, client)

    async def _run(body: dict[str, Any], client: AsyncWebClient) -> None:
        view = payloads.d(body.get("view"))
        try:
            who = payloads.person(payloads.s(payloads.d(body.get("user")).get("id")))
        except payloads.BadPayload:
            return
        if deps.seal is not None:  # where the form came from and what it is about: sealed for this person
            opened = deps.seal.open_metadata(payloads.s(view.get("private_metadata"), 3000), Platform.SLACK, who.id)
            if opened is None:
                direct = Place(Platform.SLACK, who.id, payloads.s(payloads.d(body.get("team")).get("id")), None, True)
                await SlackReplier(client, who.id, direct).send(invalid_reply())
                return
            meta = opened
        else:
            try:
                meta = payloads.view_metadata(view)
            except payloads.BadPayload:
                return
        channel = payloads.s(meta.get("ch"))
        if not channel or not payloads.s(meta.get("f")):
            return
        if not await deps.first_time(f"slack:view:{payloads.s(view.get('id'))}"):
            return
        where = Place(Platform.SLACK, channel, payloads.s(meta.get("tm")), payloads.s(meta.get("th")) or None,
                      channel.startswith("D"))
        origin = None
        msg = meta.get("msg")
        if isinstance(msg, list) and len(msg) == 2 and all(isinstance(x, str) for x in msg):
            origin = MessageRef(Platform.SLACK, msg[0], msg[1])
        state = payloads.d(payloads.d(view.get("state")).get("values"))
        interaction = Interaction(
            action=payloads.s(meta.get("f")),
            value=payloads.s(meta.get("c"), 2000),
            who=who,
            where=where,
            request_id=payloads.s(view.get("id")),
            form_values=render.read_state(state),
            message=origin,
        )
        replies = await deps.core.submit_form(interaction)
        await SlackReplier(client, who.id, where, origin=origin, seal=deps.seal).send(replies)

    app.view(re.compile(r"^form:"), middleware=[ack_first])(on_submit)
