"""The weekly digest: `/steadybot settings digest on` (owners and admins only) → a Monday 09:00 DM (local
time) through the outbox with the report's headline numbers and a button that sends a fresh private link."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.core.types import Place, Platform
from handlers.reports.digest import monday_of, next_monday
from storage.models.core import OutboxRow
from support.bf_connector import CHANNEL_ID, TEAM_ID
from tests.support.harness import START, Harness, running
from tests.support.pulse_helpers import dms, slack_team, text_of
from tests.support.reports_helpers import PEOPLE, seed_history
from tests.support.scope_helpers import card_actions, slack_buttons


async def test_digest_on_sends_monday_dms_with_headlines_and_a_fresh_link(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})  # U1 created the channel
    await seed_history(bot, weeks=5)
    saved = text_of(await bot.slash_reply("/steadybot", "settings digest on", user="U1"))
    assert "Every Monday at 09:00 your time" in saved
    shown = text_of(await bot.slash_reply("/steadybot", "settings", user="U2"))
    assert "Weekly digest" in shown and "on (a Monday DM" in shown

    now = bot.clock.now()
    first = next_monday(now, "Europe/Berlin")
    assert first.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 and first.weekday() == 0
    bot.clock.set(first - timedelta(minutes=1))
    await bot.settle()
    assert [c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()] == []
    bot.clock.set(first)
    await bot.settle()
    (digest,) = [c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]
    text = text_of(digest.params)
    assert "Your weekly digest for #team" in text and "rounds shown" in text and "held" in text
    assert "/reports/" not in text  # the link itself is minted only when asked for (it lasts 15 minutes)
    from tests.support.cards import assert_valid_blocks

    assert_valid_blocks(digest.params["blocks"])

    # the button mints a fresh 15-minute link, privately
    action_id, value = slack_buttons(digest.params)["Send me the report link"]
    before = len(bot.slack.responses)
    await bot.press(action_id, value, user="U1", channel="D1")  # a press in the app's DM comes from its D… id
    await bot.idle()
    (link,) = (await bot.slack.wait_for_responses(before + 1))[before:]
    url = next(e["url"] for b in link["blocks"] if b["type"] == "actions" for e in b["elements"])
    response = await bot.client.get("/reports/" + url.split("/reports/")[1])
    assert response.status == 200 and "Team health for #team" in await response.text()

    # the next Monday is queued by the one that went out; the same Monday never twice
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 1
    bot.clock.set(first + timedelta(days=7))
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 2

    # off: nothing more
    assert "off" in text_of(await bot.slash_reply("/steadybot", "settings digest off", user="U1"))
    bot.clock.set(first + timedelta(days=14))
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 2


async def test_a_forged_digest_button_does_nothing(bot: Harness) -> None:
    slack_team(bot, {"U1": "UTC"})
    before = len(bot.slack.responses)
    await bot.press("report.link#0", "forged-value", user="U1")  # not sealed by the bot: stops at the adapter
    await bot.idle()
    (answer,) = (await bot.slack.wait_for_responses(before + 1))[before:]
    assert "no longer valid" in answer["text"] and "/reports/" not in str(answer)
    # sealed for this channel, but not a value the reports feature signed: its own check refuses it
    await bot.press("report.link#0", bot.sealed("report.link", "forged-value"), user="U1")
    await bot.idle()
    (answer,) = (await bot.slack.wait_for_responses(before + 2))[before + 1:]
    assert "doesn't work any more" in answer["text"] and "/reports/" not in str(answer)


def digests(bot: Harness, user: str) -> list[Any]:
    return [c for c in dms(bot, user) if "weekly digest" in text_of(c.params).lower()]


async def test_someone_who_left_the_channel_gets_no_link_from_an_old_digest_button(bot: Harness) -> None:
    """The attacker: U1 switched the digest on, got Monday's DM, then left #team (or was removed). The
    button in that DM never expires; pressing it must not mint a fresh link to a channel they are not in."""
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})
    await seed_history(bot, weeks=3)
    await bot.slash_reply("/steadybot", "settings digest on", user="U1")
    bot.clock.set(next_monday(bot.clock.now(), "Europe/Berlin"))
    await bot.settle()
    (digest,) = digests(bot, "U1")
    action_id, value = slack_buttons(digest.params)["Send me the report link"]

    bot.slack.channels["C1"]["members"].remove("U1")  # Slack's conversations.members no longer lists U1
    before = len(bot.slack.responses)
    await bot.press(action_id, value, user="U1", channel="D1")
    await bot.idle()
    (answer,) = (await bot.slack.wait_for_responses(before + 1))[before:]
    assert "not a member there any more" in text_of(answer) and "/reports/" not in json.dumps(answer)
    assert not any("/reports/" in json.dumps(c.params) for c in bot.slack.calls_to("chat.postMessage"))

    bot.slack.channels["C1"]["members"].append("U1")  # back in the channel: the same button works again
    await bot.press(action_id, value, user="U1", channel="D1")
    await bot.idle()
    (link,) = (await bot.slack.wait_for_responses(before + 2))[before + 1:]
    assert "/reports/" in json.dumps(link)


async def test_the_digest_is_not_sent_to_a_recipient_who_left(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})
    await seed_history(bot, weeks=3)
    await bot.slash_reply("/steadybot", "settings digest on", user="U1")
    first = next_monday(bot.clock.now(), "Europe/Berlin")
    bot.slack.channels["C1"]["members"].remove("U1")
    bot.clock.set(first)
    with caplog.at_level(logging.INFO, logger="steadybot.reports"):
        await bot.settle()
    assert digests(bot, "U1") == []
    (skipped,) = [r.getMessage() for r in caplog.records if "weekly digest" in r.getMessage()]
    assert "no longer a member" in skipped and "U1" not in skipped and "Person" not in skipped

    # still switched on: rejoining brings the next Monday's digest back
    bot.slack.channels["C1"]["members"].append("U1")
    bot.clock.set(first + timedelta(days=7))
    await bot.settle()
    assert len(digests(bot, "U1")) == 1


async def digest_rows(bot: Harness) -> dict[str, str]:
    """The digest's outbox rows: their Monday (the date in the dedupe key) → their status."""
    async with bot.runtime.db.session() as session:
        rows = (await session.execute(select(OutboxRow.dedupe_key, OutboxRow.status)
                                      .where(OutboxRow.dedupe_key.like("reports:digest:%")))).all()
    return {_monday(str(key)): status for key, status in rows}


