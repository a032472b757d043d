"""Slack's text markup → the plain text the person typed, decoded once, on the way in.

Slack delivers typed text (messages, app mentions, slash command text, a message shortcut's message) in its
markup (https://docs.slack.dev/messaging/formatting-message-text): `&`, `<`, `>` escaped as `&amp;`,
`&lt;`, `&gt;`; people as `<@U…>` or `<@U…|name>`; channels as `<#C…|name>`; links as `<url>` or
`<url|label>`; special mentions as `<!here>`, `<!subteam^S…|@team>`; dates as `<!date^…|fallback>`.

`decode` turns that into what the person meant, for the core:

- the bot's own mention is dropped (it only addressed the command);
- another person stays named: `<@U…|name>` reads `@name`; a bare `<@U…>` is kept as that exact token, and
  the pipeline turns it into `@name` from the directory after the acknowledgement (bot/slack/mentions.py);
  the bot never sends a mention back: what it posts is escaped (bot/slack/render.py);
- `<#C…|name>` reads `#name` (`<#C…>` or `<#C…|>` with no name: `#` and the channel's id);
- `<url|label>` reads `label (url)`, `<url>` the url (an address reaches a command as typed);
- `<!here>`, `<!channel>`, user groups and dates read as plain words (`@here`, `@team`, the date's fallback):
  never a ping again when echoed;
- then `&lt;`, `&gt;`, `&amp;` become `<`, `>`, `&`, once (`&amp;lt;` is the literal `&lt;` someone typed).

Modal inputs (`plain_text_input` values) are not escaped by Slack and never pass through here.
"""

from __future__ import annotations

import re

#: One piece of markup: what lies between `<` and `>` (a typed `<` always arrives as `&lt;`).
_TOKEN = re.compile(r"<([^<>]{1,3000})>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
#: A person's id (`U…`; Enterprise Grid `W…`) and a conversation's (`C…`, private `G…`).
USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{1,20}")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
#: Special mentions that name people (kept as markup in channel chat, like a person's); a date is text.
_NAMED_SPECIAL = ("!here", "!channel", "!everyone", "!subteam")


def unescape(text: str) -> str:
    """`&amp;` `&lt;` `&gt;` → `&` `<` `>` in one pass (so `&amp;lt;` stays the typed `&lt;`)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _user(body: str, bot_user_id: str) -> str | None:
    uid, _, name = body[1:].partition("|")
    if not USER_ID.fullmatch(uid):
        return None
    if uid == bot_user_id:
        return ""
    name = unescape(name).strip().lstrip("@")
    return f"@{name}" if name else f"<@{uid}>"


def _channel(body: str) -> str | None:
    cid, _, name = body[1:].partition("|")
    if not CHANNEL_ID.fullmatch(cid):
        return None
    name = unescape(name).strip().lstrip("#")
    return f"#{name or cid}"


def _special(body: str) -> str:
    """`!here`, `!subteam^S…|@team`, `!date^…|fallback`: the label when there is one, else plain words."""
    command, _, label = body[1:].partition("|")
    word = command.split("^", 1)[0]
    if word in _SPECIAL:
        return _SPECIAL[word]
    if label:
        return unescape(label)
    return "@group" if word == "subteam" else f"@{unescape(word)}"


def _link(body: str) -> str:
    url, _, label = body.partition("|")
    url, label = unescape(url), unescape(label).strip()
    if not label or label == url:
        return url
    bare = url.split(":", 1)[1].lstrip("/") if ":" in url else url
    if label == bare:  # Slack linked what was typed ("example.com", "ana@example.com")
        return label if url.lower().startswith(("mailto:", "tel:")) else url
    return f"{label} ({url})"


#: A link's address starts with its scheme (`https:`, `mailto:`, `tel:`); anything else between `<` and `>` is
#: no markup Slack writes (`<b>` in a payload it did not escape) and stays as it came.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}:")


def _token(body: str, bot_user_id: str, names: bool = True) -> str:
    if not names and (body[:1] in ("@", "#") or body.startswith(_NAMED_SPECIAL)):
        return f"<{body}>"  # kept as Slack's markup: the scope detector reads it as a name, not as prose
    if body.startswith("@"):
        found = _user(body, bot_user_id)
    elif body.startswith("#"):
        found = _channel(body)
    elif body.startswith("!"):
        found = _special(body)
    else:
        found = _link(body) if _SCHEME.match(body) else None
    return unescape(f"<{body}>") if found is None else found


def decode(text: str, bot_user_id: str = "", *, names: bool = True) -> str:
    """Slack-formatted `text` as the plain text the person typed (see the module's docstring). With `names`
    False (channel chat, read only by the scope-creep detector), people, channels and special mentions stay
    in Slack's markup, which the detector strips as names: a channel called `#add-sso-to-mvp` is no request,
    while a `#sso` someone typed still counts."""
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(unescape(text[last:match.start()]))
        out.append(_token(match.group(1), bot_user_id, names))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)
