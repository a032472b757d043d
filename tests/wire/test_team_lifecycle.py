"""A Teams team archived or deleted stops its channels' pulses and meeting nudges; unarchived or restored,
they get them again, except a channel that was itself deleted (docs/operations.md, "Archived and deleted
channels"). Real activities through botbuilder, on SQLite and PostgreSQL, with the clock moved by hand.

Payload shapes: the conversationUpdate examples of
https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events
("Team archived", "Team unarchived", "Team deleted", "Team restored": `channelData.eventType`,
`channelData.team.id`, `channelData.tenant.id`, no `channelData.channel`), kept in
tests/data/payloads/teams/conversationUpdate_team_*.json; each test sends those files with its own team id,
activity id and time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.models.core import OutboxRow
from storage.models.pulse import PulseRound, PulseSchedule
from support import bf_connector
from tests.support.harness import Harness, running

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "payloads" / "teams"
TEAM = bf_connector.TEAM_ID
GENERAL = bf_connector.CHANNEL_ID  # a team's General channel has the team's id
SECOND = "19:second-channel@thread.tacv2"
OTHER_TEAM = "19:other-team@thread.tacv2"
OTHER_CHANNEL = "19:other-team-channel@thread.tacv2"
FILES = {"teamArchived": "archived", "teamUnarchived": "unarchived", "teamDeleted": "deleted",
         "teamRestored": "restored", "teamHardDeleted": "hard_deleted"}


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _team_event(bot: Harness, event_type: str, *, team: str = TEAM, activity_id: str,
                at: datetime | None = None, exact: bool = False) -> dict[str, Any]:
    """The documentation's example activity for the event, for `team`, with its own id and time. The
    example of teamRestored says "teamrestored"; `exact` sends the name botbuilder routes itself."""
    doc = json.loads((PAYLOADS / f"conversationUpdate_team_{FILES[event_type]}.json").read_text(encoding="utf-8"))
    activity: dict[str, Any] = doc["activity"]
    if exact:
        activity["channelData"]["eventType"] = event_type
    activity.update(id=activity_id, timestamp=_stamp(at or bot.clock.now()), serviceUrl=bot.connector.url)
    activity["conversation"]["id"] = team
    activity["channelData"]["team"]["id"] = team
    activity["channelData"]["tenant"]["id"] = bf_connector.TENANT
    return activity


def _channel_event(bot: Harness, event_type: str, *, channel: str, team: str = TEAM) -> dict[str, Any]:
    activity = bot.activity(user="29:lead", aad="aad-lead", conversation_type="channel",
                            activity_type="conversationUpdate", conversation=team)
    activity["timestamp"] = _stamp(bot.clock.now())
    activity["channelData"] = {"channel": {"id": channel, "name": "Team"}, "team": {"id": team},
                               "eventType": event_type, "tenant": {"id": bf_connector.TENANT}}
    return activity


def _in_channel(bot: Harness, text: str, *, channel: str = GENERAL, team: str = TEAM) -> dict[str, Any]:
    activity = bot.activity(text, user="29:lead", aad="aad-lead", conversation_type="channel", mention=True,
                            conversation=f"{channel};messageid=1700000000001")
    activity["channelData"]["team"] = {"id": team}
    activity["channelData"]["channel"] = {"id": channel}
    return activity


def _people(bot: Harness) -> None:
    bot.connector.add_member("29:lead", "Lead", "aad-lead")
    for i in range(1, 7):
        bot.connector.add_member(f"29:u{i}", f"Person {i}", f"aad-{i}")


async def _schedule(bot: Harness, channel: str, team: str = TEAM) -> None:
    await bot.teams(_in_channel(bot, "pulse schedule every day at 3pm", channel=channel, team=team))
    await bot.settle()


async def _scheduled(bot: Harness) -> set[str]:
    """The channels whose pulse schedule is found due (the scheduler's query)."""
    return {s.channel_id for s in await bot.runtime.store.pulse.active_schedules()}


async def _rounds(bot: Harness) -> dict[str, int]:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(PulseRound.channel_id, func.count()).group_by(PulseRound.channel_id))).all()
    return {channel: int(count) for channel, count in rows}


