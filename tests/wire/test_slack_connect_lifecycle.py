"""Slack gaps between workspaces, through the real aiohttp app and real Bolt, signed, against the fake Web API.

1. Slack Connect: a channel shared by two workspaces that both installed the bot has one id in both
   (https://docs.slack.dev/apis/slack-connect/ — "the channel ID is the same for every organization"), and
   each workspace may have its own pulse schedule and meetings there. Slack delivers `channel_archive` &
   co. once, authorized for one of them (`authorizations[0]`): the channel stops (and comes back) for every
   workspace of ours (storage/repos/places.py; docs/operations.md, "Archived and deleted channels").
2. OAuth mode, an org-wide app's press with `"team": null` and `user.team_id` the organisation's `E…` id
   (Slack's reference allows it): Bolt's `context.team_id` is then the organisation's id, which names no
   workspace — it is neither noted as one (`slack_teams`) nor made the request's workspace (bot/slack/oauth.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.core.types import Place, Platform
from storage.models.core import OutboxRow
from storage.models.installations import SlackTeamRow
from storage.models.pulse import PulseRound
from support import wire
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import slack_team
from tests.wire.test_ops_oauth import install, oauth_bot
from tests.wire.test_slack_enterprise_grid import _post, _press_body

PEOPLE = {f"U{i}": "UTC" for i in range(1, 7)}


async def _schedule(bot: Harness, team: str) -> None:
    before = len(bot.slack.calls_to("chat.postMessage"))
    response = await bot.slash("/pulse", "schedule every day at 3pm", channel="C1", team=team)
    assert response.status == 200
    await bot.slack.wait_for("chat.postMessage", before + 1)


async def _event(bot: Harness, kind: str, team: str) -> None:
    body = wire.event_body({"type": kind, "channel": "C1", "user": "U1"}, team=team)
    response = await bot.post_slack(body, "application/json")
    assert response.status == 200
    await bot.idle()


async def _rounds(bot: Harness) -> int:
    async with bot.runtime.store.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(PulseRound)
                                  .where(PulseRound.channel_id == "C1")) or 0)


async def _pending_for(bot: Harness, team: str) -> int:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.target, OutboxRow.status))).all()
    return len([1 for target, status in rows if target.get("kind") == "channel" and target.get("id") == "C1"
                and target.get("team_id") == team and status == "pending"])


async def _teams_scheduled(bot: Harness) -> list[str]:
    return sorted(s.team_id for s in await bot.runtime.store.pulse.active_schedules()
                  if s.platform is Platform.SLACK)


async def test_a_shared_channel_archived_stops_every_workspaces_schedule_and_comes_back_for_all(
        db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE)
        response = await bot.slash("/meeting", "Sprint review in 3 days at 3pm for 45m", channel="C1", team="T1")
        assert response.status == 200
        await _schedule(bot, "T2")  # the same channel id, seen from workspace T2 (Slack Connect)
        await bot.settle()
        assert await _teams_scheduled(bot) == ["T2"]
        assert await _pending_for(bot, "T1"), "no nudge was queued for workspace T1"

        await _event(bot, "channel_archive", "T1")  # delivered once, authorized for T1
        assert await _teams_scheduled(bot) == [], "the other workspace's schedule still runs in the archived channel"
        assert await _pending_for(bot, "T1") == 0
        before = await _rounds(bot)
        posts = len(bot.slack.calls_to("chat.postMessage"))
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot) == before, "the other workspace's pulse fired in the archived channel"
        assert [c for c in bot.slack.calls_to("chat.postMessage")[posts:] if c.params.get("channel") == "C1"] == []

        await _event(bot, "channel_unarchive", "T2")  # the unarchive, authorized for the other workspace
        assert await _teams_scheduled(bot) == ["T2"]
        assert await _pending_for(bot, "T1"), "T1's nudges still ahead did not come back"
        await bot.advance(timedelta(days=1), step=timedelta(minutes=30))
        assert await _rounds(bot) > before


async def test_a_shared_channel_deleted_stops_it_for_every_workspace_and_teams_is_untouched(db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE)
        await _schedule(bot, "T2")
        await bot.settle()
        await _event(bot, "channel_deleted", "T1")
        assert await _teams_scheduled(bot) == [], "the other workspace's schedule still runs in the deleted channel"
        assert await bot.runtime.store.places.is_active(Place(Platform.TEAMS, "C1", "T2"))  # another platform
        assert not await bot.runtime.store.places.is_active(Place(Platform.SLACK, "C1", "T2"))


async def test_an_org_wide_press_with_the_organisations_id_notes_no_workspace(sqlite_url: str) -> None:
    async with oauth_bot(sqlite_url) as bot:
        await install(bot.client, bot, "code-org", None, enterprise="E1")
        for user_team in ("E1", "T1"):
            await _post(bot, _press_body(bot, "form.open", "x", user="W2", channel="D2", message_ts="dm-W2-1",
                                         user_team=user_team))
            await bot.idle()
        async with bot.runtime.store.db.session() as s:
            noted = sorted((await s.scalars(select(SlackTeamRow.team_id))).all())
        assert noted == ["T1"], f"noted as workspaces: {noted}"
