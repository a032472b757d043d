"""An uninstall never removes a NEWER installation's data, through the real wire (signed requests through real
Bolt and the fake Slack API, activities through real botbuilder), on SQLite and PostgreSQL
(docs/operations.md, "Uninstalling").

An uninstall that meets a database outage is tried again for about 30 minutes, and Slack redelivers an event
whose acknowledgement was late: if the admin installed the app again meanwhile (to fix its scopes, say), the
late try must not delete the fresh installation (its tokens) or anything kept since. Slack: the event's
`event_time` against the installation's `installed_at`; Teams: the removal's `timestamp` against the latest
"add" for the same team, chat or person. And a graceful stop while a try waits, after a redelivery already
did the removal, says so at INFO instead of a false "NOT removed" ERROR.

The outage, the retries' sleep and the helpers are tests/wire/test_uninstall_outage.py's."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from handlers.core.types import OutboxItem, Platform, Reply, Target
from storage.models.installations import SlackInstallationRow
from support import wire
from tests.support.db_scan import platform_rows
from tests.support.harness import Harness, running
from tests.wire.test_ops_oauth import install, oauth_bot, replica, slash, team_setup
from tests.wire.test_slack_enterprise_grid import _payload
from tests.wire.test_uninstall import _counts, _removal, _slack_workspace, _teams_team
from tests.wire.test_uninstall_outage import _back, _fast_failing, _in_team, _lines, _until, outage

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}  # Slack's redelivery headers


def _uninstall_body(team: str = "T1", *, event_id: str = "EvGONE1", event: dict[str, Any] | None = None) -> str:
    """`app_uninstalled` as Slack dispatches it now (its `event_time`: whole seconds)."""
    return wire.event_body(event or {"type": "app_uninstalled"}, team=team, event_id=event_id)


async def _a_second_later(body: str) -> None:
    """Until the clock is in a later second than the event's `event_time`: an installation made now is newer
    (a real admin's reinstall takes far longer than that)."""
    after = json.loads(body)["event_time"] + 1
    while time.time() < after:
        await asyncio.sleep(0.05)


async def _deliver(bot: Harness, body: str, headers: dict[str, str] | None = None) -> None:
    response = await bot.post_slack(body, "application/json", headers=headers)
    assert response.status == 200
    await bot.idle()


async def _installations(bot: Harness, team: str = "T1") -> list[str]:
    async with bot.runtime.store.db.session() as s:
        return sorted((await s.scalars(select(SlackInstallationRow.user_id)
                                       .where(SlackInstallationRow.team_id == team))).all())


async def _bot_token(bot: Harness, team: str = "T1") -> str | None:
    oauth = bot.slack_adapter.oauth
    assert oauth is not None
    found = await oauth.installations.async_find_bot(enterprise_id=None, team_id=team)
    return found.bot_token if found is not None else None


async def _sends_with(bot: Harness, token: str) -> None:
    """The workspace's sends go out with `token` (the outbox, through `WorkspaceClients`)."""
    bot.clock.advance(seconds=31)  # past the per-process token cache
    await bot.runtime.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", "C1", None, "T1"),
                                                 bot.clock.now(), reply=Reply("still installed"))])
    await bot.runtime.worker.drain()
    assert bot.slack.posted("C1")[-1]["text"] == "still installed"
    assert bot.slack.tokens_used("chat.postMessage")[-1] == token


def _said(caplog: pytest.LogCaptureFixture, words: str) -> list[str]:
    return [r.getMessage() for r in _lines(caplog, logging.INFO) if words in r.getMessage()]


async def _installed_with_a_schedule(bot: Harness) -> None:
    """Workspace T1 installed over OAuth, with a pulse schedule in C1: data an uninstall removes."""
    team_setup(bot)
    await install(bot.client, bot, "code-1", "T1")
    await slash(bot.client, bot, "schedule every friday at 3pm", team="T1", user="U1", channel="C1")
    await bot.idle()


