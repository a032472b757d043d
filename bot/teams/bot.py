"""The Teams activity handler: thin. Requests to the core — typed lines, channel chat for the watchers,
card submissions — arrive parsed by the middleware (bot/teams/middleware.py) and go to the shared pipeline
(bot/inbound.py), which de-duplicates, remembers the person, opens the seal and runs the core:
`Pipeline.handle` for messages (their replies go through a `TeamsReplier`), `Pipeline.answer` for the
invokes whose HTTP body is the answer. Before that, the handler keeps the ways to reach back later
(bot/teams/references.py). Lifecycle events (installs and uninstalls, members added, meeting start and end,
the message action) keep their own handling here, de-duplicated and remembered through the same pipeline.

Invokes (the activities whose HTTP answer is the result) always get a proper answer, never botbuilder's
501 for an invoke it has no handler for: `adaptiveCard/action` (Universal Actions) a 200 whose body is an Adaptive Card
(it replaces the clicked card) or a message; `task/fetch` / `task/submit` a message or an empty 200 (closes
the dialog); `composeExtension/*` the registered message action's answer (`add_message_action`, by command
id), or a short message; anything else an empty 200. A value of the wrong shape (a string, a list, null …) is
a 200 too, with `UNREADABLE` in that invoke's answer (`_unreadable`). Uninstalls (`installationUpdate`
remove) delete what the bot kept for the team, chat or person (storage/repos/lifecycle.py) — never what a
later "add" for the same scope brought back (`on_installation_update_remove`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount
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
from msrest.exceptions import DeserializationError

from bot.inbound import Inbound, Pipeline, Removals
from bot.sealing import INVALID, ActionSeal, invalid_reply
from bot.teams import meetings, message_action, payloads
from bot.teams.direct import TeamsLines
from bot.teams.middleware import inbound_of
from bot.teams.references import References
from bot.teams.replier import TeamsReplier
from handlers.core.errors import StorageUnavailable
from handlers.core.registry import TEAM_HARD_DELETED, PlaceChange
from handlers.core.types import Person, Place, Platform, Reply, plain_text
from storage.store import Store

log = logging.getLogger("steadybot.teams")

#: Universal Actions response types (adaptiveCard/action): a card replacing the clicked one, or a message.
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE = "application/vnd.microsoft.error"
STALE_ACTION = "That button doesn't do anything any more. Type `help` to see what I can do."
NOT_HERE = "There is nothing to open here. Type `help` to see what I can do."
DONE = "Done."
#: What a person sees when an invoke's value is not the shape its name promises (a string, a list, null …).
UNREADABLE = "I couldn't read that request, so nothing was changed. Type `help` to see what I can do."


@dataclass(frozen=True, slots=True)
class MessageAction:
    """A message extension action command (manifest `composeExtensions[].commands[]` of type action):
    `submit` answers `composeExtension/submitAction` (None: close the dialog); `fetch` answers
    `composeExtension/fetchTask`, sent only for a command with `"fetchTask": true` (usually a task module
    with a form; without one, a short message). Registered with `add_message_action`."""

    submit: Callable[[TurnContext, MessagingExtensionAction], Awaitable[MessagingExtensionActionResponse | None]]
    fetch: Callable[[TurnContext, MessagingExtensionAction], Awaitable[MessagingExtensionActionResponse]] | None = None


#: The channel and team lifecycle events (channelData.eventType, lower-cased) → (active, reason in
#: place_states, whole team). A team hard-deleted is gone for good: its state never changes again
#: (handlers.core.registry.TEAM_HARD_DELETED).
_PLACE_EVENTS: dict[str, tuple[bool, str, bool]] = {
    "channeldeleted": (False, "deleted", False),
    "channelrestored": (True, "restored", False),
    "teamarchived": (False, "team archived", True),
    "teamdeleted": (False, "team deleted", True),
    "teamharddeleted": (False, TEAM_HARD_DELETED, True),
    "teamunarchived": (True, "team unarchived", True),
    "teamrestored": (True, "team restored", True),
}


def _message_task(text: str) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))


class SteadyTeamsBot(TeamsActivityHandler):
    def __init__(self, pipeline: Pipeline, store: Store, lines: TeamsLines, references: References,
                 seal: ActionSeal | None = None) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.core = pipeline.core
        self.store = store
        self.lines = lines
        self.references = references
        self.seal = seal
        self.message_actions: dict[str, MessageAction] = {}
        # Per scope (`_scope`), in this process: the latest "add" (the activity's timestamp), and the removals
        # completed. See `on_installation_update_remove`.
        self.added: dict[str, datetime] = {}
        self.removed = Removals()
        self.add_message_action(message_action.COMMAND_ID, MessageAction(submit=self._tradeoff))

    def _replier(self, context: TurnContext, who: Person, where: Place) -> TeamsReplier:
        async def remember_journal(conversation: str, activity_id: str) -> None:
            await self.store.pulse.remember_journal_message(Platform.TEAMS, who.id, conversation, activity_id)

        return TeamsReplier(context, who, where, self.lines, self.seal, remember_journal)

    async def _keep(self, context: TurnContext, who: Person | None, where: Place) -> None:
        """A lifecycle event's bookkeeping: the ways to reach back, and the person (as the pipeline would)."""
        await self.references.keep(context, who, where)
        if who is not None:
            await self.pipeline.remember(who, payloads.tenant_id(context.activity))

    async def _answer(self, context: TurnContext, inbound: Inbound) -> list[Reply] | None:
        """The replies to a card invoke's data (None: a redelivery, nothing was run)."""
        who = inbound.who
        assert who is not None  # payloads.inbound builds every request with its person
        await self.references.keep(context, who, inbound.where)
        return await self.pipeline.answer(inbound, self._replier(context, who, inbound.where))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        inbound = inbound_of(turn_context)
        if inbound is None or inbound.who is None:
            return
        log.debug("teams message activity in a %s", "1:1 chat" if inbound.where.is_direct else "channel")
        await self.references.keep(turn_context, inbound.who, inbound.where)
        await self.pipeline.handle(inbound, self._replier(turn_context, inbound.who, inbound.where))

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
            await self.references.keep(turn_context, None, where)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """The app was added to a team, a group chat or a person's personal scope: the ways to reach back are
        kept, and, for a removal still being tried in this process (`on_installation_update_remove`), when it
        was added: the activity's timestamp, noted even with the database down."""
        activity = turn_context.activity
        where = payloads.place(activity)
        if where is None:
            return
        found = _scope(activity)
        if found is not None:
            at = _at(activity, self.core.services.clock.now())
            if len(self.added) > 10_000:
                self.added.clear()
            self.added[found[0]] = max(at, self.added.get(found[0], at))
        await self._keep(turn_context, payloads.person(activity), where)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """The app was removed from a team, a group chat or a person's personal scope ("remove", or
        "remove-upgrade": an update to a version without the bot): what was kept for it goes. Through a database
        outage the removal is tried again (`AfterAck.keep_trying`); a redelivery runs it again (it is idempotent,
        and no de-duplication key could skip it after a removal that failed), as for Slack:
        bot/slack/workspaces.py.

        A removal never takes what a later "add" for the same team, chat or person brought back (the admin
        added the app again while a try waited): before each try, the removal is stale if this process saw an
        add whose timestamp is later than the removal's; then nothing is removed (one INFO line, no more tries).
        An add through another replica is not seen: nothing in the database records an add apart from other
        writes (a late message writes the same conversation reference), and reading those as an add would keep
        a removed team's data for good, so the removal goes ahead — it takes what that add wrote, which the
        team's next message writes again. A try that waits while a later delivery in this process completed the
        removal ends at INFO, and a stop then claims nothing was left."""
        activity = turn_context.activity
        found = _scope(activity)
        if found is None:
            return
        scope, where, team, who = found
        lifecycle = self.store.lifecycle
        removed_at, started = _at(activity, self.core.services.clock.now()), self.removed.started()

        def done_since() -> bool:
            if not self.removed.completed_since(scope, started):
                return False
            log.info("Teams app removed (%s): what steadybot kept for %s was already removed by a later delivery; "
                     "this try ends", activity.id, scope)
            return True

        def added_again() -> str | None:
            added = self.added.get(scope)
            return f"added again at {added.isoformat()}" if added is not None and added > removed_at else None

        async def attempt() -> None:
            if done_since():
                return
            again = added_again()
            if again is not None:
                log.info("Teams app removed (%s): stale, nothing removed: the app was added to %s again after the "
                         "removal (%s)", activity.id, scope, again)
                return
            if who is not None:
                await self.store.pulse.forget(Platform.TEAMS, who.id)  # open rounds stop counting them
                report = await lifecycle.remove_person(Platform.TEAMS, who.id)
                self.references.known.forget(who.id)
            elif team:
                report = await lifecycle.remove_workspace(Platform.TEAMS, team)
                self.references.known.forget()
            else:
                report = await lifecycle.remove_conversation(Platform.TEAMS, where.channel_id)
            log.info("Teams app removed: %s, %d rows deleted", report.scope, report.total)
            self.removed.completed(scope)

        try:
            await attempt()
        except StorageUnavailable:
            def retrying(tries: int, seconds: float) -> None:
                log.warning("Teams app removed (%s): the database is unavailable, nothing was removed (try %d); "
                            "trying again in %.0f s", activity.id, tries, seconds)

            def gave_up(reason: str) -> None:
                if done_since():
                    return
                log.error("Teams app removed (%s): %s. NOT removed: what steadybot kept for %s. To remove it, add "
                          "the app there again and remove it (docs/operations.md, \"Uninstalling\")", activity.id,
                          reason, scope)

            self.pipeline.lane.keep_trying(attempt, "teams app removed: retry", retrying=retrying, gave_up=gave_up)

    async def _place_changed(self, turn_context: TurnContext, where: Place, active: bool, reason: str, *,
                             whole_team: bool = False) -> None:
        activity = turn_context.activity
        at = activity.timestamp or self.core.services.clock.now()
        await self.pipeline.place_changed(f"teams:activity:{activity.id or ''}",
                                          PlaceChange(where, active, reason, at, whole_team=whole_team))

    # ---- a channel deleted or restored, a whole team archived, deleted, unarchived or restored ---------------
    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The channel and team events are read here, whatever their case, not through botbuilder's
        `on_teams_channel_*` / `on_teams_team_*`: it routes them by their exact names ("teamRestored"), and the
        documentation's own example of a team restored says "teamrestored", which it would drop, leaving the
        team's channels inactive for good. Members added or removed come first, as in botbuilder; everything
        else is botbuilder's (a `channelData` it cannot read is one WARNING line, not a failed turn)."""
        activity = turn_context.activity
        event = payloads.channel_data(activity).get("eventType") if activity.channel_id == "msteams" else None
        kind = _PLACE_EVENTS.get(event.lower()) if isinstance(event, str) else None
        if kind is None or activity.members_added or activity.members_removed:
            try:
                await super().on_conversation_update_activity(turn_context)
            except DeserializationError:
                log.warning("Teams conversationUpdate with a channelData of the wrong shape: ignored")
            return
        active, reason, whole_team = kind
        team = payloads.team_id(activity)[:200]
        channel = team if whole_team else payloads.channel_id(activity)
        if team and channel:
            # The channel, or every channel of the team, becomes inactive or active again (a channel deleted on
            # its own stays inactive when its team comes back; a team hard-deleted stays inactive for good:
            # handlers/general/channel_state.py, storage/repos/places.py). Nothing is said, nothing is
            # deleted. Once per activity id.
            await self._place_changed(turn_context, Place(Platform.TEAMS, channel, team), active, reason,
                                      whole_team=whole_team)

    async def _tradeoff(self, turn_context: TurnContext,
                        action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        """“What do we drop?” on a message (bot/teams/message_action.py)."""
        where = payloads.place(turn_context.activity)
        if where is not None:
            await self._keep(turn_context, payloads.person(turn_context.activity), where)
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
        if where is None or where.is_direct or not await self.pipeline.first_time(
                f"teams:activity:{activity.id or ''}"):
            return
        await self._keep(turn_context, who, where)  # the meeting chat, for the timer's warnings
        from handlers.meetings import (
            calendar_live as live,  # the meetings feature, on its first meeting event
        )

        svc = self.core.services
        event = meetings.signal(value, svc.clock.now(), started=started, tenant=payloads.tenant_id(activity))
        try:
            if started:
                told = await meetings.details(turn_context, event.external_id)
                event = replace(event, scheduled_start=told.start, scheduled_end=told.end,
                                organiser_ids=told.organiser_ids)
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
        """Every invoke gets a 200 with the body its client shows (module docstring), whatever its value: a
        value that is not the object its name promises (a string, a list, null …), or that botbuilder cannot
        read into its schema type, gets `UNREADABLE` in the shape of that invoke's answer; anything botbuilder
        would answer 501 (no handler) or 4xx (e.g. an unknown file consent action) an empty 200."""
        activity = turn_context.activity
        name = activity.name if isinstance(activity.name, str) else ""
        if name == "adaptiveCard/action":
            return await self._adaptive_card_action(turn_context)
        if not isinstance(activity.value, dict):  # botbuilder reads only an object into its schema types
            return _unreadable(name, f"a value of type {type(activity.value).__name__}")
        try:
            response = await super().on_invoke_activity(turn_context)
        except DeserializationError:  # an object with a field of the wrong shape (`messagePayload` a string …)
            return _unreadable(name, "a field of the wrong shape")
        if response is None or response.status == HTTPStatus.NOT_IMPLEMENTED:
            log.debug("Teams invoke %r has no handler here: acknowledged", name[:100])
            return InvokeResponse(status=HTTPStatus.OK)
        if not HTTPStatus.OK <= response.status < HTTPStatus.MULTIPLE_CHOICES:
            return _unreadable(name, f"botbuilder's {response.status}")
        return response

    async def _adaptive_card_action(self, turn_context: TurnContext) -> InvokeResponse:
        """Universal Actions (Action.Execute): the data of the action goes where an Action.Submit's data
        goes; the answer is the card that replaces the clicked one, or a short message."""
        activity = turn_context.activity
        value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
        raw = value.get("action")
        action: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if action.get("type") != "Action.Execute":
            return _unreadable("adaptiveCard/action", "no Action.Execute action")
        inbound = inbound_of(turn_context)
        if inbound is None or inbound.who is None:  # the data is not ours (or not any more)
            return _card_answer(HTTPStatus.OK, MESSAGE_RESPONSE, STALE_ACTION)
        replies = await self._answer(turn_context, inbound) or []  # a redelivery runs nothing again
        card = next((r for r in replies if r.replace_original), None)
        if card is None and len(replies) == 1 and _fits_the_card(replies[0]):
            # said once, on the card pressed (a refusal such as "Missing: …"), not in the chat as well
            return _card_answer(HTTPStatus.OK, MESSAGE_RESPONSE, _summary(replies))
        rest = [r for r in replies if r is not card]
        replier = self._replier(turn_context, inbound.who, inbound.where)
        if rest:
            await replier.send(rest)
        if card is not None:
            return _card_answer(HTTPStatus.OK, CARD_RESPONSE, replier.card(card))
        return _card_answer(HTTPStatus.OK, MESSAGE_RESPONSE, _summary(replies))

    async def on_teams_card_action_invoke(self, turn_context: TurnContext) -> InvokeResponse:
        return InvokeResponse(status=HTTPStatus.OK)  # a nameless invoke (legacy card action): nothing to do

    async def on_teams_task_module_fetch(self, turn_context: TurnContext,
                                         task_module_request: TaskModuleRequest) -> TaskModuleResponse:
        return TaskModuleResponse(task=TaskModuleMessageResponse(value=NOT_HERE))

    async def on_teams_task_module_submit(self, turn_context: TurnContext,
                                          task_module_request: TaskModuleRequest) -> TaskModuleResponse | None:
        inbound = inbound_of(turn_context)
        if inbound is None or inbound.who is None:  # the data is not ours (or not any more)
            return TaskModuleResponse(task=TaskModuleMessageResponse(value=STALE_ACTION))
        replies = await self._answer(turn_context, inbound)
        if replies == invalid_reply():  # data the bot did not seal for here: said in the dialog, not the chat
            return TaskModuleResponse(task=TaskModuleMessageResponse(value=INVALID))
        if replies:
            await self._replier(turn_context, inbound.who, inbound.where).send(replies)
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


def _scope(activity: Any) -> tuple[str, Place, str, Person | None] | None:
    """What an installationUpdate is about: ("team T" / "conversation C" / "person P", the place, the team id,
    the person of a personal scope); None when it names none."""
    where = payloads.place(activity)
    if where is None:
        return None
    team = payloads.team_id(activity)
    who = payloads.person(activity) if where.is_direct else None
    if where.is_direct and who is None:
        return None
    scope = f"person {who.id}" if who is not None else f"team {team}" if team else f"conversation {where.channel_id}"
    return scope, where, team, who


def _at(activity: Any, now: datetime) -> datetime:
    """The activity's timestamp (the platform's time of the event), else `now`."""
    at = activity.timestamp
    if not isinstance(at, datetime):
        return now
    return at if at.tzinfo is not None else at.replace(tzinfo=now.tzinfo)


#: The invokes answered with a task module response (a message shown in the dialog) when their value is unreadable.
_TASK_INVOKES = frozenset({"task/fetch", "task/submit", "composeExtension/fetchTask", "composeExtension/submitAction"})


def _unreadable(name: str, why: str) -> InvokeResponse:
    """The 200 an invoke with a value of the wrong shape gets: `UNREADABLE` where its client shows an answer
    (the dialog of a task module, the card pressed, the message extension's results), else an empty body.
    One WARNING line with the invoke's name (cut) and what was wrong, never the value."""
    log.warning("Teams invoke %r with %s: answered 200", name[:100], why)
    if name == "adaptiveCard/action":  # Universal Actions: an error object in a 200 (universal-action-model.md)
        return _card_answer(HTTPStatus.BAD_REQUEST, ERROR_RESPONSE, {"code": "BadRequest", "message": UNREADABLE})
    if name in _TASK_INVOKES:
        return InvokeResponse(status=HTTPStatus.OK, body=TaskModuleResponse(
            task=TaskModuleMessageResponse(value=UNREADABLE)))
    if name == "composeExtension/query":
        return InvokeResponse(status=HTTPStatus.OK, body=MessagingExtensionResponse(
            compose_extension=MessagingExtensionResult(type="message", text=UNREADABLE)))
    return InvokeResponse(status=HTTPStatus.OK)


def _card_answer(status: int, kind: str, value: Any) -> InvokeResponse:
    """The HTTP 200 an adaptiveCard/action invoke gets, with the Universal Actions body
    (`statusCode`, `type`, `value`) saying how it went."""
    return InvokeResponse(status=HTTPStatus.OK, body={"statusCode": int(status), "type": kind, "value": value})


def _fits_the_card(reply: Reply) -> bool:
    """A reply that a Universal Action's message answer carries whole: one short line of text, nothing to
    press or read besides (`_summary` keeps at most 200 characters of a first line)."""
    if reply.buttons or reply.facts or reply.form is not None or reply.transient:
        return False
    lines = [line for line in plain_text(reply.text).strip().splitlines() if line.strip()]
    return len(lines) == 1 and len(lines[0].strip()) <= 200


def _summary(replies: list[Reply]) -> str:
    """What a message answer to an Action.Execute says: the first line of the first reply, or "Done."."""
    for reply in replies:
        line = plain_text(reply.text).strip().splitlines()
        if line and line[0].strip():
            return line[0].strip()[:200]
    return DONE
