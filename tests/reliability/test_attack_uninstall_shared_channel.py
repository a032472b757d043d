"""Uninstall beside a Slack Connect channel: two workspaces installed over OAuth share one channel (the same
channel id in both). Each workspace's commands there make rows tagged with its own workspace. When one
workspace uninstalls the app, its rows go — and the other workspace, which still has the app, keeps what it
made in the shared channel (its meeting and agenda, its running timer and the timer's queued warnings):
"nothing of another workspace is deleted" (docs/operations.md, "Uninstalling"). Through the real aiohttp app
and real Bolt with the OAuth flow, against the fake Web API; every table scanned; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models.core import OutboxRow
from support import wire
from tests.support.db_scan import rows_naming
from tests.support.harness import SIGNING_SECRET, Harness
from tests.wire.test_ops_oauth import T1_PEOPLE, T2_PEOPLE, install, oauth_bot, slash_body, team_setup
from tests.wire.test_uninstall import _uninstall_slack

SHARED = "C0SHARED01"
T1_MEETING = "Home retro for Alpha"
T2_MEETING = "Design sync for Beta"
T2_TIMER = "focus block for Beta"


async def _command(bot: Harness, command: str, text: str, *, team: str, user: str) -> None:
    bot.responses += 1
    body = slash_body(command, text, team=team, user=user, channel=SHARED,
                      response_url=bot.slack.response_url(f"r{bot.responses}"))
    response = await bot.client.post("/slack/events", data=body.encode(),
                                     headers=wire.slack_headers(SIGNING_SECRET, body))
    assert response.status == 200, await response.text()
    await bot.idle()


async def _t2_outbox(bot: Harness) -> list[int]:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.id, OutboxRow.target, OutboxRow.status))).all()
    return [i for i, target, status in rows if target.get("team_id") == "T2" and status == "pending"]


async def test_one_workspace_uninstalling_keeps_the_others_rows_in_a_shared_channel(db_url: str) -> None:
    async with oauth_bot(db_url) as bot:
        team_setup(bot)
        bot.slack.add_channel(SHARED, "U1", T1_PEOPLE + T2_PEOPLE)  # Slack Connect: one id, both workspaces
        await install(bot.client, bot, "code-1", "T1")
        await install(bot.client, bot, "code-2", "T2")
        await _command(bot, "/pulse", "schedule every friday at 3pm", team="T1", user="U1")
        await _command(bot, "/meeting", f"{T1_MEETING} tomorrow 4pm for 30m", team="T1", user="U1")
        await _command(bot, "/meeting", f"{T2_MEETING} tomorrow 1pm for 45m", team="T2", user="U5")
        await _command(bot, "/agenda", "add Mock-ups for Beta 10m", team="T2", user="U5")
        await _command(bot, "/timebox", f"25m {T2_TIMER}", team="T2", user="U5")
        await bot.settle()
        before = await rows_naming(bot, T2_MEETING, T2_TIMER, "Mock-ups for Beta")
        assert {r.split(":")[0] for r in before} >= {"meetings", "timeboxes", "agenda_items"}, before
        queued = await _t2_outbox(bot)
        assert queued, "the second workspace's timer queued no warnings"
        assert await rows_naming(bot, T1_MEETING)

        await _uninstall_slack(bot, team="T1")

        assert await rows_naming(bot, T1_MEETING) == [], "the uninstalled workspace's meeting stayed"
        after = await rows_naming(bot, T2_MEETING, T2_TIMER, "Mock-ups for Beta")
        assert sorted(after) == sorted(before), f"the other workspace lost rows: {set(before) - set(after)}"
        assert await _t2_outbox(bot) == queued, "the other workspace's queued warnings went"
        # and its timer still warns in the shared channel, with its own token
        sent = len(bot.slack.calls_to("chat.postMessage"))
        await bot.advance(timedelta(minutes=26))
        assert len(bot.slack.calls_to("chat.postMessage")) > sent
