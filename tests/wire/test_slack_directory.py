"""Channel members on Slack: a big channel is read from users.list pages and stored in a few upserts; a small
one (or a workspace where users.list fails) is looked up person by person. Bots, apps and deactivated
accounts never count as members."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.directory import LIST_AFTER, SlackDirectory, dnd_until
from handlers.core.clock import FakeClock
from handlers.core.types import Person, Place, Platform
from storage.db import Database
from storage.migrate import upgrade
from storage.store import Store
from support.slack_api import FakeSlackApi


@pytest.fixture
async def setup(db_url: str) -> AsyncIterator[tuple[FakeSlackApi, SlackDirectory, Store]]:
    await upgrade(db_url)
    api = await FakeSlackApi().start()
    db = Database(db_url)
    store = Store(db, FakeClock())
    client = AsyncWebClient(token="xoxb-test", base_url=api.url)
    try:
        yield api, SlackDirectory(client, store, bot_user_id="UBOT"), store
    finally:
        await db.dispose()
        await api.close()


def _channel(api: FakeSlackApi, n: int, extra: list[str] | None = None) -> list[str]:
    ids = [f"U{i:05d}" for i in range(n)]
    for i, uid in enumerate(ids):
        api.add_user(uid, f"Person {i}", tz="Europe/Berlin" if i % 2 else "America/New_York")
    for i in range(1500):  # the workspace is bigger than the channel: several users.list pages
        api.add_user(f"W{i:05d}", f"Elsewhere {i}")
    api.add_channel("CBIG", ids[0], ids + (extra or []))
    return ids


async def test_a_big_channel_is_read_in_pages_and_stored_in_bulk(
        setup: tuple[FakeSlackApi, SlackDirectory, Store]) -> None:
    api, directory, store = setup
    api.add_user("UBOT", "steadybot", is_bot=True)
    api.add_user("UAPP", "Some app", is_app_user=True)
    api.add_user("UGONE", "Left the company", deleted=True)
    ids = _channel(api, 1200, extra=["UBOT", "UAPP", "UGONE", "UBOT"])

    people = await directory.members(Place(Platform.SLACK, "CBIG", "T1"))

    assert [p.id for p in people] == ids  # channel order, no bots, apps, deactivated people or doubles
    assert api.calls_to("users.info") == []
    assert 2 <= len(api.calls_to("users.list")) <= 3  # 2 700 in the workspace, 1 000 a page
    stored = await store.identities.get(Platform.SLACK, "U00001")
    assert stored == Person(Platform.SLACK, "U00001", "Person 1", "Europe/Berlin", False)
    assert (await store.identities.direct_line(Platform.SLACK, "U00001")).team_id == "T1"  # type: ignore[union-attr]

    again = await directory.members(Place(Platform.SLACK, "CBIG", "T1"))  # cached: no lookups at all
    assert again == people
    assert len(api.calls_to("users.list")) <= 3 and api.calls_to("users.info") == []


async def test_a_small_channel_is_looked_up_person_by_person(
        setup: tuple[FakeSlackApi, SlackDirectory, Store]) -> None:
    api, directory, store = setup
    ids = _channel(api, LIST_AFTER)
    people = await directory.members(Place(Platform.SLACK, "CBIG", "T1"))
    assert [p.id for p in people] == ids
    assert api.calls_to("users.list") == []
    assert len(api.calls_to("users.info")) == LIST_AFTER
    assert (await store.identities.get(Platform.SLACK, ids[0])) is not None


async def test_when_users_list_fails_members_are_still_found(
        setup: tuple[FakeSlackApi, SlackDirectory, Store]) -> None:
    api, directory, _ = setup
    ids = _channel(api, 60)

    def no_list(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        return (200, {"ok": False, "error": "missing_scope"}, {}) if method == "users.list" else None

    api.faults.append(no_list)
    people = await directory.members(Place(Platform.SLACK, "CBIG", "T1"))
    assert [p.id for p in people] == ids
    assert len(api.calls_to("users.info")) == 60


async def test_remember_many_keeps_what_it_does_not_know(db_url: str) -> None:
    await upgrade(db_url)
    db = Database(db_url)
    store = Store(db, FakeClock())
    try:
        ana = Person(Platform.TEAMS, "29:ana", "Ana", "Europe/Berlin", False, "aad-ana")
        await store.identities.remember(ana, "tenant")
        written = await store.identities.remember_many([
            (Person(Platform.TEAMS, "29:ana", "Ana B.", None, False, None), ""),  # tz, aad id, team unknown
            (Person(Platform.TEAMS, "29:bo", "Bo", "Asia/Tokyo", False, None), "tenant"),
        ])
        assert written == 2
        assert await store.identities.get(Platform.TEAMS, "29:ana") == Person(
            Platform.TEAMS, "29:ana", "Ana B.", "Europe/Berlin", False, "aad-ana")
        assert (await store.identities.direct_line(Platform.TEAMS, "29:ana")).team_id == "tenant"  # type: ignore[union-attr]
        assert await store.identities.get(Platform.TEAMS, "29:bo") == Person(
            Platform.TEAMS, "29:bo", "Bo", "Asia/Tokyo", False, None)
        assert await store.identities.remember_many([(Person(Platform.TEAMS, "29:bo", "Bo", "Asia/Tokyo"),
                                                      "tenant")]) == 0  # unchanged: no write
    finally:
        await db.dispose()


async def test_the_fake_refuses_a_method_whose_scope_the_token_lacks_like_slack(
        setup: tuple[FakeSlackApi, SlackDirectory, Store]) -> None:
    api, directory, _ = setup
    api.add_user("U1", "Ana")
    assert "dnd:read" in api.scopes_of("xoxb-test") and "chat:write" in api.scopes_of("xoxb-test")
    api.scopes_of("xoxb-test").discard("chat:write")
    with pytest.raises(SlackApiError) as refused:
        await directory.client.chat_postMessage(channel="C1", text="hi")
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "chat:write"
    assert "chat:write" not in refused.value.response["provided"].split(",")
    assert (await directory.client.users_info(user="U1"))["ok"]  # users:read is still there


async def test_dnd_without_its_scope_is_ignored_with_one_warning_and_a_snooze_is_never_read(
        setup: tuple[FakeSlackApi, SlackDirectory, Store], caplog: pytest.LogCaptureFixture) -> None:
    api, directory, _ = setup
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    hours = {"dnd_enabled": True, "next_dnd_start_ts": int((now - timedelta(hours=1)).timestamp()),
             "next_dnd_end_ts": int((now + timedelta(hours=2)).timestamp())}
    for user in ("U1", "U2", "U3"):
        api.add_user(user, user)
        api.dnd[user] = hours
    api.scopes_of("xoxb-test").discard("dnd:read")
    with caplog.at_level(logging.INFO, logger="steadybot.slack"):
        assert [await directory.away(Person(Platform.SLACK, u), now) for u in ("U1", "U2", "U3")] == [None] * 3
    assert [r.levelno for r in caplog.records if "dnd.info" in r.getMessage()] == [logging.WARNING]

    api.scopes_of("xoxb-test").add("dnd:read")  # reinstalled with the scope
    api.add_user("U4", "U4")
    api.dnd["U4"] = hours
    assert await directory.away(Person(Platform.SLACK, "U4"), now) == now + timedelta(hours=2)
    # a snooze: Slack shows snooze_* only for the token's own user, so the bot never sees one
    api.add_user("U5", "U5")
    api.dnd["U5"] = {"snooze_enabled": True, "snooze_endtime": int((now + timedelta(hours=2)).timestamp())}
    assert await directory.away(Person(Platform.SLACK, "U5"), now) is None
    assert dnd_until({"snooze_enabled": True, "snooze_endtime": now.timestamp() + 60}, now) is None
