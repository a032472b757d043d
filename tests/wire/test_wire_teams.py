"""Teams through the real wire: Bot Framework activities into real botbuilder (CloudAdapter,
TeamsActivityHandler) on the aiohttp server, replies to a fake connector at the activity's serviceUrl."""

from __future__ import annotations

import json
import logging
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.runtime import build_runtime
from bot.server import build_app
from handlers.core.types import Place, Platform
from support import bf_connector
from tests.support.cards import assert_valid_card
from tests.support.harness import TEST_SECRET, Harness, running


async def test_unauthenticated_teams_traffic_is_refused_by_default(sqlite_url: str,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url, teams=False) as bot:
        with caplog.at_level(logging.WARNING):
            response = await bot.teams(bot.activity("help"))
        assert response.status == 401
        assert "MICROSOFT_APP_ID is not set" in caplog.text
        assert bot.connector.sent == []


async def test_app_id_set_means_unsigned_activities_are_401(sqlite_url: str) -> None:
    async with running(sqlite_url, teams=False, teams_app_id="00000000-0000-0000-0000-000000000001",
                       teams_app_password="pw-secret-123456") as bot:
        response = await bot.teams(bot.activity("help"))
        assert response.status == 401
        forged = await bot.teams(bot.activity("help"), headers={"Authorization": "Bearer not.a.jwt"})
        assert forged.status == 401
        assert bot.connector.sent == []


async def test_help_in_a_personal_chat(bot: Harness) -> None:
    started = time.perf_counter()
    response = await bot.teams(bot.activity("help"))
    assert response.status in (200, 201)
    sent = await bot.connector.wait_for(1)
    assert time.perf_counter() - started < 3.0
    assert "steadybot settings" in sent[0].text  # Teams shows what to type, without the slash
    assert sent[0].card is not None
    assert_valid_card(sent[0].card)


async def test_mention_in_a_channel_replies_in_the_thread(bot: Harness) -> None:
    activity = bot.activity("steadybot help", conversation_type="channel", mention=True)
    response = await bot.teams(activity)
    assert response.status in (200, 201)
    sent = await bot.connector.wait_for(1)
    assert sent[0].conversation_id == activity["conversation"]["id"]  # the reply chain
    assert "settings" in sent[0].text
    reference = await bot.runtime.store.conversations.reference(Platform.TEAMS, bf_connector.CHANNEL_ID)
    assert reference is not None and reference["conversation"]["id"] == bf_connector.CHANNEL_ID


async def test_a_channel_reference_names_the_channel_not_one_message(bot: Harness) -> None:
    """The stored reference is the channel's: the same after anyone's next message (so it is not rewritten).
    Later posts through it: tests/wire/test_meetings_teams.py (a timebox's warnings go through the outbox)."""
    await bot.teams(bot.activity("hello there", conversation_type="channel", user="29:u1"))
    first = await bot.runtime.store.conversations.reference(Platform.TEAMS, bf_connector.CHANNEL_ID)
    await bot.teams(bot.activity("and again", conversation_type="channel", user="29:u2", name="Ben"))
    second = await bot.runtime.store.conversations.reference(Platform.TEAMS, bf_connector.CHANNEL_ID)
    assert first == second and first is not None
    assert "activityId" not in first and "user" not in first
    assert first["conversation"]["tenantId"] == bf_connector.TENANT and first["serviceUrl"] == bot.connector.url


async def test_both_typed_forms_give_the_same_command(bot: Harness) -> None:
    await bot.teams(bot.activity("steadybot settings", conversation_type="channel", mention=True))
    await bot.teams(bot.activity("/steadybot settings", conversation_type="channel", mention=True))
    sent = await bot.connector.wait_for(2)
    assert sent[0].text == sent[1].text
    assert "Scope-creep watch" in sent[0].text


async def test_unknown_words_get_a_friendly_answer(bot: Harness) -> None:
    await bot.teams(bot.activity("frobnicate the thing"))
    sent = await bot.connector.wait_for(1)
    assert "don't know" in sent[0].text and "frobnicate" in sent[0].text


