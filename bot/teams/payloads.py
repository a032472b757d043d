"""Bot Framework activities → core types. Tolerant of missing fields and wrong types.

`inbound` is what the Teams middleware (bot/teams/middleware.py) hands the shared pipeline: a `Typed` line
for a 1:1 chat or an @mention of the bot (the mention markup stripped here, so the core never sees it), a
`ChatMessage` for channel chat the watchers read, or an `Interaction` for card data (an Action.Submit
message, an `adaptiveCard/action` or a `task/submit` invoke), sealed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from botbuilder.schema import Activity, ActivityTypes

from bot.inbound import Inbound, Typed
from bot.teams.render import ACTION_KEY, CONTEXT_KEY, FORM_KEY, VALUE_KEY
from handlers.core.text import clean
from handlers.core.types import ChatMessage, Interaction, MessageRef, Person, Place, Platform

#: Teams marks a mention up as `<at>name</at>` in the message text.
_MENTION = re.compile(r"<at>([^<]{0,200})</at>", re.IGNORECASE)
#: The space typed after a mention can arrive as the entity `&nbsp;` (handlers/scope/detector.py reads it so too).
_NBSP = re.compile(r"&nbsp;", re.IGNORECASE)
#: Invokes whose card data is a button press or a form submission.
CARD_INVOKES = frozenset({"adaptiveCard/action", "task/submit"})


def _s(value: Any, limit: int = 300) -> str:
    """A string field, cut to `limit`, without lone surrogates (JSON's "\\ud800" parses to a string no
    database can store: it failed the whole turn)."""
    if not isinstance(value, str):
        return ""
    value = value[:limit]
    return value if value.isascii() else value.encode("utf-8", "ignore").decode("utf-8")


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
        _s(getattr(sender, "aad_object_id", None), 64) or None,  # the Azure AD object id: Person.alt_id
    )


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def team_id(activity: Activity) -> str:
    team = channel_data(activity).get("team")
    return _s(team.get("id")) if isinstance(team, dict) else ""


def channel_id(activity: Activity) -> str:
    """The channel a channel event (`channelData.channel`) is about; "" when there is none."""
    channel = channel_data(activity).get("channel")
    return _s(channel.get("id")) if isinstance(channel, dict) else ""


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
    kind = _s(getattr(conversation, "conversation_type", None))
    # Teams names the kind of every conversation; one that does not is read as shared whenever anything says
    # it is (`isGroup`, a team, a message thread): a private answer (`pulse me`) must never reach a group
    personal = kind == "personal" if kind else not (
        getattr(conversation, "is_group", None) is True or team_id(activity) or message_part)
    thread = message_part or None
    return Place(Platform.TEAMS, channel_id, team_id(activity), thread, personal,
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


def mentions_bot(activity: Activity) -> bool:
    """Whether the bot is @mentioned (read defensively: botbuilder's helpers raise on odd entities)."""
    return bool(_bot_mentions(activity))


def _bot_mentions(activity: Activity) -> list[dict[str, Any]]:
    """The mention entities' properties that name the bot (the activity's recipient)."""
    recipient = getattr(activity.recipient, "id", None)
    found: list[dict[str, Any]] = []
    for entity in activity.entities or []:
        if not isinstance(getattr(entity, "type", None), str) or entity.type.lower() != "mention":
            continue
        props = getattr(entity, "additional_properties", None)
        if not isinstance(props, dict):
            continue
        mentioned = props.get("mentioned")
        if isinstance(mentioned, dict) and recipient and mentioned.get("id") == recipient:
            found.append(props)
    return found


def bot_names(activity: Activity) -> frozenset[str]:
    """How the bot's own mentions read inside `<at>…</at>` (lower case): the name in each mention entity of the
    bot and in its `text`, and the recipient's name."""
    names = {_s(getattr(activity.recipient, "name", None))}
    for props in _bot_mentions(activity):
        names.add(_s(props["mentioned"].get("name")))
        names.update(m.group(1) for m in _MENTION.finditer(_s(props.get("text"))))
    return frozenset(n.strip().lower() for n in names if n.strip())


def without_mentions(text: str, bot: frozenset[str] | None = None) -> str:
    """A line typed to the bot with the bot's `<at>…</at>` mentions taken out: what the person asked. Anyone
    else mentioned stays as their name (`/agenda add sync with <at>Dana</at>` adds "sync with Dana"); with
    `bot` not given, every mention is taken out."""
    text = _MENTION.sub(lambda m: " " if bot is None or m.group(1).strip().lower() in bot else m.group(1), text)
    return (_NBSP.sub(" ", text) if "&" in text else text).strip()


def card_data(activity: Activity) -> Any:
    """The card data of an `adaptiveCard/action` (an Action.Execute's `data`) or `task/submit` invoke;
    None when there is none (or the action is not an Action.Execute)."""
    value = activity.value if isinstance(activity.value, dict) else {}
    if activity.name == "task/submit":
        return value.get("data")
    action = value.get("action")
    return action.get("data") if isinstance(action, dict) and action.get("type") == "Action.Execute" else None


def inbound(activity: Activity) -> Inbound | None:
    """The request this activity makes of the core, or None when it makes none (lifecycle events, invokes
    with no card data of ours, proactive turns)."""
    kind = activity.type
    if kind == ActivityTypes.message:
        card: Any = None
    elif kind == ActivityTypes.invoke and activity.name in CARD_INVOKES:
        card = card_data(activity)
        if not isinstance(card, dict):
            return None
    else:
        return None
    who, where = person(activity), place(activity)
    if who is None or where is None:
        return None
    key = f"teams:activity:{_s(activity.id)}"  # no id: never taken for a redelivery (bot/inbound.py)
    home = tenant_id(activity)  # Teams people belong to their tenant, not to one team
    if card is not None:
        shadow: Activity = copy.copy(activity)
        shadow.value = card
        pressed = interaction(shadow, who, where)
        return Inbound(pressed, key, home=home) if pressed is not None else None
    pressed = interaction(activity, who, where)
    if pressed is not None:
        return Inbound(pressed, key, home=home)
    raw = activity.text if isinstance(activity.text, str) else ""
    if where.is_direct or mentions_bot(activity):
        return Inbound(Typed(without_mentions(raw, bot_names(activity)), who, where, _s(activity.id)), key,
                       home=home)
    # Channel chat the bot may read (resource-specific consent): the watchers decide, and claim what they
    # answer, so it carries no de-duplication key (bot/inbound.py).
    return Inbound(ChatMessage(who, where, raw, _s(activity.id), _s(activity.id), False))