async def _outbox(bot: Harness, kind: str, status: str = "pending") -> list[str]:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.target, OutboxRow.status))).all()
    return sorted(str(target.get("id")) for target, row_status in rows
                  if target.get("kind") == kind and row_status == status)


async def test_archived_team_gets_no_pulse_until_unarchived_and_another_team_is_untouched(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        for channel, team in ((GENERAL, TEAM), (SECOND, TEAM), (OTHER_CHANNEL, OTHER_TEAM)):
            await _schedule(bot, channel, team)
        assert await _scheduled(bot) == {GENERAL, SECOND, OTHER_CHANNEL}

        await bot.teams(_team_event(bot, "teamArchived", activity_id="f:archived-1"))
        assert await _scheduled(bot) == {OTHER_CHANNEL}, "the archived team's channels are still scheduled"
        before = await _rounds(bot)
        await bot.advance(timedelta(days=3), step=timedelta(minutes=30))  # three more 3pms
        after = await _rounds(bot)
        assert after.get(GENERAL, 0) == before.get(GENERAL, 0) and after.get(SECOND, 0) == before.get(SECOND, 0), \
            "an archived team's schedule fired"
        assert after[OTHER_CHANNEL] > before.get(OTHER_CHANNEL, 0), "another team's schedule stopped"

        await bot.teams(_team_event(bot, "teamUnarchived", activity_id="f:unarchived-1"))
        assert await _scheduled(bot) == {GENERAL, SECOND, OTHER_CHANNEL}
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        again = await _rounds(bot)
        assert again[GENERAL] > after.get(GENERAL, 0) and again[SECOND] > after.get(SECOND, 0), \
            "the unarchived team's schedules did not fire again"


async def test_a_deleted_channel_stays_inactive_when_its_team_comes_back(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, GENERAL)
        await _schedule(bot, SECOND)
        await bot.teams(_channel_event(bot, "channelDeleted", channel=SECOND))
        assert await _scheduled(bot) == {GENERAL}

        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamArchived", activity_id="f:archived-2"))
        assert await _scheduled(bot) == set()
        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamUnarchived", activity_id="f:unarchived-2"))
        assert await _scheduled(bot) == {GENERAL}, "the channel deleted on its own came back with its team"

        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamDeleted", activity_id="f:deleted-2"))
        assert await _scheduled(bot) == set()
        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamRestored", activity_id="f:restored-2"))  # "teamrestored"
        assert await _scheduled(bot) == {GENERAL}
        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamDeleted", activity_id="f:deleted-2b"))
        assert await _scheduled(bot) == set()
        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamRestored", activity_id="f:restored-2b", exact=True))
        assert await _scheduled(bot) == {GENERAL}

        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_channel_event(bot, "channelRestored", channel=SECOND))
        assert await _scheduled(bot) == {GENERAL, SECOND}


async def test_redelivered_and_late_team_events_change_nothing(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, GENERAL)
        archived_at = bot.clock.now()
        archive = _team_event(bot, "teamArchived", activity_id="f:archived-3", at=archived_at)
        await bot.teams(archive)
        assert await _scheduled(bot) == set()
        unarchive = _team_event(bot, "teamUnarchived", activity_id="f:unarchived-3",
                                at=archived_at + timedelta(hours=1))
        await bot.teams(unarchive)
        assert await _scheduled(bot) == {GENERAL}

        await bot.teams(archive)  # Teams redelivers the archive (the same activity id)
        assert await _scheduled(bot) == {GENERAL}, "a redelivered archive took effect again"
        late = _team_event(bot, "teamDeleted", activity_id="f:deleted-late", at=archived_at + timedelta(minutes=30))
        await bot.teams(late)  # sent before the unarchive, delivered after it
        assert await _scheduled(bot) == {GENERAL}, "a late older event overrode a newer one"

        newer = _team_event(bot, "teamDeleted", activity_id="f:deleted-3", at=archived_at + timedelta(hours=2))
        await bot.teams(newer)
        assert await _scheduled(bot) == set()
        await bot.teams(unarchive)  # redelivered, and older
        assert await _scheduled(bot) == set()