async def test_settings_card_round_trip_for_a_team_owner(bot: Harness) -> None:
    bot.connector.add_member("29:lead", "Lea", "aad-lead", role="owner")
    bot.connector.add_member("29:u1", "Ana", "aad-1")
    await bot.teams(bot.activity("steadybot settings", user="29:lead", aad="aad-lead", conversation_type="channel",
                                 mention=True))
    shown = (await bot.connector.wait_for(1))[0]
    button = shown.adaptive_card["actions"][0]
    assert button["title"] == "Change settings"
    await bot.teams(bot.activity(user="29:lead", aad="aad-lead", conversation_type="channel",
                                 value=button["data"], reply_to_id="activity-1"))
    form_message = (await bot.connector.wait_for(2))[1]
    assert_valid_card(form_message.adaptive_card)
    ids = [b.get("id") for b in form_message.adaptive_card["body"]]
    assert "min_respondents" in ids
    submit = form_message.adaptive_card["actions"][0]["data"]
    await bot.teams(bot.activity(user="29:lead", aad="aad-lead", conversation_type="channel",
                                 value={**submit, "min_respondents": "7", "scope_watch": "off"},
                                 reply_to_id="activity-2"))
    updated = (await bot.connector.wait_for(3))[2]
    assert updated.kind == "update" and "at least 7 answers" in updated.text
    settings = await bot.runtime.store.settings.get(Place(Platform.TEAMS, bf_connector.CHANNEL_ID))
    assert settings.min_respondents == 7 and settings.scope_watch is False


async def test_members_may_not_change_settings(bot: Harness) -> None:
    bot.connector.add_member("29:lead", "Lea", "aad-lead", role="owner")
    bot.connector.add_member("29:u1", "Ana", "aad-1")
    await bot.teams(bot.activity("steadybot settings min 3", user="29:u1", conversation_type="channel",
                                 mention=True))
    sent = await bot.connector.wait_for(1)
    assert "Only the channel's creator" in sent[0].text


async def test_admin_by_aad_object_id(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"aad-boss"})) as bot:
        await bot.teams(bot.activity("steadybot settings min 4", user="29:boss", aad="aad-boss",
                                     conversation_type="channel", mention=True))
        sent = await bot.connector.wait_for(1)
        assert "at least 4 answers" in sent[0].text


async def test_redelivered_activity_is_answered_once(bot: Harness) -> None:
    activity = bot.activity("help", activity_id="same-id")
    await bot.teams(activity)
    await bot.teams(activity)
    await bot.settle()
    assert len(bot.connector.sent) == 1


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("{not json", "application/json", 400),
    ("[1,2]", "application/json", 400),
    ('{"type": 5}', "application/json", 400),
    ('{"text": "no type"}', "application/json", 400),
    ('{"type": "message", "from": "not-an-object", "conversation": 7}', "application/json", 400),
    ("type=message", "application/x-www-form-urlencoded", 415),
])
async def test_malformed_activities_get_4xx(bot: Harness, body: str, content_type: str, status: int) -> None:
    response = await bot.client.post("/api/messages", data=body, headers={"Content-Type": content_type})
    assert response.status == status
    assert "Traceback" not in await response.text()


async def test_activity_with_missing_parts_is_ignored_quietly(bot: Harness) -> None:
    activity = bot.activity("help")
    del activity["from"]
    response = await bot.teams(activity)
    assert response.status in (200, 201)
    conversation_update = bot.activity(activity_type="conversationUpdate", conversation_type="channel")
    assert (await bot.teams(conversation_update)).status in (200, 201)
    assert bot.connector.sent == []


async def test_huge_activity_is_413(bot: Harness) -> None:
    body = json.dumps(bot.activity("x" * (2 * 1024 * 1024)))
    response = await bot.client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 413


async def test_healthz(bot: Harness) -> None:
    response = await bot.client.get("/healthz")
    assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_healthz_is_503_when_the_database_is_down() -> None:
    runtime = await build_runtime(Settings(database_url="postgresql://nobody@127.0.0.1:1/none", secret=TEST_SECRET), migrate=False)
    client = TestClient(TestServer(build_app(runtime), host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/healthz")
        assert response.status == 503
    finally:
        await client.close()
        await runtime.close()
