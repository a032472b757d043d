"""Slack payloads → core types. Every accessor tolerates missing fields and wrong types (fuzzed in tests)."""

from __future__ import annotations

import json
from typing import Any

from handlers.core.text import clean
from handlers.core.types import ChatMessage, Command, Interaction, MessageRef, Person, Place, Platform


class BadPayload(ValueError):
    """The payload lacks what we need; the adapter answers with a friendly message or ignores it."""


def s(value: Any, limit: int = 300) -> str:
    """A string field, or "" for anything else."""
    return value[:limit] if isinstance(value, str) else ""


def d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _place(channel_id: str, team_id: str, thread: str | None = None, name: str = "") -> Place:
    if not channel_id:
        raise BadPayload("no channel")
    direct = channel_id.startswith("D") or name == "directmessage"
    return Place(Platform.SLACK, channel_id, team_id, thread or None, direct, name)


def person(user_id: str, name: str = "", tz: str | None = None) -> Person:
    if not user_id:
        raise BadPayload("no user")
    return Person(Platform.SLACK, user_id, name, tz)


def command(body: dict[str, Any]) -> Command:
    name = s(body.get("command"), 40).lstrip("/").strip().lower()
    if not name:
        raise BadPayload("no command")
    return Command(
        name=name,
        text=clean(body.get("text"), 4000),
        who=person(s(body.get("user_id")), s(body.get("user_name"), 200)),
        where=_place(s(body.get("channel_id")), s(body.get("team_id")), None, s(body.get("channel_name"), 200)),
        request_id=s(body.get("trigger_id")),
    )


def _team(body: dict[str, Any]) -> str:
    return s(d(body.get("team")).get("id")) or s(body.get("team_id")) or s(d(body.get("user")).get("team_id"))


def block_action(body: dict[str, Any]) -> tuple[Interaction, str]:
    """A button press → (interaction, trigger_id). The route is the action id without its '#n' suffix."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadPayload("no action")
    action = actions[0]
    action_id = s(action.get("action_id"), 255).split("#", 1)[0]
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


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    raw = view.get("private_metadata")
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError as exc:
        raise BadPayload("unreadable private_metadata") from exc
    if not isinstance(data, dict):
        raise BadPayload("unreadable private_metadata")
    return data


#: Senders that are not people: Slackbot (its system DMs and notices).
SYSTEM_USERS = frozenset({"USLACKBOT"})


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
        text=clean(base.get("text"), 8000),
        message_id=ts,
        event_id=event_id,
        is_edit=is_edit,
    )
