"""Uninstall on both platforms, through the real wire, on SQLite and PostgreSQL: Slack `app_uninstalled` /
`tokens_revoked`, Teams `installationUpdate` remove (a team, a person's personal scope). What the bot kept
for the workspace, team or person is gone (docs/operations.md, "Uninstalling"); nothing is sent afterwards;
other workspaces, teams and people keep theirs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from handlers.core.types import Platform
from storage.models import every_table
from storage.models.core import Identity, OutboxRow
from support import bf_connector
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import channel_command, slack_team

SLACK_TABLES_WITH_ROWS = {"identities", "pulse_schedules", "pulse_rounds", "meetings", "channel_settings",
                          "timeboxes", "outbox"}


async def _counts(bot: Harness, platform: Platform, where: Any = None) -> dict[str, int]:
    """Rows per table that carries a platform column (optionally narrowed by `where(table)`)."""
    counts: dict[str, int] = {}
    async with bot.runtime.store.db.session() as s:
        for table in every_table().sorted_tables:
            if "platform" not in table.c:
                continue
            query = select(func.count()).select_from(table).where(table.c.platform == platform.value)
            if where is not None:
                clause = where(table)
                if clause is None:
                    continue
                query = query.where(clause)
            counts[table.name] = int(await s.scalar(query) or 0)
    return counts


async def _rows(bot: Harness, table: str) -> int:
    async with bot.runtime.store.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(every_table().tables[table])) or 0)


async def _slack_workspace(bot: Harness, *, team: str = "T1", channel: str = "C1",
                           people: tuple[str, ...] = ("U1", "U2", "U3", "U4", "U5", "U6")) -> None:
    """A workspace that uses everything: a pulse schedule and a round (invitations queued), a meeting with
    an agenda (nudges queued), a running timebox, changed settings."""
    slack_team(bot, dict.fromkeys(people, "UTC"), creator=people[0], channel=channel)
    for person in people:
        bot.slack.users[person]["team_id"] = team  # users.info says which workspace they belong to
    user = people[0]
    for command, text in (("/pulse", "schedule every friday at 3pm"), ("/pulse", "now"),
                          ("/meeting", "Sprint review tomorrow 3pm for 45m"), ("/agenda", "add Demo 10m"),
                          ("/timebox", "25m focus"), ("/steadybot", "settings min 4")):
        response = await bot.slash(command, text, user=user, channel=channel, team=team)
        assert response.status == 200
        await bot.idle()
    await bot.settle()


async def _uninstall_slack(bot: Harness, team: str = "T1", event: dict[str, Any] | None = None) -> None:
    response = await bot.post_slack(_event_body(event or {"type": "app_uninstalled"}, team), "application/json")
    assert response.status == 200
    await bot.idle()
    await bot.settle()


def _event_body(event: dict[str, Any], team: str) -> str:
    from support import wire

    return wire.event_body(event, team=team)


async def test_slack_app_uninstalled_removes_the_workspace(db_url: str) -> None:
    async with running(db_url) as bot:
        await _slack_workspace(bot)
        before = await _counts(bot, Platform.SLACK)
        assert {t for t, n in before.items() if n} >= SLACK_TABLES_WITH_ROWS, before
        assert await _rows(bot, "pulse_participation") and await _rows(bot, "agenda_items")
        sends = len(bot.slack.calls_to("chat.postMessage"))

        await _uninstall_slack(bot)

        after = await _counts(bot, Platform.SLACK)
        assert set(after.values()) == {0}, after
        for table in ("pulse_participation", "agenda_items", "pulse_answers", "pulse_round_totals"):
            assert await _rows(bot, table) == 0, table  # went with their rounds and meetings
        await bot.advance(timedelta(days=8), step=timedelta(hours=1))  # past the schedule, the meeting, the timer
        assert len(bot.slack.calls_to("chat.postMessage")) == sends, "something was sent after the uninstall"
        # A redelivery of the event, and a reinstall that starts afresh, both work.
        await _uninstall_slack(bot)
        assert "on its way" in await channel_command(bot, "now")


async def test_slack_uninstall_leaves_other_workspaces_alone(db_url: str) -> None:
    async with running(db_url) as bot:
        await _slack_workspace(bot, team="T1", channel="C1", people=("U1", "U2", "U3", "U4", "U5", "U6"))
        await _slack_workspace(bot, team="T2", channel="C2", people=("U7", "U8", "U9", "UA", "UB", "UC"))
        in_t2 = await _counts(bot, Platform.SLACK, lambda t: t.c.channel_id == "C2" if "channel_id" in t.c else None)
        assert in_t2["pulse_schedules"] == 1 and in_t2["meetings"] == 1

        await _uninstall_slack(bot, team="T1")

        in_t1 = await _counts(bot, Platform.SLACK, lambda t: t.c.channel_id == "C1" if "channel_id" in t.c else None)
        assert set(in_t1.values()) == {0}, in_t1
        assert await _counts(bot, Platform.SLACK, lambda t: t.c.channel_id == "C2" if "channel_id" in t.c else None) \
            == in_t2
        async with bot.runtime.store.db.session() as s:
            people = set((await s.scalars(select(Identity.user_id).where(Identity.platform == "slack"))).all())
            targets = [row["id"] for row in (await s.scalars(select(OutboxRow.target))).all()]
        assert {"U7", "U8"} <= people and not {"U1", "U2"} & people
        assert "U7" in targets and not {"U1", "U2", "C1"} & set(targets)


async def test_slack_tokens_revoked(db_url: str) -> None:
    async with running(db_url) as bot:
        await _slack_workspace(bot)
        user_tokens_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}}
        await _uninstall_slack(bot, event=user_tokens_only)
        assert (await _counts(bot, Platform.SLACK))["pulse_schedules"] == 1  # the bot still works: nothing goes
        bot_token = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
        await _uninstall_slack(bot, event=bot_token)
        assert set((await _counts(bot, Platform.SLACK)).values()) == {0}


def _teams(bot: Harness, text: str = "", **kwargs: Any) -> dict[str, Any]:
    return bot.activity(text, **kwargs)


def _removal(bot: Harness, **kwargs: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type="installationUpdate", **kwargs)
    activity["action"] = "remove"
    return activity


async def _teams_team(bot: Harness) -> None:
    """A team channel with settings and a meeting; two people with their 1:1 lines."""
    for text in ("steadybot settings min 4", "meeting Sprint review tomorrow 3pm for 45m", "agenda add Demo"):
        await bot.teams(_teams(bot, text, user="29:lead", aad="aad-lead", conversation_type="channel", mention=True))
    await bot.teams(_teams(bot, "help", user="29:lead", aad="aad-lead"))
    await bot.teams(_teams(bot, "help", user="29:u2", aad="aad-2", name="Bo"))
    await bot.settle()


async def test_teams_team_uninstall_removes_the_team(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        await _teams_team(bot)
        in_team = await _counts(bot, Platform.TEAMS, lambda t: t.c.channel_id == bf_connector.CHANNEL_ID
                                if "channel_id" in t.c else None)
        assert in_team["conversations"] == 1 and in_team["meetings"] == 1 and in_team["channel_settings"] == 1
        sent = len(bot.connector.sent)

        response = await bot.teams(_removal(bot, user="29:lead", aad="aad-lead", conversation_type="channel"))
        assert response.status in (200, 201)
        await bot.advance(timedelta(days=2), step=timedelta(hours=1))

        after = await _counts(bot, Platform.TEAMS, lambda t: t.c.channel_id == bf_connector.CHANNEL_ID
                              if "channel_id" in t.c else None)
        assert set(after.values()) == {0}, after
        assert await _rows(bot, "agenda_items") == 0
        assert len(bot.connector.sent) == sent  # no nudge for the meeting, no goodbye, no apology
        # People's own 1:1 lines stay: they may use the bot elsewhere in the tenant.
        assert (await bot.runtime.store.identities.direct_line(Platform.TEAMS, "29:u2")) is not None


async def test_teams_personal_uninstall_removes_the_person(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        await _teams_team(bot)
        response = await bot.teams(_removal(bot, user="29:u2", aad="aad-2"))
        assert response.status in (200, 201)
        await bot.settle()
        assert await bot.runtime.store.identities.direct_line(Platform.TEAMS, "29:u2") is None
        assert await bot.runtime.store.identities.direct_line(Platform.TEAMS, "29:lead") is not None
        remaining = await _counts(bot, Platform.TEAMS, lambda t: t.c.user_id == "29:u2" if "user_id" in t.c else None)
        assert set(remaining.values()) == {0}, remaining
        assert (await _counts(bot, Platform.TEAMS))["meetings"] == 1  # the team's data is not the person's
        # They come back: the bot answers and keeps their new line.
        await bot.teams(_teams(bot, "help", user="29:u2", aad="aad-2", name="Bo"))
        assert await bot.runtime.store.identities.direct_line(Platform.TEAMS, "29:u2") is not None


async def test_slack_oauth_uninstall_removes_the_installation_and_the_data(db_url: str) -> None:
    """With OAuth (many workspaces) bot/slack/oauth.py's uninstall listeners run first: they delete the
    sealed installation (the tokens), then the workspace's data goes the same way."""
    from storage.models.installations import SlackInstallationRow
    from tests.wire.test_ops_oauth import install, oauth_bot, slash, team_setup

    async with oauth_bot(db_url) as bot:
        team_setup(bot)
        await install(bot.client, bot, "code-1", "T1")
        await install(bot.client, bot, "code-2", "T2")
        await slash(bot.client, bot, "schedule every friday at 3pm", team="T1", user="U1", channel="C1")
        await slash(bot.client, bot, "schedule every friday at 3pm", team="T2", user="U5", channel="C2")
        await bot.idle()
        by_channel = lambda channel: (lambda t: t.c.channel_id == channel if "channel_id" in t.c else None)  # noqa: E731
        assert (await _counts(bot, Platform.SLACK, by_channel("C2")))["pulse_schedules"] == 1

        await _uninstall_slack(bot, team="T2")

        assert set((await _counts(bot, Platform.SLACK, by_channel("C2"))).values()) == {0}
        assert (await _counts(bot, Platform.SLACK, by_channel("C1")))["pulse_schedules"] == 1
        async with bot.runtime.store.db.session() as s:
            teams = set((await s.scalars(select(SlackInstallationRow.team_id))).all())
            people = set((await s.scalars(select(Identity.user_id).where(Identity.platform == "slack"))).all())
        assert teams == {"T1"} and not {"U5", "U6"} & people
