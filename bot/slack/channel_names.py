"""The channel's real name on a Slack request that came without one.

A slash command carries `channel_name`, but for a private channel Slack sends the placeholder
`privategroup`, for a DM `directmessage` (seen in the wild: slack-ruby-client issue 227, discourse-chat-
integration PR 20), and for a group DM its internal `mpdm-ana--ben-1`; the payload parser drops those
(bot/slack/payloads.py `channel_name`). Events (@mentions) carry no name at all. This step, run by the
pipeline after the acknowledgement (`Pipeline.prepare`), asks the directory, whose conversations.info answer
is the one the owner check uses too (one call per channel, cached): a group DM stays unnamed, so the bot
says "your team" / "this channel" instead of `#mpdm-…`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Protocol

import aiohttp

from bot.inbound import Inbound, Typed
from bot.slack.mentions import LOOKUP_BUDGET
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Command, Place

log = logging.getLogger("steadybot.slack")


class Channels(Protocol):
    async def channel_name(self, place: Place) -> str: ...


class ChannelNames:
    """`Pipeline.prepare` for Slack: a command or typed line in a channel, without the channel's name, gets it."""

    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    async def __call__(self, inbound: Inbound) -> Inbound:
        request = inbound.request
        if not isinstance(request, Command | Typed) or request.where.name or request.where.is_direct:
            return inbound
        try:  # the name is a courtesy: never a reason to leave the request unanswered, or slow
            async with asyncio.timeout(LOOKUP_BUDGET):
                name = await self.channels.channel_name(request.where)
        except (TimeoutError, StorageUnavailable, OSError, aiohttp.ClientError) as exc:
            log.info("channel name not read: %s", type(exc).__name__)
            return inbound
        if not name:
            return inbound
        return replace(inbound, request=replace(request, where=replace(request.where, name=name)))
