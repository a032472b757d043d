"""Slack payloads → core types, once per request (bot/slack/middleware.py calls `parse`).

`parse` turns what Slack sent into a `Parsed`: the `Inbound` the shared pipeline runs (bot/inbound.py) and
`ReplyTo`, where its answer goes. This is the one place a `Command` is built, command text is cleaned and
the bot's mention is taken off a typed line. A modal's private_metadata (where the form came from, sealed
for the person it was opened for: bot/sealing.py) is opened here, because it is Slack's own: a modal whose
metadata the bot did not seal for this person is refused (`Parsed.refused`), never run.

Every accessor tolerates missing fields and wrong types (fuzzed in tests).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.inbound import Inbound, OpenForm, Typed
from bot.sealing import ActionSeal
from bot.slack import markup, render
from handlers.core.text import clean
from handlers.core.types import ChatMessage, Command, Interaction, MessageRef, Person, Place, Platform
from handlers.reports.catalog import SHORTCUT as SHORTCUT_ACTION

HOME_ACTIONS = "home."  # App Home buttons (handlers/reports/home.py): no channel, answered in the DM
#: Senders that are not people: Slackbot (its system DMs and notices).
SYSTEM_USERS = frozenset({"USLACKBOT"})


class BadPayload(ValueError):
    """The payload lacks what we need; the adapter answers with a friendly message or ignores it."""


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """Where and how the answer to one request goes (what `SlackReplier` needs besides its clients)."""

    user_id: str
    where: Place
    respond: bool = False  # through the request's response_url (ephemeral answers, replacing the origin)
    trigger_id: str = ""  # lets the answer open a modal
    origin: MessageRef | None = None  # the message a button was pressed on
    origin_is_ephemeral: bool = False


@dataclass(frozen=True, slots=True)
class Parsed:
    """One Slack request in the core's terms. `inbound` is None only when `refused`: a modal whose metadata
    is not the bot's seal for this person, answered with the "no longer valid" reply at `to`."""

    inbound: Inbound | None
    to: ReplyTo
    refused: bool = False


def s(value: Any, limit: int = 300) -> str:
    """A string field, or "" for anything else."""
    return value[:limit] if isinstance(value, str) else ""


def d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


#: `channel_name` values that are Slack's placeholders, not a channel's name: a private channel's, a DM's
#: (slack-ruby-client issue 227, discourse-chat-integration PR 20). A group DM's is its internal `mpdm-…`.
PLACEHOLDER_NAMES = frozenset({"privategroup", "directmessage"})


def channel_name(name: str) -> str:
    """The channel's name as a person knows it, or "" (filled in later: bot/slack/channel_names.py)."""
    return "" if name in PLACEHOLDER_NAMES or name.startswith("mpdm-") else name


def _place(channel_id: str, team_id: str, thread: str | None = None, name: str = "") -> Place:
    if not channel_id:
        raise BadPayload("no channel")
    direct = channel_id.startswith("D") or name == "directmessage"
    return Place(Platform.SLACK, channel_id, team_id, thread or None, direct, channel_name(name))


def person(user_id: str, name: str = "", tz: str | None = None) -> Person:
    if not user_id:
        raise BadPayload("no user")
    return Person(Platform.SLACK, user_id, name, tz)


#: A mention at the start of an app_mention's text: the bot's own, when its user id is not known.
LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]{1,20}(?:\|[^<>]{0,80})?>")


def typed_text(text: Any, bot_user_id: str = "", limit: int = 4000) -> str:
    """A line typed to the bot as the person typed it: Slack's markup decoded (bot/slack/markup.py), the bot's
    own mention taken off (`<@UBOT> agenda show` → `agenda show`), other people's mentions kept, cleaned."""
    return clean(markup.decode(s(text, limit * 4), bot_user_id), limit)


