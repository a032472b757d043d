"""The Teams activity handler: typed commands, card submissions, channel chat for the watchers, and
conversation references kept for proactive messages."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ChannelAccount
from botbuilder.schema.teams import MessagingExtensionAction, MessagingExtensionActionResponse, TeamInfo

from bot.sealing import ActionSeal, invalid_reply
from bot.teams import meetings, message_action, msrest_speedup, payloads
from bot.teams.direct import TeamsLines, reference_dict, seed_from
from bot.teams.replier import TeamsReplier
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.types import ChatMessage, Person, Place, Platform
from handlers.meetings import calendar_live as live
from storage.store import Store

log = logging.getLogger("steadybot.teams")


class SteadyTeamsBot(TeamsActivityHandler):
    def __init__(self, core: Core, store: Store, lines: TeamsLines, seal: ActionSeal | None = None) -> None:
        super().__init__()
        self.seal = seal
        msrest_speedup.apply()  # botbuilder's retry-list CPU cost, once per process (see the module)
        self.core = core
        self.store = store
        self.lines = lines
        # People whose 1:1 line is known: True once it is real, False while it is a seed. A line only ever
        # moves up (nothing → seed → real), so most activities skip reading it again (a transaction less).
        self._lines: dict[str, bool] = {}

    async def _first_time(self, activity_id: str | None) -> bool:
        if not activity_id:
            return True
        try:
            return await self.store.inbound.first_time(f"teams:activity:{activity_id}")
        except StorageUnavailable:
            return True

    async def _remember(self, context: TurnContext, who: Person | None, where: Place) -> None:
        """Keep the conversation reference (to post here later) and a 1:1 seed for the person."""
        try:
            reference = reference_dict(context)
            if not where.is_direct:
                channel_ref = dict(reference)
                channel_ref["conversation"] = {**(reference.get("conversation") or {}), "id": where.channel_id}
                if tenant := payloads.tenant_id(context.activity):  # botbuilder's reference drops Teams' tenantId
                    channel_ref["conversation"]["tenantId"] = tenant  # (Graph tokens, 1:1 seeds need it)
                await self.store.conversations.remember(where, channel_ref)
            if who is not None:
                await self.store.identities.remember(who, payloads.tenant_id(context.activity))
                known = self._lines.get(who.id)
                if known or (known is not None and not where.is_direct):
                    return
                line = await self.store.identities.direct_line(Platform.TEAMS, who.id)
                if where.is_direct:
                    if not line or not line.dm_reference or line.dm_reference.get("seed"):
                        await self.store.identities.set_direct_line(Platform.TEAMS, who.id, dm_reference=reference,
                                                                    dm_channel=where.channel_id)
                    self._known(who.id, real=True)
                elif not line or not line.dm_reference:
                    await self.store.identities.set_direct_line(Platform.TEAMS, who.id,
                                                                dm_reference=seed_from(reference))
                    self._known(who.id, real=False)
                else:
                    self._known(who.id, real=not line.dm_reference.get("seed"))
        except StorageUnavailable:
            log.debug("could not store a conversation reference: database unavailable")

    def _known(self, user_id: str, *, real: bool) -> None:
        if len(self._lines) > 50_000:
            self._lines.clear()
        self._lines[user_id] = real or self._lines.get(user_id, False)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        who = payloads.person(activity)
        where = payloads.place(activity)
        if who is None or where is None:
            return
        if not await self._first_time(activity.id):
            return
        await self._remember(turn_context, who, where)
        replier = TeamsReplier(turn_context, who, where, self.lines, self.seal)
        interaction = payloads.interaction(activity, who, where)
        if interaction is not None:
            if self.seal is not None:  # only card data the bot sealed for this place reaches the core
                value = self.seal.open(interaction.value, interaction.action, where, who)
                if value is None:
                    await replier.send(invalid_reply())
                    return
                interaction = replace(interaction, value=value)
            if interaction.form_values is not None:
                await replier.send(await self.core.submit_form(interaction))
            else:
                await replier.send(await self.core.run_action(interaction))
            return
        raw = activity.text if isinstance(activity.text, str) else ""
        mentioned = self._mentions_bot(activity)
        text = raw  # the core strips <at>…</at> mention markup itself
        if where.is_direct or mentioned:
            replies = await self.core.run_typed(text, who, where, activity.id or "")
            if replies is None:
                replies = self.core.unknown_typed(text)
            await replier.send(replies)
            return
        # Channel chat the bot may read (resource-specific consent): the watchers decide.
        message = ChatMessage(who, where, text, activity.id or "", activity.id or "", False)
        replies = await self.core.on_message(message)
        if replies:
            await replier.send(replies)

    @staticmethod
    def _mentions_bot(activity: Activity) -> bool:
        """Whether the bot is @mentioned (read defensively: botbuilder's helpers raise on odd entities)."""
        recipient = getattr(activity.recipient, "id", None)
        for entity in activity.entities or []:
            if not isinstance(getattr(entity, "type", None), str) or entity.type.lower() != "mention":
                continue
            props = getattr(entity, "additional_properties", None)
            mentioned = props.get("mentioned") if isinstance(props, dict) else None
            if isinstance(mentioned, dict) and recipient and mentioned.get("id") == recipient:
                return True
        return False

    async def on_teams_members_added(self, teams_members_added: list[ChannelAccount], team_info: TeamInfo,
                                     turn_context: TurnContext) -> None:
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._remember(turn_context, None, where)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._remember(turn_context, payloads.person(turn_context.activity), where)

    async def on_teams_messaging_extension_submit_action(
            self, turn_context: TurnContext, action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        """“What do we drop?” on a message (bot/teams/message_action.py)."""
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._remember(turn_context, payloads.person(turn_context.activity), where)
        return await message_action.submit_action(turn_context, action, self.core, self.lines, self.seal)

    # ---- live meetings (meetingStart / meetingEnd in a meeting chat) -------------------------------------
    async def on_teams_meeting_start_event(self, meeting: Any, turn_context: TurnContext) -> None:
        await self._meeting_event(meeting, turn_context, started=True)

    async def on_teams_meeting_end_event(self, meeting: Any, turn_context: TurnContext) -> None:
        await self._meeting_event(meeting, turn_context, started=False)

    async def _meeting_event(self, value: Any, turn_context: TurnContext, *, started: bool) -> None:
        activity = turn_context.activity
        who = payloads.person(activity)
        where = payloads.place(activity)
        if where is None or where.is_direct or not await self._first_time(activity.id):
            return
        await self._remember(turn_context, who, where)  # the meeting chat, for the timer's warnings
        svc = self.core.services
        event = meetings.signal(value, svc.clock.now(), started=started)
        try:
            if started:
                first, last = await meetings.scheduled(turn_context, event.external_id)
                event = replace(event, scheduled_start=first, scheduled_end=last)
                replies = await live.meeting_started(svc, where, who, event)
            else:
                replies = await live.meeting_ended(svc, where, event)
        except StorageUnavailable:
            log.warning("meeting event skipped: database unavailable")
            return
        except Exception:
            log.exception("meeting event failed")
            return
        if replies:
            speaker = who or Person(Platform.TEAMS, "", "")
            await TeamsReplier(turn_context, speaker, where, self.lines, self.seal).send(replies)