async def test_archived_team_parks_its_channels_nudges_not_its_peoples_and_gets_them_back(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await bot.teams(_in_channel(bot, "meeting Sprint review in 3 days at 3pm for 45m"))
        await bot.teams(_in_channel(bot, "meeting Planning in 3 days at 5pm", channel=OTHER_CHANNEL,
                                    team=OTHER_TEAM))
        await bot.settle()
        channel_rows = await _outbox(bot, "channel")
        assert GENERAL in channel_rows and OTHER_CHANNEL in channel_rows, channel_rows
        people_rows = await _outbox(bot, "user")

        await bot.teams(_team_event(bot, "teamArchived", activity_id="f:archived-4"))
        assert set(await _outbox(bot, "channel")) == {OTHER_CHANNEL}, "the archived team's nudges are still queued"
        assert GENERAL in await _outbox(bot, "channel", "skipped")
        assert await _outbox(bot, "user") == people_rows, "rows to people were touched"
        sent = len(bot.connector.sent)
        await bot.advance(timedelta(hours=30), step=timedelta(hours=1))
        conversations = [s.conversation_id for s in bot.connector.sent[sent:]]
        assert not any(c.startswith(GENERAL) for c in conversations), conversations

        await bot.teams(_team_event(bot, "teamUnarchived", activity_id="f:unarchived-4"))
        assert GENERAL in await _outbox(bot, "channel"), "the nudges still ahead did not come back"


async def test_hard_deleted_team_stays_inactive_and_keeps_its_data_and_its_peoples_rows(db_url: str) -> None:
    """teamHardDeleted: the team is gone for good. Its channels stay inactive (a restore cannot bring them
    back); its rows are not deleted (that is the uninstall's work), and rows to its people stay queued."""
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, GENERAL)
        await bot.teams(_in_channel(bot, "pulse now"))
        await bot.settle()
        people_rows = await _outbox(bot, "user")
        assert people_rows, "nothing was queued for the people (the reminders)"

        await bot.teams(_team_event(bot, "teamHardDeleted", activity_id="f:hard-deleted-5"))
        assert await _scheduled(bot) == set()
        assert await _outbox(bot, "user") == people_rows, "rows to the team's people were touched"
        async with bot.runtime.store.db.session() as s:
            assert await s.scalar(select(func.count()).select_from(PulseSchedule)) == 1, "the team's data went"

        bot.clock.advance(timedelta(minutes=5))
        await bot.teams(_team_event(bot, "teamRestored", activity_id="f:restored-5"))
        await bot.teams(_team_event(bot, "teamRestored", activity_id="f:restored-5b", exact=True))
        await bot.teams(_team_event(bot, "teamUnarchived", activity_id="f:unarchived-5"))
        assert await _scheduled(bot) == set(), "a hard-deleted team came back"


async def test_a_hard_delete_delivered_after_a_newer_restore_still_wins(db_url: str) -> None:
    """A hard delete is final whatever the order of delivery: sent before a restore (older timestamp) but
    delivered after it, it still stops the team for good."""
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, GENERAL)
        at = bot.clock.now()
        await bot.teams(_team_event(bot, "teamRestored", activity_id="f:restored-6", at=at + timedelta(hours=1)))
        assert await _scheduled(bot) == {GENERAL}
        await bot.teams(_team_event(bot, "teamHardDeleted", activity_id="f:hard-deleted-6", at=at))
        assert await _scheduled(bot) == set(), "a late hard delete lost to an earlier-delivered restore"