# ---- one request → Parsed ---------------------------------------------------------------------------------
def parse(body: dict[str, Any], bot_user_id: str = "", seal: ActionSeal | None = None) -> Parsed | None:
    """What the request asks of the core, or None when it asks nothing of it (unreadable, not a person's
    request, or one a special listener answers itself: the App Home opening, an uninstall)."""
    try:
        if "command" in body:
            return _command(body)
        kind = body.get("type")
        if kind == "block_actions":
            return _action(body)
        if kind == "view_submission":
            return _view_submission(body, seal)
        if kind == "message_action":
            return _shortcut(body)
        if kind == "event_callback":
            return _event(body, bot_user_id)
    except BadPayload:
        return None
    return None


def command(body: dict[str, Any]) -> Command:
    """A slash command: `/agenda add Item 5m` → Command("agenda", "add Item 5m", …)."""
    name = s(body.get("command"), 40).lstrip("/").strip().lower()
    if not name:
        raise BadPayload("no command")
    return Command(
        name=name,
        text=typed_text(body.get("text")),  # escaped by Slack as message text is
        who=person(s(body.get("user_id")), s(body.get("user_name"), 200)),
        where=_place(s(body.get("channel_id")), s(body.get("team_id")), None, s(body.get("channel_name"), 200)),
        request_id=s(body.get("trigger_id")),
    )


def _command(body: dict[str, Any]) -> Parsed:
    cmd = command(body)
    return Parsed(Inbound(cmd, f"slack:cmd:{cmd.request_id}"),
                  ReplyTo(cmd.who.id, cmd.where, respond=True, trigger_id=cmd.request_id))


def workspace(value: Any) -> str:
    """A workspace (team) id, or "": in Enterprise Grid an organisation's id (`E…`) may stand where a
    workspace's would (Slack's reference: `user.team_id` "will report an enterprise organization ID"), and
    it names no workspace — nothing is tagged with it (docs/operations.md, "Enterprise Grid")."""
    team = s(value, 40)
    return "" if team.startswith("E") else team


def _team(body: dict[str, Any]) -> str:
    """The workspace of an interactive payload: `team.id`, else the outer `team_id`, else the modal's
    `app_installed_team_id`, else the person's `user.team_id` (an org-wide app's presses and submissions
    come with `"team": null`), else the modal's `team_id`; never an organisation's id ("" when none names a
    workspace: the person keeps the workspace already known, and a channel's objects keep theirs)."""
    view = d(body.get("view"))
    for candidate in (d(body.get("team")).get("id"), body.get("team_id"), view.get("app_installed_team_id"),
                      d(body.get("user")).get("team_id"), view.get("team_id")):
        if team := workspace(candidate):
            return team
    return ""


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadPayload("no action")
    return actions[0]


def block_action(body: dict[str, Any]) -> tuple[Interaction, str]:
    """A button press → (interaction, trigger_id). The route is the action id without its '#n' suffix."""
    action = _first_action(body)
    action_id = render.route_of(s(action.get("action_id"), 255))
    value = s(action.get("value"), 2000) or s(d(action.get("selected_option")).get("value"), 150)
    user = d(body.get("user"))
    container = d(body.get("container"))
    message = d(body.get("message"))
    channel_id = s(d(body.get("channel")).get("id")) or s(container.get("channel_id"))
    message_ts = s(container.get("message_ts")) or s(message.get("ts"))
    thread = s(message.get("thread_ts")) or s(container.get("thread_ts")) or None
    if thread == message_ts:
        thread = None
    where = _place(channel_id, _team(body), thread)
    ref = MessageRef(Platform.SLACK, channel_id, message_ts) if message_ts else None
    interaction = Interaction(
        action=action_id,
        value=value,
        who=person(s(user.get("id")), s(user.get("name"), 200) or s(user.get("username"), 200)),
        where=where,
        request_id=s(body.get("trigger_id")) or f"{s(action.get('action_ts'))}:{action_id}",
        message=ref,
    )
    return interaction, s(body.get("trigger_id"))


