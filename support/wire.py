"""Building real wire requests: signed Slack bodies and Bot Framework activities."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from support import bf_connector

_ids = itertools.count(1)


def slack_headers(secret: str, body: str, timestamp: int | None = None,
                  content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


def slash_body(command: str, text: str = "", *, user: str = "U1", channel: str = "C1", team: str = "T1",
               response_url: str = "", trigger_id: str | None = None, channel_name: str = "team") -> str:
    return urlencode({
        "token": "legacy", "team_id": team, "team_domain": "acme", "channel_id": channel,
        "channel_name": channel_name, "user_id": user, "user_name": user.lower(), "command": command, "text": text,
        "api_app_id": "A1", "response_url": response_url, "trigger_id": trigger_id or f"trig-{next(_ids)}",
    })


def interactive_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action(action_id: str, value: str, *, user: str = "U1", channel: str = "C1", message_ts: str = "1.000001",
                 response_url: str = "", team: str = "T1", trigger_id: str | None = None,
                 is_ephemeral: bool = False) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "trigger_id": trigger_id or f"trig-{next(_ids)}",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                      "is_ephemeral": is_ephemeral},
        "channel": {"id": channel},
        "message": {"ts": message_ts, "text": "…"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }


def view_submission(metadata: dict[str, Any] | str, values: dict[str, str], *, user: str = "U1", team: str = "T1",
                    view_id: str | None = None) -> dict[str, Any]:
    """A modal submission; `metadata` is the private_metadata the bot set (a sealed string), or a dict
    (sent as JSON, as a forger would)."""
    state = {
        field: {field: {"type": "plain_text_input", "value": value}} for field, value in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "view": {"id": view_id or f"V{next(_ids)}", "type": "modal",
                 "callback_id": f"form:{metadata.get('f') if isinstance(metadata, dict) else 'x'}",
                 "private_metadata": metadata if isinstance(metadata, str) else json.dumps(metadata),
                 "state": {"values": state}, "hash": "h"},
    }


def unsealed(token: str) -> str:
    """The value inside a sealed button value (bot/sealing.py), read without checking the seal: for tests
    that look at what the bot put in a button."""
    body = token.split(".", 1)[0]
    action_value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return str(action_value[1])


def sealed_body(action: str, value: str) -> str:
    """The payload part of a sealed value (bot/sealing.py) for `action` and `value`, without a valid MAC:
    what a forger can build."""
    data = json.dumps([action, value], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsealed_metadata(token: str) -> dict[str, Any]:
    """A Slack modal's sealed private_metadata, read without checking the seal."""
    body = token.split(".", 1)[0]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def event_body(event: dict[str, Any], *, team: str = "T1", event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids)}", "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    })


def teams_activity(text: str = "", *, service_url: str, user: str = "29:u1", name: str = "Ana", aad: str = "aad-1",
                   conversation: str | None = None, conversation_type: str = "personal",
                   value: dict[str, Any] | None = None, mention: bool = False, activity_id: str | None = None,
                   reply_to_id: str | None = None, local_timezone: str | None = None,
                   activity_type: str = "message") -> dict[str, Any]:
    conv_id = conversation or (f"a:1on1-{user}" if conversation_type == "personal" else
                               f"{bf_connector.CHANNEL_ID};messageid=1700000000001")
    activity: dict[str, Any] = {
        "type": activity_type,
        "id": activity_id or f"activity-in-{next(_ids)}",
        "timestamp": "2026-03-02T09:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user, "name": name, "aadObjectId": aad},
        "conversation": {"id": conv_id, "conversationType": conversation_type, "tenantId": bf_connector.TENANT,
                         "isGroup": conversation_type != "personal"},
        "recipient": {"id": bf_connector.BOT_ID, "name": "steadybot"},
        "text": text,
        "locale": "en-US",
        "channelData": {"tenant": {"id": bf_connector.TENANT}},
    }
    if conversation_type == "channel":
        activity["channelData"]["team"] = {"id": bf_connector.TEAM_ID}
        activity["channelData"]["channel"] = {"id": bf_connector.CHANNEL_ID}
    if mention:
        activity["text"] = f"<at>steadybot</at> {text}"
        activity["entities"] = [{"type": "mention", "text": "<at>steadybot</at>",
                                 "mentioned": {"id": bf_connector.BOT_ID, "name": "steadybot"}}]
    if value is not None:
        activity["value"] = value
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    if local_timezone:
        activity["localTimezone"] = local_timezone
    return activity
