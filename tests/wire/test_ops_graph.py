"""Teams team owners through Microsoft Graph: signed activities into real botbuilder, the connector's team
details for the team's group id, a client-credentials token and `/teams/{id}/members` from a fake Graph
that behaves like the real one (401 without a token, 403 without consent, 404 unknown team, paging)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.teams.graph import NOT_GRANTED, OK, UNAVAILABLE, UNKNOWN_TEAM, GraphClient, login_url_for
from support import bf_connector, wire
from support.bf_connector import FakeConnector, Sent
from tests.support.fakes.graph import FakeGraph, GraphMember
from tests.support.teams_signed import APP_ID, APP_PASSWORD, SignedTeams, teams_with_keys

GROUP = bf_connector.TEAM_GROUP_ID
PEOPLE = {"29:lead": ("Lea", "aad-lead"), "29:u1": ("Ana", "aad-1"), "29:u2": ("Ben", "aad-2"),
          "29:u3": ("Cy", "aad-3"), "29:admin": ("Ada", "aad-admin"),
          "29:u4": ("Dee", "aad-4"), "29:u5": ("Eve", "aad-5")}  # five besides whoever sends a pulse (k = 5)


@dataclass
class TeamsGraph:
    keys: SignedTeams
    graph: FakeGraph

    @property
    def connector(self) -> FakeConnector:
        return self.keys.connector

    async def say(self, text: str, user: str = "29:lead") -> str:
        """Mention the bot in the team's channel; the answer it sends there. The clock is the harness's
        fake one and the outbox is drained only on request, so pulse DMs never come in between."""
        name, aad = PEOPLE[user]
        activity = wire.teams_activity(text, service_url=self.connector.url, user=user, name=name, aad=aad,
                                       conversation_type="channel", mention=True)
        before = len(self.connector.sent)
        assert await self.keys.post(activity, self.keys.bearer()) in (200, 201)
        assert await self.keys.bot.runtime.lane.settle(10.0)
        sent: list[Sent] = await self.connector.wait_for(before + 1)
        return sent[before].text.replace("**", "")


@pytest.fixture
async def teams_graph(sqlite_url: str) -> AsyncIterator[TeamsGraph]:
    graph = await FakeGraph(APP_ID, APP_PASSWORD, page_size=2).start()
    try:
        async with teams_with_keys(sqlite_url, slack=False, graph_url=graph.graph_url,
                                   graph_login_url=graph.login_url, admins=frozenset({"aad-admin"})) as keys:
            for user, (name, aad) in PEOPLE.items():  # the connector's roster says nobody owns the team
                keys.connector.add_member(user, name, aad, role="user")
            yield TeamsGraph(keys, graph)
    finally:
        await graph.close()


def members(owner_last: bool = True) -> list[GraphMember]:
    """Five members, two a page: the owner on the last page, so only a full walk of the pages finds them."""
    people = [GraphMember("aad-1", "Ana"), GraphMember("aad-2", "Ben"), GraphMember("aad-3", "Cy"),
              GraphMember("aad-admin", "Ada"), GraphMember("aad-lead", "Lea", owner=True)]
    return people if owner_last else list(reversed(people))


async def test_a_team_owner_per_graph_schedules_and_closes_pulses_without_being_an_admin(
        teams_graph: TeamsGraph) -> None:
    teams_graph.graph.add_team(GROUP, members())
    assert "Only the channel's creator" in await teams_graph.say("pulse now", user="29:u1")  # not an owner
    assert "on its way to" in await teams_graph.say("pulse now")
    scheduled = await teams_graph.say("pulse schedule every friday at 3pm")
    assert "Only" not in scheduled and "friday" in scheduled.lower()
    closed = await teams_graph.say("pulse close")
    assert "Only" not in closed and "closed" in closed.lower()
    assert "Only" not in await teams_graph.say("pulse stop")
    # Graph was asked properly: the group id from the connector's team details, a token for the team's
    # tenant, every page walked, and the answer cached (one walk for all those commands)
    assert teams_graph.connector.team_requests == [bf_connector.TEAM_ID]
    token_request = teams_graph.graph.token_requests[0]
    assert token_request["tenant"] == bf_connector.TENANT and token_request["grant_type"] == "client_credentials"
    assert token_request["scope"].endswith("/.default") and token_request["client_id"] == APP_ID
    assert len(teams_graph.graph.token_requests) == 1
    pages = teams_graph.graph.member_requests
    assert len(pages) == 3 and all(f"/teams/{GROUP}/members" in url for url in pages)
    assert "$skiptoken=" in pages[1] and "$skiptoken=" in pages[2]


async def test_without_consent_only_admins_may_and_the_refusal_says_why(teams_graph: TeamsGraph) -> None:
    teams_graph.graph.add_team(GROUP, members(), consented=False)
    refused = await teams_graph.say("pulse now")
    assert "Only the channel's creator" in refused
    assert "has not been granted" in refused and "TeamMember.Read.Group" in refused
    assert "STEADYBOT_ADMINS" in refused
    settings = await teams_graph.say("steadybot settings min 4")
    assert "TeamMember.Read.Group" in settings
    assert "on its way to" in await teams_graph.say("pulse now", user="29:admin")  # the fallback: admins


async def test_graph_client_handles_401_403_404_and_caches(teams_graph: TeamsGraph) -> None:
    graph = teams_graph.graph
    graph.add_team(GROUP, members(owner_last=False))
    graph.add_team("group-no-consent", members(), consented=False)
    now = [1000.0]
    client = GraphClient(APP_ID, APP_PASSWORD, graph_url=graph.graph_url, login_url=graph.login_url,
                         monotonic=lambda: now[0])
    try:
        found = await client.team_owners("tenant-1", GROUP)
        assert found.status == OK and found.ids == {"aad-lead"} and found.reason is None
        walks = len(graph.member_requests)
        assert (await client.team_owners("tenant-1", GROUP)).ids == {"aad-lead"}
        assert len(graph.member_requests) == walks  # cached
        now[0] += 601  # the cache runs out; meanwhile Graph forgot the token (revoked): 401, one fresh token
        graph.revoke_tokens()
        assert (await client.team_owners("tenant-1", GROUP)).ids == {"aad-lead"}
        assert len(graph.token_requests) == 2
        refused = await client.team_owners("tenant-1", "group-no-consent")
        assert refused.status == NOT_GRANTED and not refused.ids and "TeamMember.Read.Group" in (refused.reason or "")
        unknown = await client.team_owners("tenant-1", "no-such-group")
        assert unknown.status == UNKNOWN_TEAM and unknown.reason
        graph.tenants = {"tenant-1"}
        other = await client.team_owners("another-tenant", GROUP)  # the app is not in that tenant
        assert other.status == NOT_GRANTED
    finally:
        await client.close()
    wrong = GraphClient(APP_ID, "wrong-password", graph_url=graph.graph_url, login_url=graph.login_url)
    try:
        assert (await wrong.team_owners("tenant-1", GROUP)).status == NOT_GRANTED
    finally:
        await wrong.close()
    down = GraphClient(APP_ID, APP_PASSWORD, graph_url="http://127.0.0.1:9/v1.0/", login_url="http://127.0.0.1:9/",
                       timeout=2)
    try:
        assert (await down.team_owners("tenant-1", GROUP)).status == UNAVAILABLE
    finally:
        await down.close()


async def test_a_next_page_on_another_port_of_graph_s_host_is_not_followed_with_the_token(
        teams_graph: TeamsGraph) -> None:
    """The bearer token goes with every page: a `@odata.nextLink` on Graph's host name but another port is refused
    (only the host was compared before; the scheme and the port are compared now too)."""
    graph = teams_graph.graph
    graph.add_team(GROUP, members(owner_last=True))  # more than one page: the owner is on a later one
    other = await FakeGraph(APP_ID, APP_PASSWORD).start()
    try:
        graph.next_origin = f"http://127.0.0.1:{other.port}"
        client = GraphClient(APP_ID, APP_PASSWORD, graph_url=graph.graph_url, login_url=graph.login_url)
        try:
            found = await client.team_owners("tenant-1", GROUP)
        finally:
            await client.close()
        assert found.status == UNAVAILABLE and not found.ids
        assert other.member_requests == []  # never reached, token or not
        assert len(graph.member_requests) == 1
    finally:
        await other.close()


def test_graph_login_url_follows_the_cloud() -> None:
    assert login_url_for("", "") == "https://login.microsoftonline.com/"
    assert login_url_for("", "https://login.microsoftonline.us/botframework.com") == "https://login.microsoftonline.us/"
    assert login_url_for("http://127.0.0.1:5/", "https://x/") == "http://127.0.0.1:5/"


def test_the_package_asks_for_team_member_consent() -> None:
    from tests.wire.test_app_packages import TEAMS

    manifest: dict[str, Any] = json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8"))
    permissions = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {"name": "TeamMember.Read.Group", "type": "Application"} in permissions
    assert float(manifest["manifestVersion"]) >= 1.12  # RSC in authorization.permissions needs 1.12+
    assert manifest["webApplicationInfo"]["id"] == manifest["id"]