def _action(body: dict[str, Any]) -> Parsed:
    if render.route_of(s(_first_action(body).get("action_id"), 255)).startswith(HOME_ACTIONS):
        return _home_action(body)
    interaction, trigger_id = block_action(body)
    request = OpenForm(interaction) if interaction.action == render.FORM_OPEN else interaction
    to = ReplyTo(interaction.who.id, interaction.where, respond=True, trigger_id=trigger_id,
                 origin=interaction.message, origin_is_ephemeral=bool(d(body.get("container")).get("is_ephemeral")))
    return Parsed(Inbound(request, f"slack:action:{interaction.request_id}"), to)


def _home_action(body: dict[str, Any]) -> Parsed:
    """A button on the App Home tab: no channel, so its answer goes to the person's DM with the app (posting
    to a user id opens it). Its values are the bot's own, not sealed: the Home tab is the person's alone."""
    action = _first_action(body)
    route = render.route_of(s(action.get("action_id"), 255))
    user = d(body.get("user"))
    who = person(s(user.get("id")), s(user.get("name"), 200))
    trigger_id = s(body.get("trigger_id"))
    request_id = trigger_id or s(action.get("action_ts"))
    where = Place(Platform.SLACK, who.id, _team(body), None, True)
    interaction = Interaction(route, s(action.get("value"), 2000), who, where, request_id)
    # The trigger lets a journal open as a modal: a DM message would stay in the chat (issue 12).
    return Parsed(Inbound(interaction, f"slack:home:{request_id}:{route}", sealed=False),
                  ReplyTo(who.id, where, trigger_id=trigger_id))


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata as plain JSON (only without a seal: the bot always seals it)."""
    raw = view.get("private_metadata")
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError as exc:
        raise BadPayload("unreadable private_metadata") from exc
    if not isinstance(data, dict):
        raise BadPayload("unreadable private_metadata")
    return data


def _view_submission(body: dict[str, Any], seal: ActionSeal | None) -> Parsed | None:
    """A submitted form. Its metadata says where it came from and what it is about; the submitted values
    are the person's own typing, so the interaction needs no seal of its own once the metadata's opened."""
    view = d(body.get("view"))
    who = person(s(d(body.get("user")).get("id")))
    if seal is not None:  # where the form came from and what it is about: sealed for this person
        meta = seal.open_metadata(s(view.get("private_metadata"), 3000), Platform.SLACK, who.id)
        if meta is None:
            direct = Place(Platform.SLACK, who.id, _team(body), None, True)
            return Parsed(None, ReplyTo(who.id, direct), refused=True)
    else:
        meta = view_metadata(view)
    channel = s(meta.get("ch"))
    form_id = s(meta.get("f"))
    if not channel or not form_id:
        return None
    where = Place(Platform.SLACK, channel, s(meta.get("tm")), s(meta.get("th")) or None, channel.startswith("D"))
    origin = None
    msg = meta.get("msg")
    if isinstance(msg, list) and len(msg) == 2 and all(isinstance(x, str) for x in msg):
        origin = MessageRef(Platform.SLACK, msg[0], msg[1])
    state = d(d(view.get("state")).get("values"))
    view_id = s(view.get("id"))
    interaction = Interaction(form_id, s(meta.get("c"), 2000), who, where, view_id, render.read_state(state), origin)
    return Parsed(Inbound(interaction, f"slack:view:{view_id}", sealed=False), ReplyTo(who.id, where, origin=origin))


#: What a modal's ack says under a required field (Slack shows each below its block; keep them short).
MISSING_CHOICE = "Please choose an answer."
MISSING_TEXT = "Please fill this in."
NOT_OFFERED = "Please choose one of the answers shown."
#: The input elements the bot's modals use (bot/slack/render.py `_input`): the only ones checked here.
_CHOICES = frozenset({"radio_buttons", "static_select"})
_TEXT = "plain_text_input"


def view_errors(body: dict[str, Any]) -> dict[str, str]:
    """A submitted modal's required inputs left empty or answered with a choice the form never offered:
    {block id: message}, for the ack `{"response_action": "errors", "errors": …}` that keeps the modal
    open with each message under its field (https://docs.slack.dev/surfaces/modals#displaying_errors).
    Read from the view as Slack echoes it back (`view.blocks`, each input's `optional`, a choice's
    options) against `view.state.values`; {} when the view carries no blocks (nothing to hang a message
    on: the core's own check answers by DM). Only the element kinds the bot renders are checked."""
    view = d(body.get("view"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return {}
    values = render.read_state(d(d(view.get("state")).get("values")))
    errors: dict[str, str] = {}
    for raw in blocks[:100]:
        block = d(raw)
        element = d(block.get("element"))
        kind = element.get("type")
        block_id = s(block.get("block_id"), 255)
        if block.get("type") != "input" or block.get("optional") is True or not block_id:
            continue
        value = values.get(block_id, "")
        if kind == _TEXT:
            if not value.strip():
                errors[block_id] = MISSING_TEXT
        elif kind in _CHOICES:
            if not value:
                errors[block_id] = MISSING_CHOICE
            elif value not in _offered(element):
                errors[block_id] = NOT_OFFERED
    return errors


def _offered(element: dict[str, Any]) -> set[str]:
    options = list(element.get("options") or []) if isinstance(element.get("options"), list) else []
    groups = element.get("option_groups")
    for group in groups if isinstance(groups, list) else []:
        grouped = d(group).get("options")
        options.extend(grouped if isinstance(grouped, list) else [])
    return {s(d(option).get("value"), 150) for option in options}


def _shortcut(body: dict[str, Any]) -> Parsed:
    """The message shortcut “What do we drop?”: the trade-off prompt in that message's thread, quoting it.
    Payload fields as in Slack's reference (api.slack.com/reference/interaction-payloads/shortcuts)."""
    message = d(body.get("message"))
    channel = d(body.get("channel"))
    user = d(body.get("user"))
    ts = s(message.get("ts")) or s(body.get("message_ts"))
    if not ts:
        raise BadPayload("no message")
    root = s(message.get("thread_ts")) or ts
    where = _place(s(channel.get("id")), _team(body), root, s(channel.get("name"), 200))
    who = person(s(user.get("id")), s(user.get("name"), 200))
    request_id = s(body.get("trigger_id")) or f"{s(body.get('action_ts'))}:shortcut"
    interaction = Interaction(SHORTCUT_ACTION, markup.decode(s(message.get("text"), 32000))[:8000], who, where,
                              request_id, None,
                              MessageRef(Platform.SLACK, where.channel_id, ts))
    return Parsed(Inbound(interaction, f"slack:shortcut:{request_id}", sealed=False),
                  ReplyTo(who.id, where, respond=True))


# ---- events --------------------------------------------------------------------------------------------------
def installed_team(body: dict[str, Any]) -> str:
    """The workspace an event belongs to: the installation it was delivered for (`authorizations[0]`, whose
    token Bolt uses), else the outer `team_id`. In a Slack Connect channel the outer `team_id` is often the
    connected organisation's workspace, so what the event creates would be tagged with a workspace that is
    not ours (and outlive our uninstall). An org-wide installation's authorization names no workspace: then
    the outer `team_id`, the workspace of the organisation the event happened in. Never an organisation's
    id (`workspace`)."""
    authorizations = body.get("authorizations")
    first = d(authorizations[0]) if isinstance(authorizations, list) and authorizations else {}
    return workspace(first.get("team_id")) or workspace(body.get("team_id"))


def _event(body: dict[str, Any], bot_user_id: str) -> Parsed | None:
    event = d(body.get("event"))
    kind = event.get("type")
    event_id = s(body.get("event_id"))
    team_id = installed_team(body)
    if kind == "message":
        return _message(event, team_id, event_id, bot_user_id)
    if kind == "app_mention":
        return _mention(event, team_id, event_id, bot_user_id or _authorized_bot(body))
    return None


def _message(event: dict[str, Any], team_id: str, event_id: str, bot_user_id: str) -> Parsed | None:
    """A DM to the bot is a typed command; a channel message goes to the watchers (scope creep), answered in
    its thread. The bot's own messages, edits of DMs and channel messages addressed to the bot (the
    `app_mention` event carries those) ask nothing. Channel chat carries no de-duplication key: its watchers
    claim what they answer (bot/inbound.py)."""
    message = message_event(event, team_id, event_id)
    if message is None or (bot_user_id and message.who.id == bot_user_id):
        return None
    if message.where.is_direct or s(event.get("channel_type")) == "im":
        if message.is_edit:
            return None
        typed = Typed(typed_text(event.get("text"), bot_user_id), message.who, message.where, event_id)
        return Parsed(Inbound(typed, f"slack:event:{event_id}"), ReplyTo(message.who.id, message.where))
    if bot_user_id and f"<@{bot_user_id}>" in message.text:
        return None
    where = message.where.in_thread(message.where.thread_id or message.message_id)
    return Parsed(Inbound(message), ReplyTo(message.who.id, where))  # no key: chat is never de-duplicated


def _authorized_bot(body: dict[str, Any]) -> str:
    """The bot user the event was delivered for (`authorizations[0].user_id` when it is a bot's)."""
    authorizations = body.get("authorizations")
    first = d(authorizations[0]) if isinstance(authorizations, list) and authorizations else {}
    return s(first.get("user_id"), 40) if first.get("is_bot") else ""


def _mention(event: dict[str, Any], team_id: str, event_id: str, bot_user_id: str) -> Parsed | None:
    """`@steadybot agenda show` in a channel or thread: a typed command, the bot's mention taken off (with
    no bot user id known, the mention the text starts with, which is the bot's: Slack sent the event)."""
    user_id = s(event.get("user"))
    channel = s(event.get("channel"))
    if not user_id or not channel or event.get("bot_id") or user_id in SYSTEM_USERS:
        return None
    thread = s(event.get("thread_ts")) or None
    where = Place(Platform.SLACK, channel, team_id, thread, channel.startswith("D"))
    who = person(user_id)
    text = s(event.get("text"), 16000)
    if not bot_user_id:
        text = LEADING_MENTION.sub(" ", text)
    typed = Typed(typed_text(text, bot_user_id), who, where, event_id)
    return Parsed(Inbound(typed, f"slack:event:{event_id}"), ReplyTo(who.id, where))


def message_event(event: dict[str, Any], team_id: str, event_id: str) -> ChatMessage | None:
    """A channel message for the watchers, or None for what they must not see (bots, joins, deletes…)."""
    subtype = event.get("subtype")
    is_edit = subtype == "message_changed"
    if is_edit:
        inner = d(event.get("message"))
        if not inner:
            return None
        base = {**inner, "channel": event.get("channel"), "channel_type": event.get("channel_type")}
    elif subtype in (None, "thread_broadcast", "file_share"):
        base = event
    else:
        return None
    if base.get("bot_id") or base.get("bot_profile") or d(base).get("subtype") == "bot_message":
        return None
    if base.get("hidden") or base.get("subtype") not in (None, "thread_broadcast", "file_share"):
        return None  # an edit of a message that no person typed (a join notice, a bot's message…)
    user_id = s(base.get("user"))
    if user_id in SYSTEM_USERS:
        return None  # Slackbot's system messages ("You have been removed from #…") are nobody's request
    channel_id = s(base.get("channel"))
    ts = s(base.get("ts"))
    if not (user_id and channel_id and ts):
        return None
    thread = s(base.get("thread_ts")) or None
    return ChatMessage(
        who=person(user_id),
        where=_place(channel_id, team_id, thread),
        # plain text for the scope detector; people, channels and @here stay as Slack's markup (names, not prose)
        text=clean(markup.decode(s(base.get("text"), 32000), names=False), 8000),
        message_id=ts,
        event_id=event_id,
        is_edit=is_edit,
    )
