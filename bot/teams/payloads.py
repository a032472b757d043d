"""Bot Framework activities → core types. Tolerant of missing fields and wrong types."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.teams.render import ACTION_KEY, CONTEXT_KEY, FORM_KEY, VALUE_KEY
from handlers.core.text import clean
from handlers.core.types import Interaction, MessageRef, Person, Place, Platform


def _s(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


def person(activity: Activity) -> Person | None:
    sender = activity.from_property
    if sender is None or not _s(getattr(sender, "id", None)):
        return None
    return Person(
        Platform.TEAMS,
        _s(sender.id),
        _s(getattr(sender, "name", None), 200),
        _s(getattr(activity, "local_timezone", None), 64) or None,
        False,
        _s(getattr(sender, "aad_object_id", None), 64) or None,
    )


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def team_id(activity: Activity) -> str:
    team = channel_data(activity).get("team")
    return _s(team.get("id")) if isinstance(team, dict) else ""


def tenant_id(activity: Activity) -> str:
    tenant = channel_data(activity).get("tenant")
    if isinstance(tenant, dict) and _s(tenant.get("id")):
        return _s(tenant.get("id"))
    conversation = activity.conversation
    return _s(getattr(conversation, "tenant_id", None)) if conversation else ""


def place(activity: Activity) -> Place | None:
    conversation = activity.conversation
    raw_id = _s(getattr(conversation, "id", None), 500) if conversation else ""
    if not raw_id:
        return None
    channel_id, _, message_part = raw_id.partition(";messageid=")
    kind = _s(getattr(conversation, "conversation_type", None)) or "personal"
    thread = message_part or None
    return Place(Platform.TEAMS, channel_id, team_id(activity), thread, kind == "personal",
                 _s(getattr(conversation, "name", None), 200))


def interaction(activity: Activity, who: Person, where: Place) -> Interaction | None:
    """Action.Submit payloads (buttons and forms) arrive as message activities with a `value` object."""
    value = activity.value
    if not isinstance(value, dict):
        return None
    ref = MessageRef(Platform.TEAMS, where.channel_id, _s(activity.reply_to_id)) if activity.reply_to_id else None
    if _s(value.get(FORM_KEY)):
        fields = {
            str(k)[:100]: clean(v, 3000) if isinstance(v, str) else clean(str(v), 100)
            for k, v in value.items()
            if isinstance(k, str) and not k.startswith("steadybot_") and isinstance(v, str | int | float | bool)
        }
        return Interaction(_s(value.get(FORM_KEY), 100), _s(value.get(CONTEXT_KEY), 2000), who, where,
                           _s(activity.id), fields, ref)
    if _s(value.get(ACTION_KEY)):
        return Interaction(_s(value.get(ACTION_KEY), 255), _s(value.get(VALUE_KEY), 2000), who, where,
                           _s(activity.id), None, ref)
    return None
