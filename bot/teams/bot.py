"""The Teams activity handler: typed commands, card submissions, channel chat for the watchers, and
conversation references kept for proactive messages.

Invokes (the activities whose HTTP answer is the result) always get a proper answer, never botbuilder's
501 for an invoke it has no handler for: `adaptiveCard/action` (Universal Actions) a 200 whose body is an Adaptive Card
(it replaces the clicked card) or a message; `task/fetch` / `task/submit` a message or an empty 200 (closes
the dialog); `composeExtension/*` the registered message action's answer (`add_message_action`, by command
id), or a short message; anything else an empty 200. Uninstalls (`installationUpdate` remove) delete what
the bot kept for the team, chat or person (storage/repos/lifecycle.py).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ChannelAccount
from botbuilder.schema.teams import (
    MessagingExtensionAction,
    MessagingExtensionActionResponse,
    MessagingExtensionQuery,
    MessagingExtensionResponse,
    MessagingExtensionResult,
    TaskModuleMessageResponse,
    TaskModuleRequest,
    TaskModuleResponse,
    TeamInfo,
)

from bot.sealing import ActionSeal, invalid_reply
from bot.teams import meetings, message_action, msrest_noise, msrest_speedup, payloads, render
from bot.teams.direct import TeamsLines, reference_dict, seed_from
from bot.teams.replier import TeamsReplier
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.types import ChatMessage, Person, Place, Platform, Reply, plain_text
from handlers.meetings import calendar_live as live
from storage.store import Store

log = logging.getLogger("steadybot.teams")

#: Universal Actions response types (adaptiveCard/action): a card replacing the clicked one, or a message.
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
STALE_ACTION = "That button doesn't do anything any more. Type `help` to see what I can do."
NOT_HERE = "There is nothing to open here. Type `help` to see what I can do."
DONE = "Done."


@dataclass(frozen=True, slots=True)
class MessageAction:
    """A message extension action command (manifest `composeExtensions[].commands[]` of type action):
    `submit` answers `composeExtension/submitAction` (None: close the dialog); `fetch` answers
    `composeExtension/fetchTask`, sent only for a command with `"fetchTask": true` (usually a task module
    with a form; without one, a short message). Registered with `add_message_action`."""

    submit: Callable[[TurnContext, MessagingExtensionAction], Awaitable[MessagingExtensionActionResponse | None]]
    fetch: Callable[[TurnContext, MessagingExtensionAction], Awaitable[MessagingExtensionActionResponse]] | None = None


def _message_task(text: str) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))


class SteadyTeamsBot(TeamsActivityHandler):
    def __init__(self, core: Core, store: Store, lines: TeamsLines, seal: ActionSeal | None = None) -> None:
        super().__init__()
        self.seal = seal
        msrest_speedup.apply()  # botbuilder's retry-list CPU cost, once per process (see the module)
        msrest_noise.quiet()  # unknown fields of ordinary Teams traffic: DEBUG, not WARNING
        self.message_actions: dict[str, MessageAction] = {}
        self.add_message_action(message_action.COMMAND_ID, MessageAction(submit=self._tradeoff))
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
        log.debug("teams message activity in a %s", "1:1 chat" if where.is_direct else "channel")  # never its text
        await self._remember(turn_context, who, where)
        async def remember_journal(conversation: str, activity_id: str) -> None:
            await self.store.pulse.remember_journal_message(Platform.TEAMS, who.id, conversation, activity_id)

        replier = TeamsReplier(turn_context, who, where, self.lines, self.seal, remember_journal)
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

    async def on_teams_members_added_dispatch(self, members_added: list[ChannelAccount], team_info: TeamInfo,
                                              turn_context: TurnContext) -> None:
        """botbuilder would look every added person up with the connector first (TeamsInfo.get_member): a
        guest, or someone who already left again, is a 404 there and failed the whole turn. Nothing here
        needs the full profiles (people are read from the roster when needed), so there is no lookup."""
        await self.on_teams_members_added(members_added, team_info, turn_context)

    async def on_teams_members_added(self, teams_members_added: list[ChannelAccount], team_info: TeamInfo,
                                     turn_context: TurnContext) -> None:
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._remember(turn_context, None, where)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._remember(turn_context, payloads.person(turn_context.activity), where)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """The app was removed from a team, a group chat or a person's personal scope ("remove", or
        "remove-upgrade": an update to a version without the bot): what was kept for it goes."""
        activity = turn_context.activity
        where = payloads.place(activity)
        if where is None or not await self._first_time(activity.id):
            return
        team = payloads.team_id(activity)
        lifecycle = self.store.lifecycle
        try:
            if where.is_direct:
                who = payloads.person(activity)
                if who is None:
                    return
                await self.store.pulse.forget(Platform.TEAMS, who.id)  # open rounds stop counting them
                report = await lifecycle.remove_person(Platform.TEAMS, who.id)
                self._lines.pop(who.id, None)
            elif team:
                report = await lifecycle.remove_workspace(Platform.TEAMS, team)
                self._lines.clear()
            else:
                report = await lifecycle.remove_conversation(Platform.TEAMS, where.channel_id)
        except StorageUnavailable:
            log.warning("Teams app removed (%s): the database is unavailable, nothing was removed", activity.id)
            return
        log.info("Teams app removed: %s, %d rows deleted", report.scope, report.total)

    async def _tradeoff(self, turn_context: TurnContext,
                        action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
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

    # ---- invokes -------------------------------------------------------------------------------------
    def add_message_action(self, command_id: str, action: MessageAction) -> None:
        """Route a message extension action command (its id in the manifest) to `action`."""
        self.message_actions[command_id] = action

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == "adaptiveCard/action":
            return await self._adaptive_card_action(turn_context)
        response = await super().on_invoke_activity(turn_context)
        if response is None or response.status == HTTPStatus.NOT_IMPLEMENTED:
            log.debug("Teams invoke %r has no handler here: acknowledged", turn_context.activity.name)
            return InvokeResponse(status=HTTPStatus.OK)
        return response

    async def _adaptive_card_action(self, turn_context: TurnContext) -> InvokeResponse:
        """Universal Actions (Action.Execute): the data of the action goes where an Action.Submit's data
        goes; the answer is the card that replaces the clicked one, or a short message."""
        activity = turn_context.activity
        value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
        raw = value.get("action")
        action: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if action.get("type") != "Action.Execute":
            return _card_answer(HTTPStatus.BAD_REQUEST, "application/vnd.microsoft.error",
                                {"code": "BadRequest", "message": "expected an Action.Execute action"})
        replies = await self._interact(turn_context, action.get("data"))
        if replies is None:
            return _card_answer(HTTPStatus.OK, MESSAGE_RESPONSE, STALE_ACTION)
        card = next((r for r in replies if r.replace_original), None)
        rest = [r for r in replies if r is not card]
        if rest:
            who, where = payloads.person(activity), payloads.place(activity)
            if who is not None and where is not None:
                await TeamsReplier(turn_context, who, where, self.lines, self.seal).send(rest)
        if card is not None:
            return _card_answer(HTTPStatus.OK, CARD_RESPONSE, render.card(card))
        return _card_answer(HTTPStatus.OK, MESSAGE_RESPONSE, _summary(replies))

    async def _interact(self, turn_context: TurnContext, data: Any) -> list[Reply] | None:
        """Run card data (an Action.Execute's or a task module's) as the button press or form submission it
        encodes. None: the data is not ours (or not any more). A redelivered invoke runs nothing again."""
        activity = turn_context.activity
        who, where = payloads.person(activity), payloads.place(activity)
        if who is None or where is None or not isinstance(data, dict):
            return None
        shadow: Activity = copy.copy(activity)
        shadow.value = data
        interaction = payloads.interaction(shadow, who, where)
        if interaction is None:
            return None
        if not await self._first_time(activity.id):
            return []
        await self._remember(turn_context, who, where)
        if self.seal is not None:  # only card data the bot sealed for this place reaches the core
            value = self.seal.open(interaction.value, interaction.action, where, who)
            if value is None:
                return invalid_reply()
            interaction = replace(interaction, value=value)
        if interaction.form_values is not None:
            return await self.core.submit_form(interaction)
        return await self.core.run_action(interaction)

    async def on_teams_card_action_invoke(self, turn_context: TurnContext) -> InvokeResponse:
        return InvokeResponse(status=HTTPStatus.OK)  # a nameless invoke (legacy card action): nothing to do

    async def on_teams_task_module_fetch(self, turn_context: TurnContext,
                                         task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        return TaskModuleResponse(task=TaskModuleMessageResponse(value=NOT_HERE))

    async def on_teams_task_module_submit(self, turn_context: TurnContext,
                                          task_module_request: TaskModuleRequest) -> TaskModuleResponse | None:
        replies = await self._interact(turn_context, getattr(task_module_request, "data", None))
        if replies is None:
            return TaskModuleResponse(task=TaskModuleMessageResponse(value=STALE_ACTION))
        who, where = payloads.person(turn_context.activity), payloads.place(turn_context.activity)
        if replies and who is not None and where is not None:
            await TeamsReplier(turn_context, who, where, self.lines, self.seal).send(replies)
        return None  # an empty 200 closes the dialog

    async def on_teams_messaging_extension_fetch_task(self, turn_context: TurnContext,
                                                      action: MessagingExtensionAction
                                                      ) -> MessagingExtensionActionResponse:
        handler = self.message_actions.get(getattr(action, "command_id", None) or "")
        if handler is None or handler.fetch is None:
            return _message_task(NOT_HERE)
        return await handler.fetch(turn_context, action)

    async def on_teams_messaging_extension_submit_action(self, turn_context: TurnContext,
                                                         action: MessagingExtensionAction
                                                         ) -> MessagingExtensionActionResponse | None:
        handler = self.message_actions.get(getattr(action, "command_id", None) or "")
        if handler is None:
            return _message_task(NOT_HERE)
        return await handler.submit(turn_context, action)

    async def on_teams_messaging_extension_query(self, turn_context: TurnContext,
                                                 query: MessagingExtensionQuery) -> MessagingExtensionResponse:
        return MessagingExtensionResponse(compose_extension=MessagingExtensionResult(
            type="result", attachment_layout="list", attachments=[]))


def _card_answer(status: int, kind: str, value: Any) -> InvokeResponse:
    """The HTTP 200 an adaptiveCard/action invoke gets, with the Universal Actions body
    (`statusCode`, `type`, `value`) saying how it went."""
    return InvokeResponse(status=HTTPStatus.OK, body={"statusCode": int(status), "type": kind, "value": value})


def _summary(replies: list[Reply]) -> str:
    """What a message answer to an Action.Execute says: the first line of the first reply, or "Done."."""
    for reply in replies:
        line = plain_text(reply.text).strip().splitlines()
        if line and line[0].strip():
            return line[0].strip()[:200]
    return DONE