def _monday(key: str) -> str:
    found = re.search(r"\d{4}-\d{2}-\d{2}", key)
    assert found is not None, key
    return found.group()


@pytest.mark.parametrize("error", ["missing_scope", "invalid_auth", "ratelimited"])
async def test_a_membership_check_that_keeps_failing_gives_up_after_its_monday(
        bot: Harness, error: str, caplog: pytest.LogCaptureFixture) -> None:
    """Slack refuses conversations.members for good (a scope taken away, a token gone bad, a rate limit that
    never lifts): each Monday's row asks again for a day, then gives up without a word; no digest goes out
    days late, and every Monday has exactly one row, whatever the number of retries."""
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})
    await seed_history(bot, weeks=2)
    await bot.slash_reply("/steadybot", "settings digest on", user="U1")
    first = next_monday(bot.clock.now(), "Europe/Berlin")
    mondays = [(first + timedelta(days=7 * n)).date().isoformat() for n in range(4)]

    def refuse(method: str, _: Any) -> Any:
        if method != "conversations.members":
            return None
        return (429, {"ok": False, "error": error}, {"Retry-After": "1"}) if error == "ratelimited" \
            else (200, {"ok": False, "error": error}, {})

    bot.slack.faults.append(refuse)
    with caplog.at_level(logging.INFO, logger="steadybot.reports"):
        for week in range(2):
            for minutes in range(0, 36 * 60, 50):  # the rows come due every 10 minutes; 36 hours of passes
                bot.clock.set(first + timedelta(days=7 * week, minutes=minutes))
                await bot.settle()
            assert await digest_rows(bot) == {**{m: "skipped" for m in mondays[:week + 1]}, mondays[week + 1]: "pending"}
    assert digests(bot, "U1") == []
    given_up = [r.getMessage() for r in caplog.records if "weekly digest" in r.getMessage()]
    assert len(given_up) == 2 and all("Monday is over" in m and "U1" not in m for m in given_up)

    # Slack answers again: only this Monday's digest, once; nothing of the weeks that were given up
    bot.slack.faults.remove(refuse)
    bot.clock.set(first + timedelta(days=14))
    await bot.settle()
    bot.clock.set(first + timedelta(days=14, hours=30))
    await bot.settle()
    assert len(digests(bot, "U1")) == 1
    assert await digest_rows(bot) == {mondays[0]: "skipped", mondays[1]: "skipped", mondays[2]: "sent",
                                      mondays[3]: "pending"}