# ---- (1) Slack: outage, the removal tried again, the admin reinstalls, the database comes back -----------------
async def test_slack_retry_after_a_reinstall_removes_nothing(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, oauth_bot(db.url) as bot:
        await _installed_with_a_schedule(bot)
        sleep = await _fast_failing(bot)

        db.cut()
        body = _uninstall_body()
        await _deliver(bot, body)
        await sleep.asked_for(1)  # the first try failed: nothing went, the next waits
        db.restore()
        await _back(bot)
        await _a_second_later(body)
        token = await install(bot.client, bot, "code-2", "T1")  # the admin installs the app again
        await slash(bot.client, bot, "schedule every monday at 10am", team="T1", user="U1", channel="C1")
        await bot.idle()
        await bot.settle()
        kept = await platform_rows(bot, "slack")
        assert kept.get("pulse_schedules") and await _installations(bot) == ["", "UINSTALLER"]

        sleep.advance(1)  # the retry's turn: the event predates the installation
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")

        assert await _installations(bot) == ["", "UINSTALLER"], "the new installation was deleted"
        assert await _bot_token(bot) == token
        assert await platform_rows(bot, "slack") == kept
        await _sends_with(bot, token)
        assert len(_said(caplog, "nothing removed")) == 1, _said(caplog, "nothing removed")
        assert not _lines(caplog, logging.ERROR)
        assert sleep.asked == [1.0]  # no further try


# ---- (2) Slack: a redelivered app_uninstalled whose event_time predates a reinstall ------------------------------
async def test_slack_redelivery_after_a_reinstall_removes_nothing(db_url: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with oauth_bot(db_url) as bot:
        await _installed_with_a_schedule(bot)
        body = _uninstall_body(event_id="EvGONE2")
        await _deliver(bot, body)  # the first delivery removes everything (its ack was late: Slack will retry)
        assert await _installations(bot) == [] and not (await platform_rows(bot, "slack")).get("pulse_schedules")

        await _a_second_later(body)
        token = await install(bot.client, bot, "code-2", "T1")
        await slash(bot.client, bot, "schedule every monday at 10am", team="T1", user="U1", channel="C1")
        await bot.idle()
        await bot.settle()
        kept = await platform_rows(bot, "slack")
        assert kept.get("pulse_schedules") == 1

        await _deliver(bot, body, RETRY)  # Slack's retry of the same event, after the reinstall
        await bot.settle()

        assert await _installations(bot) == ["", "UINSTALLER"], "the new installation was deleted"
        assert await platform_rows(bot, "slack") == kept
        await _sends_with(bot, token)
        assert len(_said(caplog, "nothing removed")) == 1
        assert not _lines(caplog, logging.ERROR)


async def test_slack_tokens_revoked_redelivered_after_a_reinstall_keeps_the_new_bot(db_url: str) -> None:
    async with oauth_bot(db_url) as bot:
        team_setup(bot)
        await install(bot.client, bot, "code-1", "T1")
        body = _uninstall_body(event_id="EvREVOKED", event={"type": "tokens_revoked",
                                                             "tokens": {"oauth": ["UINSTALLER"], "bot": ["UBOT"]}})
        await _deliver(bot, body)
        assert await _bot_token(bot) is None
        await _a_second_later(body)
        token = await install(bot.client, bot, "code-2", "T1")
        await _deliver(bot, body, RETRY)
        assert await _bot_token(bot) == token and await _installations(bot) == ["", "UINSTALLER"]


async def test_slack_org_wide_redelivery_after_the_organisation_reinstalled_removes_nothing(db_url: str) -> None:
    async with oauth_bot(db_url) as bot:
        await install(bot.client, bot, "code-org", None, enterprise="E111")
        body = _payload("grid_app_uninstalled")
        body["event_time"] = int(time.time())
        await _deliver(bot, json.dumps(body))
        assert not await _installed_in("E111", bot)
        await _a_second_later(json.dumps(body))
        token = await install(bot.client, bot, "code-org-2", None, enterprise="E111")
        await _deliver(bot, json.dumps(body), RETRY)
        assert await _installed_in("E111", bot) == ["", ""]  # the latest and the installer's row
        oauth = bot.slack_adapter.oauth
        assert oauth is not None
        found = await oauth.installations.async_find_bot(enterprise_id="E111", team_id=None, is_enterprise_install=True)
        assert found is not None and found.bot_token == token


async def test_slack_org_wide_redelivery_after_one_workspace_installed_on_its_own(db_url: str) -> None:
    """One workspace's own installation after the event does not make the whole organisation's uninstall stale
    (a review found it did: the org-wide installation and every workspace's data stayed); the organisation's
    installation goes, and that workspace, installed after the event, keeps its own."""
    async with oauth_bot(db_url) as bot:
        await install(bot.client, bot, "code-org", None, enterprise="E111")
        assert await _installed_in("E111", bot) == ["", ""]
        body = _payload("grid_app_uninstalled")
        body["event_time"] = int(time.time())
        await _a_second_later(json.dumps(body))
        await install(bot.client, bot, "code-t2", "T2", enterprise="E111")  # T2's own admin installs it there
        await _deliver(bot, json.dumps(body), RETRY)  # the organisation's uninstall, redelivered
        assert await _installed_in("E111", bot) == ["T2", "T2"]


async def _installed_in(enterprise: str, bot: Harness) -> list[str]:
    async with bot.runtime.store.db.session() as s:
        return sorted((await s.scalars(select(SlackInstallationRow.team_id)
                                       .where(SlackInstallationRow.enterprise_id == enterprise))).all())


# ---- (3) a normal uninstall still removes everything ------------------------------------------------------------
async def test_slack_uninstall_after_the_installation_still_removes_everything(db_url: str) -> None:
    async with oauth_bot(db_url) as bot:
        await _installed_with_a_schedule(bot)
        assert (await platform_rows(bot, "slack")).get("pulse_schedules") == 1
        await _deliver(bot, _uninstall_body())  # dispatched in the second the installation was made (or later)
        await bot.settle()
        assert await _installations(bot) == []
        assert not (await platform_rows(bot, "slack")).get("pulse_schedules")


async def test_slack_uninstall_retried_without_a_reinstall_still_removes_everything(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, oauth_bot(db.url) as bot:
        await _installed_with_a_schedule(bot)
        sleep = await _fast_failing(bot)
        db.cut()
        await _deliver(bot, _uninstall_body())
        await sleep.asked_for(1)
        db.restore()
        await _back(bot)
        sleep.advance(1)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")
        assert await _installations(bot) == []
        assert not (await platform_rows(bot, "slack")).get("pulse_schedules")
        assert not _lines(caplog, logging.ERROR) and not _said(caplog, "nothing removed")


# ---- (4) Teams: removed during an outage, added again, the database comes back ------------------------------------
def _added(bot: Harness, timestamp: str, **kwargs: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type="installationUpdate", **kwargs)
    activity["action"] = "add"
    activity["timestamp"] = timestamp
    return activity


LEAD = {"user": "29:lead", "aad": "aad-lead", "conversation_type": "channel"}
REMOVED_AT, ADDED_AT = "2026-03-02T09:00:00.000Z", "2026-03-02T09:04:00.000Z"


async def test_teams_removal_retried_after_the_app_was_added_again_removes_nothing(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url, admins=frozenset({"aad-lead"})) as bot:
        await _teams_team(bot)
        kept = await _counts(bot, Platform.TEAMS, _in_team)
        assert kept["meetings"] == 1 and kept["conversations"] == 1
        sleep = await _fast_failing(bot)

        db.cut()
        removal = _removal(bot, **LEAD)
        removal["timestamp"] = REMOVED_AT
        await bot.teams(removal)
        await sleep.asked_for(1)
        await bot.teams(_added(bot, ADDED_AT, **LEAD))  # added again to the same team, the database still down
        db.restore()
        await _back(bot)
        sleep.advance(1)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")

        assert await _counts(bot, Platform.TEAMS, _in_team) == kept
        assert len(_said(caplog, "nothing removed")) == 1, _said(caplog, "nothing removed")
        assert not _lines(caplog, logging.ERROR)


@pytest.mark.parametrize("late", ["add_elsewhere", "older_add", "member_message"])
async def test_teams_removal_retried_is_not_cancelled_by_what_another_replica_wrote(
        db_url: str, late: str, caplog: pytest.LogCaptureFixture) -> None:
    """Privacy first: only an add this process saw cancels a removal. What another replica writes afterwards —
    the add itself, an add older than the removal delivered late, or a member's message sent before the removal
    and processed late — is no proof of an add (they all write the same conversation reference), and reading it
    as one kept a removed team's data for good (a review found that). The removal goes ahead; a real add's
    reference is written again by the team's next message."""
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url, admins=frozenset({"aad-lead"})) as bot, \
            replica(bot) as (other, other_runtime):
        await _teams_team(bot)
        await _post_teams(other, bot.activity("steadybot help", mention=True, **LEAD))
        assert await other_runtime.lane.settle(10.0)
        sleep = await _fast_failing(bot)

        db.cut()
        removal = _removal(bot, **LEAD)
        removal["timestamp"] = REMOVED_AT
        await bot.teams(removal)
        await sleep.asked_for(1)
        db.restore()
        await _back(bot)
        bot.clock.advance(seconds=5)
        if late == "add_elsewhere":
            await _post_teams(other, _added(bot, ADDED_AT, **LEAD))
        elif late == "older_add":  # made before the removal, delivered late to the other replica
            await _post_teams(other, _added(bot, "2026-03-02T08:59:00.000Z", **LEAD))
        else:
            message = bot.activity("steadybot help", mention=True, user="29:u2", aad="aad-2",
                                   conversation_type="channel")
            message["timestamp"] = "2026-03-02T08:59:30.000Z"
            await _post_teams(other, message)
        assert await other_runtime.lane.settle(10.0)
        sleep.advance(1)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")

        left = {k: v for k, v in (await _counts(bot, Platform.TEAMS, _in_team)).items() if v}
        assert left == {}, (left, _said(caplog, "nothing removed"))
        assert not _said(caplog, "nothing removed")
        assert not _lines(caplog, logging.ERROR)


async def _post_teams(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", data=json.dumps(activity),
                                 headers={"Content-Type": "application/json"})
    assert response.status in (200, 201), await response.text()


async def test_teams_removal_after_an_older_add_still_removes_the_team(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        await bot.teams(_added(bot, "2026-03-02T08:00:00.000Z", **LEAD))
        await _teams_team(bot)
        removal = _removal(bot, **LEAD)
        removal["timestamp"] = REMOVED_AT
        await bot.teams(removal)
        await bot.settle()
        assert set((await _counts(bot, Platform.TEAMS, _in_team)).values()) == {0}


# ---- (5) a stop while a try waits, after a redelivery did the removal: no false "NOT removed" -------------------
async def test_slack_stop_after_a_redelivery_removed_everything_is_not_a_false_error(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db:
        async with running(db.url) as bot:
            await _slack_workspace(bot)
            sleep = await _fast_failing(bot)
            body = _uninstall_body(event_id="EvGONE5")
            db.cut()
            await _deliver(bot, body)
            await sleep.asked_for(1)
            db.restore()
            await _back(bot)
            await _deliver(bot, body, RETRY)  # Slack's redelivery removes everything
            assert await platform_rows(bot, "slack") == {}
            assert bot.runtime.lane.retrying  # the first delivery's try still waits: the stop ends it
        assert not _lines(caplog, logging.ERROR), [r.getMessage() for r in _lines(caplog, logging.ERROR)]
        assert len(_said(caplog, "already removed")) == 1, _said(caplog, "already removed")


async def test_teams_stop_after_a_redelivery_removed_everything_is_not_a_false_error(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db:
        async with running(db.url, admins=frozenset({"aad-lead"})) as bot:
            await _teams_team(bot)
            sleep = await _fast_failing(bot)
            removal = _removal(bot, **LEAD)
            db.cut()
            await bot.teams(removal)
            await sleep.asked_for(1)
            db.restore()
            await _back(bot)
            await bot.teams(removal)  # the same activity again: it removes the team
            assert set((await _counts(bot, Platform.TEAMS, _in_team)).values()) == {0}
            assert bot.runtime.lane.retrying
        assert not _lines(caplog, logging.ERROR), [r.getMessage() for r in _lines(caplog, logging.ERROR)]
        assert len(_said(caplog, "already removed")) == 1, _said(caplog, "already removed")


async def test_slack_retry_after_a_redelivery_removed_everything_ends_quietly(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url) as bot:
        await _slack_workspace(bot)
        sleep = await _fast_failing(bot)
        body = _uninstall_body(event_id="EvGONE6")
        db.cut()
        await _deliver(bot, body)
        await sleep.asked_for(1)
        db.restore()
        await _back(bot)
        await _deliver(bot, body, RETRY)
        sleep.advance(1)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")
        assert len(_said(caplog, "already removed")) == 1, _said(caplog, "already removed")
        assert not _lines(caplog, logging.ERROR)

