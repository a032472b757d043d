"""A local fake of the Bot Framework connector service (the activity's `serviceUrl`).

It records what the bot sends (new activities, replies, updates, conversation creation) and serves the
roster, so real activities go through real botbuilder with nothing of the SDK mocked. The roster is
`members` for every conversation, unless `rosters` gives a conversation (a channel of another team) its own.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from support.fake_server import FakeServer

BOT_ID = "28:steadybot-app"
TENANT = "tenant-1"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:team-general@thread.tacv2"
TEAM_GROUP_ID = "0d7d0b4c-2f5e-4b8e-9c1a-6f1e2d3c4b5a"  # the team's Azure AD group id (Microsoft Graph's team id)

#: What the connector answers a post into a conversation the bot is not a member of (a chat or channel the
#: app was never added to): HTTP 403 with this body (msteams-docs, bots/how-to/conversations/
#: conversation-messages.md, "Status codes from bot conversational APIs"; the body as reported verbatim in
#: MicrosoftDocs/bot-docs issue 1527).
NOT_IN_ROSTER: dict[str, Any] = {"error": {"code": "BotNotInConversationRoster",
                                           "message": "The bot is not part of the conversation roster."}}

#: What a fault injects: (HTTP status, JSON body, headers), or None to let the call through.
FaultAnswer = tuple[int, dict[str, Any], dict[str, str]] | None
Fault = Callable[[str, str, dict[str, Any]], FaultAnswer]


@dataclass(slots=True)
class Sent:
    kind: str  # "send" | "reply" | "update" | "create" | "delete"
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment.get("content")
        return None

    @property
    def adaptive_card(self) -> dict[str, Any]:
        """The Adaptive Card, for tests that expect one (fails clearly when the activity has none)."""
        card = self.card
        assert card is not None, f"no Adaptive Card in {self.activity!r}"
        return card

    @property
    def text(self) -> str:
        """All text in the activity and its card, for assertions."""
        parts = [self.activity.get("text") or ""]
        card = self.card or {}
        for block in card.get("body", []):
            if block.get("type") == "TextBlock":
                parts.append(block.get("text", ""))
            if block.get("type") == "FactSet":
                parts.extend(f"{f['title']}: {f['value']}" for f in block.get("facts", []))
        return "\n".join(p for p in parts if p)


@dataclass
class FakeConnector(FakeServer):
    members: list[dict[str, Any]] = field(default_factory=list)
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # conversation id -> its own members
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)  # meeting id -> MeetingInfo JSON
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    team_requests: list[str] = field(default_factory=list)
    latency: float = 0.0  # seconds between recording what was sent and answering (sends stay in flight)
    # Conversations (ids without `;messageid=…`) the bot is not in: posting, replying or updating there is
    # refused with 403 BotNotInConversationRoster, as the real connector does.
    not_in: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return self.address("/")

    def add_member(self, user_id: str, name: str, aad: str, role: str = "user", *, conversation: str = "") -> None:
        """A member of every conversation, or (`conversation`) of that one's own roster."""
        roster = self.rosters.setdefault(conversation, []) if conversation else self.members
        roster.append({"id": user_id, "name": name, "aadObjectId": aad, "userRole": role,
                       "tenantId": TENANT, "userPrincipalName": f"{name.lower()}@example.com"})

    def roster(self, request: web.Request) -> list[dict[str, Any]]:
        """The members of the request's conversation."""
        return self.rosters.get(unquote(request.match_info["conv"]), self.members)

    async def wait_for(self, count: int = 1, timeout: float = 3.0, kind: str | None = None) -> list[Sent]:
        async with asyncio.timeout(timeout):
            while len([s for s in self.sent if kind is None or s.kind == kind]) < count:
                await asyncio.sleep(0.005)
        return [s for s in self.sent if kind is None or s.kind == kind]

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v3/conversations", self._create),
            web.post("/v3/conversations/{conv}/activities", self._send),
            web.post("/v3/conversations/{conv}/activities/{activity}", self._reply),
            web.put("/v3/conversations/{conv}/activities/{activity}", self._update),
            web.delete("/v3/conversations/{conv}/activities/{activity}", self._delete),
            web.get("/v3/conversations/{conv}/pagedmembers", self._paged_members),
            web.get("/v3/conversations/{conv}/members", self._members),
            web.get("/v3/conversations/{conv}/members/{member}", self._member),
            web.get("/v3/teams/{team}", self._team),
            web.get("/v1/meetings/{meeting}", self._meeting),
        ]

    def _fault(self, kind: str, conversation: str, body: dict[str, Any]) -> web.Response | None:
        for fault in self.faults:
            injected = fault(kind, conversation, body)
            if injected is not None:
                status, payload, headers = injected
                return web.json_response(payload, status=status, headers=headers)
        return None

    async def _record(self, request: web.Request, kind: str) -> web.Response:
        conversation = unquote(request.match_info["conv"])
        body = await request.json()
        if (fault := self._fault(kind, conversation, body)) is not None:
            return fault
        if conversation.split(";", 1)[0] in self.not_in:
            return web.json_response(NOT_IN_ROSTER, status=403)
        reply_to = unquote(request.match_info["activity"]) if "activity" in request.match_info else None
        answer = {"id": reply_to if kind == "update" else f"activity-{next(self._ids)}"}
        self.sent.append(Sent(kind, conversation, {**body, "_id": answer["id"]}, reply_to, dict(request.headers)))
        if self.latency:
            await asyncio.sleep(self.latency)
        return web.json_response(answer)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update")

    async def _delete(self, request: web.Request) -> web.Response:
        """Bot Framework DeleteActivity: 200 for an activity the bot sent (and not deleted yet), else 404."""
        conversation = unquote(request.match_info["conv"])
        activity = unquote(request.match_info["activity"])
        if (fault := self._fault("delete", conversation, {})) is not None:
            return fault
        known = any(s.conversation_id == conversation and s.activity.get("_id") == activity for s in self.sent
                    if s.kind in ("send", "reply"))
        gone = any(s.kind == "delete" and s.conversation_id == conversation and s.reply_to == activity
                   for s in self.sent)
        if not known or gone:
            return web.json_response({"error": {"code": "NotFound", "message": "activity not found"}}, status=404)
        self.sent.append(Sent("delete", conversation, {}, activity, dict(request.headers)))
        return web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (fault := self._fault("create", "", body)) is not None:
            return fault
        self.created.append(body)
        member = (body.get("members") or [{}])[0].get("id", "unknown")
        return web.json_response({"id": f"a:1on1-{member}", "activityId": f"activity-{next(self._ids)}",
                                  "serviceUrl": self.url})

    async def _team(self, request: web.Request) -> web.Response:
        """Team details (TeamsInfo.get_team_details): the team's Azure AD group id among them."""
        team = unquote(request.match_info["team"])
        self.team_requests.append(team)
        if team != TEAM_ID:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"id": TEAM_ID, "name": "Team", "aadGroupId": TEAM_GROUP_ID})

    async def _paged_members(self, request: web.Request) -> web.Response:
        return web.json_response({"members": self.roster(request), "continuationToken": None})

    async def _meeting(self, request: web.Request) -> web.Response:
        """GET /v1/meetings/{id}: Teams' meeting details (MeetingInfo), as set by the test."""
        meeting = self.meetings.get(unquote(request.match_info["meeting"]))
        if meeting is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(meeting)

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(self.roster(request))

    async def _member(self, request: web.Request) -> web.Response:
        member_id = unquote(request.match_info["member"])
        for member in self.roster(request):
            if member["id"] == member_id or member["aadObjectId"] == member_id:
                return web.json_response(member)
        # What the Teams connector answers for someone not (or no longer) in the conversation, e.g. a guest
        # or a member who left again (the code Microsoft's samples check for).
        return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                            "message": "The member was not found in the conversation."}},
                                 status=404)