def test_a_row_queued_before_rows_carried_their_monday() -> None:
    """Rows from before `monday` was in their data: on time, their due time is their Monday; once put off,
    which Monday they were for is unknown, so they are given up (the next Monday is queued all the same)."""
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert monday_of({}, monday.astimezone(ZoneInfo("UTC")), "Europe/Berlin") == monday
    assert monday_of({}, monday + timedelta(days=3, minutes=10), "Europe/Berlin") is None
    assert monday_of({"monday": monday.isoformat()}, monday + timedelta(hours=2), "Europe/Berlin") == monday


def test_next_monday_is_local_nine_oclock() -> None:
    monday_late = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))
    assert next_monday(monday_late, "UTC") == datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("UTC"))
    sunday = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # already Monday 00:30 in Berlin
    assert next_monday(sunday, "Europe/Berlin").isoformat() == "2026-03-02T09:00:00+01:00"
    assert START.weekday() == 0


async def test_teams_someone_removed_from_the_team_gets_no_digest_and_no_link(sqlite_url: str) -> None:
    """The same attacker on Teams. The bot's roster is cached for an hour, so both checks must ask the
    connector again (GET /v3/conversations/{channel}/members/{id}: 404 MemberNotFoundInConversation)."""
    async with running(sqlite_url, admins=frozenset({"aad-1"})) as bot:
        for n, name in ((1, "Ana"), (2, "Ben")):
            bot.connector.add_member(f"29:u{n}", name, f"aad-{n}")
        await seed_history(bot, Place(Platform.TEAMS, CHANNEL_ID, TEAM_ID, name="general"), weeks=2)
        await bot.teams(bot.activity("steadybot settings digest on", conversation_type="channel", mention=True))
        assert "Every Monday at 09:00" in json.dumps(bot.connector.sent[-1].activity)
        monday = next_monday(bot.clock.now(), "UTC")
        bot.clock.set(monday)
        await bot.settle()
        (digest,) = [s for s in bot.connector.sent if "weekly digest" in json.dumps(s.activity).lower()]
        data = card_actions(digest.card)["Send me the report link"]

        async def press() -> str:
            before = len(bot.connector.sent)
            await bot.teams(bot.activity("", value=data, reply_to_id=str(digest.activity.get("id") or "x")))
            await bot.settle()
            return json.dumps([s.activity for s in bot.connector.sent[before:]])

        assert "/reports/" in await press()  # a member: a fresh link
        bot.connector.members = [m for m in bot.connector.members if m["id"] != "29:u1"]
        refused = await press()
        assert "/reports/" not in refused and "not a member there any more" in refused

        before = len(bot.connector.sent)
        bot.clock.set(monday + timedelta(days=7))
        await bot.settle()
        assert not [s for s in bot.connector.sent[before:] if "weekly digest" in json.dumps(s.activity).lower()]
