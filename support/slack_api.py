"""A local HTTP fake of the Slack Web API (point SLACK_API_URL at `url`), in the spirit of bolt-python's
mock Web API server: it records every call, answers like Slack does, and can inject faults.

Also serves `response_url`s: POST {url}response/<id> records what `respond()` sent; `acknowledged` records a
message a slash command's acknowledgement carried in its body (Slack shows both to the person alike).

OAuth v2 (many workspaces): `add_install_code` makes `oauth.v2.access` exchange a code (with the app's
client id and secret in HTTP Basic auth, as slack_sdk sends them) for a workspace's bot token, in the shape
of https://api.slack.com/methods/oauth.v2.access (workspace and org-wide installs); each issued token then
answers `auth.test` with its own workspace and bot, and `revoke` makes it `token_revoked` everywhere.

Scopes, as Slack checks them: every token (the single bot token too) holds the bot scopes manifest.yml asks
for, unless a test takes one away (`scopes_of(token).discard("dnd:read")`: an installation made before the
app asked for it). A method in METHOD_SCOPES called without one of its scopes answers
`{"ok": false, "error": "missing_scope", "needed": …, "provided": …}`, like Slack (`needed` and `provided`
are fields of the Web API's answers in Slack's own SDK types, e.g.
https://docs.slack.dev/tools/node-slack-sdk/reference/web-api/type-aliases/DndInfoResponse).

dnd.info answers as Slack does for a bot token: `dnd_enabled` and the next (or current) scheduled DND hours
`next_dnd_start_ts` / `next_dnd_end_ts`; the `snooze_*` fields only when the user asked about is the
token's own user ("All of the snooze_* properties will only be visible if the user being queried is also
the current user", https://docs.slack.dev/reference/methods/dnd.info/), which for a bot is never a person.

It remembers the messages posted with chat.postMessage, so conversations.history / conversations.replies
answer truthfully (with message metadata when `include_all_metadata` is set). It keeps the last view
views.publish published for each user (`homes`), as Slack keeps a person's App Home until another view
replaces it (https://docs.slack.dev/reference/methods/views.publish/), under one view id per person; views.open
and views.push give each new view its own id, and views.update keeps the id it names and answers `not_found`
for an id it never gave (https://docs.slack.dev/reference/methods/views.update/). A fault may answer with
status 0 to drop the connection without an answer (a network failure after the request arrived).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import web

from support.fake_server import FakeServer

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T1"

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
#: The bot scopes the app asks for: what every token holds unless a test takes one away.
MANIFEST_SCOPES: frozenset[str] = frozenset(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
_READ = ("channels:read", "groups:read", "im:read", "mpim:read")
_HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")
#: The scopes (any one of them) each Web API method the bot calls needs, from Slack's method reference.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",), "chat.postEphemeral": ("chat:write",), "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",), "users.info": ("users:read",), "users.list": ("users:read",),
    "dnd.info": ("dnd:read",), "conversations.info": _READ, "conversations.members": _READ,
    "conversations.history": _HISTORY, "conversations.replies": _HISTORY,
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
}

#: What a fault injects: (HTTP status, JSON body — or text, sent as text/html like a proxy's error page —,
#: headers), or None to let the call through.
FaultAnswer = tuple[int, dict[str, Any] | str, dict[str, str]] | None
Fault = Callable[[str, dict[str, Any]], FaultAnswer]


@dataclass(slots=True)
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class FakeSlackApi(FakeServer):
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {"creator":…, "members":[…]}
    dnd: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> dnd.info fields
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # what response_url received
    faults: list[Fault] = field(default_factory=list)
    #: response_url keys Slack no longer takes (past 30 minutes, or used 5 times): key -> the error it answers
    expired: dict[str, str] = field(default_factory=dict)
    #: response_url keys whose POST loses its connection before any answer (a network failure)
    dropped: set[str] = field(default_factory=set)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posted, oldest first
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts) removed by chat.delete
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> their last published Home view
    home_ids: dict[str, str] = field(default_factory=dict)  # user id -> their Home's one view id
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> the view as it stands
    latency: float = 0.0  # seconds between doing what a call asks and answering (requests stay in flight)
    client_id: str = ""  # OAuth: the app's client id and secret oauth.v2.access expects
    client_secret: str = ""
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)  # OAuth code -> oauth.v2.access answer
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # issued bot token -> its workspace
    revoked: set[str] = field(default_factory=set)
    scopes: dict[str, set[str]] = field(default_factory=dict)  # token -> its scopes (see scopes_of)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return self.address("/api/")

    def response_url(self, key: str = "r1") -> str:
        return self.address(f"/response/{key}")

    # ---- set-up helpers ----------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str = "", tz: str = "UTC", is_bot: bool = False, **extra: Any) -> None:
        self.users[user_id] = {"id": user_id, "name": name or user_id.lower(), "real_name": name or user_id,
                               "tz": tz, "is_bot": is_bot, "team_id": TEAM, **extra}

    def add_channel(self, channel_id: str, creator: str, members: list[str], *, name: str = "",
                    private: bool = False, group_dm: bool = False) -> None:
        """A conversation: a public channel, a `private` one, or a `group_dm` (an mpim, named by Slack
        `mpdm-ana--ben-1`). Its name defaults to the id in lower case."""
        self.channels[channel_id] = {"creator": creator, "members": list(members), "name": name or channel_id.lower(),
                                     "is_private": private or group_dm, "is_mpim": group_dm}

    def add_install_code(self, code: str, team_id: str | None, *, enterprise_id: str | None = None,
                         installer: str = "UINSTALLER", bot_user: str = BOT_USER, bot_id: str = BOT_ID,
                         scopes: frozenset[str] = MANIFEST_SCOPES) -> str:
        """A code Slack's consent screen would hand back; returns the bot token the exchange will issue.
        `team_id=None` with an `enterprise_id`: an org-wide (Enterprise Grid) installation. The token holds
        `scopes` (what the workspace granted)."""
        token = f"xoxb-{(team_id or enterprise_id or 'x').lower()}-{len(self.codes) + 1}-0123456789abcdef"
        org_wide = team_id is None
        self.scopes[token] = set(scopes)
        self.codes[code] = {
            "ok": True, "access_token": token, "token_type": "bot", "scope": ",".join(sorted(scopes)),
            "bot_user_id": bot_user, "app_id": "A1",
            "team": None if org_wide else {"id": team_id, "name": f"Workspace {team_id}"},
            "enterprise": {"id": enterprise_id, "name": f"Org {enterprise_id}"} if enterprise_id else None,
            "is_enterprise_install": org_wide,
            "authed_user": {"id": installer, "scope": "", "token_type": "user"},
        }
        self.tokens[token] = {"team_id": team_id, "enterprise_id": enterprise_id, "bot_user_id": bot_user,
                              "bot_id": bot_id, "org_wide": org_wide}
        return token

    def scopes_of(self, token: str) -> set[str]:
        """The scopes a token holds (the manifest's unless set): change the set to change what it may do."""
        return self.scopes.setdefault(token, set(MANIFEST_SCOPES))

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def tokens_used(self, method: str | None = None) -> list[str]:
        """The bearer token of every call (of one method), in order."""
        return [c.headers.get("Authorization", "").removeprefix("Bearer ") for c in self.calls
                if method is None or c.method == method]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 3.0) -> list[Call]:
        """Wait until `count` calls of `method` arrived (for work Bolt runs after the ack)."""
        async with asyncio.timeout(timeout):
            while len(self.calls_to(method)) < count:
                await asyncio.sleep(0.005)
        return self.calls_to(method)

    def acknowledged(self, request_body: str | bytes, status: int, content_type: str,
                     body: bytes) -> dict[str, Any] | None:
        """What Slack does with the acknowledgement of a slash command it sent (`request_body`): a message in the
        ack's body is shown to the person, like one posted to the command's response_url, so it is recorded in
        `responses` the same way (with `"_via": "ack"`). Returns it; None when the ack carried no message."""
        if status != 200 or content_type != "application/json" or not body:
            return None
        raw = request_body.decode(errors="replace") if isinstance(request_body, bytes) else request_body
        request = dict(parse_qsl(raw))
        if not request.get("command"):
            return None
        try:
            message = json.loads(body)
        except ValueError:
            return None
        if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
            return None
        url = request.get("response_url", "")
        key = url.rsplit("/response/", 1)[1] if "/response/" in url else ""
        recorded = {**message, "_key": key, "_via": "ack"}
        self.responses.append(recorded)
        return recorded

    async def wait_for_responses(self, count: int = 1, timeout: float = 3.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.responses) < count:
                await asyncio.sleep(0.005)
        return self.responses

    # ---- server ------------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/api/{method}", self._api), web.post("/response/{key}", self._response)]

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                loaded = json.loads(body)
                if isinstance(loaded, dict):
                    params.update(loaded)
            else:
                params.update(dict(parse_qsl(body.decode())))
        for key in ("blocks", "view", "metadata"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.match_info["key"]
        if key in self.dropped:
            return _drop(request)
        if key in self.expired:  # nothing shown to the person; the answer says why, in a word
            return web.Response(status=404, text=self.expired[key])
        body["_key"] = key
        self.responses.append(body)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, dict(request.headers)))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if method == "oauth.v2.access":
            return web.json_response(self._exchange(request, params))
        if token in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        needed = METHOD_SCOPES.get(method, ())
        held = self.scopes_of(token)
        if needed and not held.intersection(needed):
            return web.json_response({"ok": False, "error": "missing_scope", "needed": ",".join(needed),
                                      "provided": ",".join(sorted(held))})
        if method == "auth.test" and token in self.tokens:
            known = self.tokens[token]
            return web.json_response({"ok": True, "user_id": known["bot_user_id"], "bot_id": known["bot_id"],
                                      "team_id": known["team_id"], "enterprise_id": known["enterprise_id"],
                                      "is_enterprise_install": known["org_wide"], "user": "steadybot"})
        for fault in self.faults:
            injected = fault(method, params)
            if injected is not None:
                status, body, headers = injected
                if status == 0:
                    return _drop(request)
                if isinstance(body, str):
                    return web.Response(text=body, status=status, headers=headers, content_type="text/html")
                return web.json_response(body, status=status, headers=headers)
        answer = self.answer(method, params)  # done (a message is posted) before the answer travels back
        if self.latency:
            await asyncio.sleep(self.latency)
        return web.json_response(answer)

    def _exchange(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        import base64

        basic = request.headers.get("Authorization", "")
        given = base64.b64decode(basic.removeprefix("Basic ")).decode() if basic.startswith("Basic ") else \
            f"{params.get('client_id', '')}:{params.get('client_secret', '')}"
        if given != f"{self.client_id}:{self.client_secret}":
            return {"ok": False, "error": "invalid_client_id" if not given.startswith(self.client_id + ":")
                    else "bad_client_secret"}
        answer = self.codes.pop(str(params.get("code", "")), None)  # a code is good once
        return answer if answer is not None else {"ok": False, "error": "invalid_code"}

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted (to one channel, or everywhere), oldest first."""
        if channel is not None:
            return list(self.messages.get(channel, []))
        return [m for messages in self.messages.values() for m in messages]

    def _history(self, params: dict[str, Any], thread: str | None) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        posted = self.messages.get(channel, [])
        if thread is None:
            chosen = [m for m in posted if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
        else:
            chosen = [m for m in posted if m["ts"] == thread or m.get("thread_ts") == thread]
        chosen = list(reversed(chosen)) if thread is None else chosen  # history: newest first
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        start = int(params.get("cursor") or 0)
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        page = chosen[start:start + limit]
        messages = [{k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in page]
        more = start + limit < len(chosen)
        return {"ok": True, "messages": messages, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "user": "steadybot"}
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            message: dict[str, Any] = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts,
                                       "text": params.get("text")}
            if params.get("thread_ts"):
                message["thread_ts"] = str(params["thread_ts"])
            if isinstance(params.get("metadata"), dict):
                message["metadata"] = params["metadata"]
            self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.delete":  # as Slack: the bot's own message by channel and ts, else message_not_found
            channel = str(params.get("channel", ""))
            ts = str(params.get("ts", ""))
            posted = self.messages.get("D" + channel[1:] if channel.startswith("U") else channel, [])
            for i, message in enumerate(posted):
                if message.get("ts") == ts:
                    del posted[i]
                    self.deleted.append((channel, ts))
                    return {"ok": True, "channel": channel, "ts": ts}
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": False, "error": "message_not_found"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "views.publish":  # the user's Home is this view until another one replaces it
            user_id, view = str(params.get("user_id") or ""), params.get("view")
            if not user_id or not isinstance(view, dict):
                return {"ok": False, "error": "invalid_arguments"}
            self.homes[user_id] = view
            view_id = self.home_ids.setdefault(user_id, f"VH{next(self._ts)}")
            self.views[view_id] = view
            return {"ok": True, "view": {**view, "id": view_id}}
        if method in ("views.open", "views.push"):  # a new view, with its own id
            view = params.get("view")
            if not isinstance(view, dict):
                return {"ok": False, "error": "invalid_arguments"}
            view_id = f"V{next(self._ts)}"
            self.views[view_id] = view
            return {"ok": True, "view": {**view, "id": view_id}}
        if method == "views.update":  # the view it names keeps its id; one it never issued is not_found
            view, view_id = params.get("view"), str(params.get("view_id") or "")
            external = str(params.get("external_id") or "")
            if external:
                view_id = next((i for i, v in self.views.items() if v.get("external_id") == external), "")
            if not isinstance(view, dict) or not (view_id or external):
                return {"ok": False, "error": "invalid_arguments"}
            if view_id not in self.views:
                return {"ok": False, "error": "not_found"}
            self.views[view_id] = view
            return {"ok": True, "view": {**view, "id": view_id}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "dnd.info":  # https://docs.slack.dev/reference/methods/dnd.info/ (see the module's doc)
            asked = str(params.get("user") or BOT_USER)
            dnd_state = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1,
                         "snooze_enabled": False, **self.dnd.get(asked, {})}
            if asked != BOT_USER:  # asked about someone else: no snooze_* fields
                dnd_state = {k: v for k, v in dnd_state.items() if not k.startswith("snooze_")}
            return {"ok": True, **dnd_state}
        if method == "users.list":
            everyone = list(self.users.values())
            start = int(params.get("cursor") or 0)
            limit = max(1, min(int(params.get("limit") or 0) or 1000, 1000))
            more = start + limit < len(everyone)
            return {"ok": True, "members": everyone[start:start + limit],
                    "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
        if method == "conversations.info":
            channel_id = str(params.get("channel"))
            info = self.channels.get(channel_id)
            if info is None:
                return {"ok": False, "error": "channel_not_found"}
            # the fields of a conversation object (docs.slack.dev/reference/objects/conversation-object)
            private, mpim = bool(info.get("is_private")), bool(info.get("is_mpim"))
            return {"ok": True, "channel": {
                "id": channel_id, "name": info.get("name") or channel_id.lower(), "creator": info["creator"],
                "is_channel": not mpim, "is_group": private and not mpim, "is_im": False, "is_mpim": mpim,
                "is_private": private, "is_archived": False, "is_general": False,
                "name_normalized": info.get("name") or channel_id.lower()}}
        if method == "conversations.members":
            info = self.channels.get(str(params.get("channel")))
            if info is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "members": info["members"], "response_metadata": {"next_cursor": ""}}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method == "conversations.history":
            return self._history(params, None)
        if method == "conversations.replies":
            return self._history(params, str(params.get("ts", "")))
        return {"ok": True}


def _drop(request: web.Request) -> web.Response:
    """Lose the connection before any answer (a network failure): the client never learns what happened."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)
