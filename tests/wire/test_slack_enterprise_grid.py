"""Slack Enterprise Grid traffic through the real aiohttp app and real Bolt, signed, against the fake Web API.

Grid payloads differ from a single workspace's (sources in each file under tests/data/payloads/slack/grid_*
and slack/requests/grid_*, and in tests/data/README.md): `enterprise` / `enterprise_id` are set, people are
`W…` ids, an org-wide app's events carry `authorizations[0]` with `team_id: null` and
`is_enterprise_install: true`, and its interactive payloads (button presses, modal submissions) come with
`"team": null`, the person's workspace only in `user.team_id` — which Slack's reference says may even be the
organisation's id (`E…`) rather than a workspace's (https://docs.slack.dev/reference/interaction-payloads/
block_suggestion-payload, `user`).

Which workspace a Grid request belongs to (bot/slack/payloads.py, `_team` and `workspace`; docs/operations.md,
"Enterprise Grid"): `team.id`, else the outer `team_id`, else the modal's `app_installed_team_id`, else
`user.team_id` — and only ever a workspace id (`T…`): an organisation id names no workspace, so it is
never recorded as one (nothing is tagged with it, and the person keeps the workspace already known).

The request payloads (slash command, button, modal) live under slack/requests/: a person's requests are
answered through response_url, which tests/wire/test_replay_payloads.py (it expects silence and would post
to hooks.slack.com) does not redirect; here response_url is pointed at the fake Slack.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from handlers.core.types import OutboxItem, Place, Platform, Reply, Target
from storage.models import every_table
from storage.models.installations import SlackInstallationRow
from storage.models.pulse import PulseRound
from support import wire
from tests.support.db_scan import platform_rows
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import ANSWER, channel_posts, launch_value, pulse_dms, slack_team, text_of
from tests.support.scope_helpers import SCOPE_CREEP, prompts_in, slack_buttons
from tests.wire.test_ops_oauth import install, oauth_bot

DATA = Path(__file__).resolve().parents[1] / "data" / "payloads" / "slack"
PEOPLE = {f"W{i}": "UTC" for i in range(1, 7)}  # Grid user ids; five besides the sender (k = 5)
INVALID = "no longer valid"


def _doc(name: str) -> dict[str, Any]:
    path = DATA / f"{name}.json" if (DATA / f"{name}.json").exists() else DATA / "requests" / f"{name}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["_source"], name
    return doc


def _payload(name: str) -> dict[str, Any]:
    return json.loads(json.dumps(_doc(name)["payload"]))  # a deep copy


def _team(bot: Harness, channel: str = "C1", team: str = "T1") -> None:
    slack_team(bot, PEOPLE, creator="W1", channel=channel)
    for user in PEOPLE:
        bot.slack.users[user]["team_id"] = team


async def _post(bot: Harness, body: str, content_type: str = "application/x-www-form-urlencoded") -> str:
    response = await bot.post_slack(body, content_type)
    text = await response.text()
    assert 200 <= response.status < 300, text
    assert "Traceback" not in text
    return text


async def _slash(bot: Harness, text: str, *, command: str = "/pulse", user: str = "W1", channel: str = "C1",
                 team: str = "T1", org_wide: bool = False, enterprise: str = "E1") -> dict[str, Any]:
    """The Grid slash command (bolt-js's captured body) as `command text`; returns its answer."""
    fields = _payload("grid_slash_command")
    bot.responses += 1
    fields.update(command=command, text=text, user_id=user, user_name=user.lower(), channel_id=channel,
                  channel_name="team", team_id=team, enterprise_id=enterprise, trigger_id=f"grid.{bot.responses}",
                  response_url=bot.slack.response_url(f"grid{bot.responses}"))
    if org_wide:
        fields["is_enterprise_install"] = "true"
    before, posts = len(bot.slack.responses), len(bot.slack.calls_to("chat.postMessage"))
    await _post(bot, urlencode(fields))
    await bot.idle()
    if len(bot.slack.responses) > before:  # answered to the person (the ack or response_url)
        return bot.slack.responses[before]
    posted = bot.slack.calls_to("chat.postMessage")[posts:]  # or in the channel, for everyone
    assert posted, f"{command} {text}: no answer at all"
    return posted[0].params


def _press_body(bot: Harness, action_id: str, value: str, *, user: str, channel: str, message_ts: str,
                user_team: str, ephemeral: bool = False) -> str:
    """The org-wide button press (`team: null`) for a button the bot sent."""
    payload = _payload("grid_block_actions_team_null")
    bot.responses += 1
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=user_team)
    payload["enterprise"]["id"] = "E1"
    payload["container"].update(message_ts=message_ts, channel_id=channel, is_ephemeral=ephemeral)
    payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else "team"}
    payload["message"] = {"ts": message_ts, "text": "…"}
    payload["trigger_id"] = f"grid.trigger.{bot.responses}"
    payload["response_url"] = bot.slack.response_url(f"press{bot.responses}")
    payload["actions"][0].update(action_id=action_id, value=value, action_ts=f"1700000000.{bot.responses:06d}")
    return wire.interactive_body(payload)


def _submit_body(view: dict[str, Any], values: dict[str, str], *, user: str, user_team: str) -> str:
    """The org-wide modal submission (`team: null`) of a modal the bot opened."""
    payload = _payload("grid_view_submission_team_null")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=user_team)
    # Slack sends back the bot's own form (its blocks) with the person's values
    payload["view"].update(id=f"V{user}", callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                           blocks=view["blocks"], state={"values": {k: {k: {"type": "plain_text_input", "value": v}}
                                             for k, v in values.items()}})
    return wire.interactive_body(payload)


async def _slack_rows(bot: Harness) -> dict[str, int]:
    return await platform_rows(bot, Platform.SLACK.value)


async def _uninstall(bot: Harness, team: str) -> None:
    await _post(bot, wire.event_body({"type": "app_uninstalled"}, team=team), "application/json")
    await bot.settle()


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info]


# ---- a slash command ----------------------------------------------------------------------------------
@pytest.mark.parametrize("org_wide", [False, True], ids=["workspace_install", "org_wide"])
async def test_a_grid_slash_command_is_answered(sqlite_url: str, org_wide: bool,
                                                caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        _team(bot)
        answer = await _slash(bot, "help", org_wide=org_wide)
        assert "/pulse" in json.dumps(answer) and "Sorry" not in json.dumps(answer)
        await _slash(bot, "now", org_wide=org_wide)
        await bot.settle()
        assert channel_posts(bot) and pulse_dms(bot, "W2"), "the pulse did not go out to the Grid people"
    assert _problems(caplog) == []


# ---- a button press (team: null) and a modal submission, the whole pulse round trip -----------------------
@pytest.mark.parametrize("user_team", ["T1", "E1"], ids=["user_team_workspace", "user_team_org"])
async def test_a_pulse_answered_through_org_wide_button_and_modal(sqlite_url: str, user_team: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """The DM's button and the modal arrive with `team: null`; the person's workspace is `user.team_id`
    (a workspace id, or, as Slack's reference allows, the organisation's id). The answer is recorded and
    acknowledged; nothing is tagged with the organisation's id, so the workspace's uninstall leaves no row."""
    async with running(sqlite_url) as bot:
        _team(bot)
        await _slash(bot, "now")
        await bot.settle()
        dm = pulse_dms(bot, "W2")[-1]
        opened = len(bot.slack.calls_to("views.open"))
        await _post(bot, _press_body(bot, "form.open", launch_value(dm), user="W2", channel="D2",
                                     message_ts="dm-W2-1", user_team=user_team))
        await bot.idle()
        views = await bot.slack.wait_for("views.open", opened + 1)
        view = views[-1].params["view"]
        assert view["type"] == "modal", text_of(view)

        updates = len(bot.slack.calls_to("chat.update"))
        await _post(bot, _submit_body(view, ANSWER, user="W2", user_team=user_team))
        await bot.idle()
        updated = await bot.slack.wait_for("chat.update", updates + 1)
        assert "thank" in text_of(updated[-1].params).lower(), text_of(updated[-1].params)
        assert not [r for r in bot.slack.responses if INVALID in json.dumps(r)]

        tags = await _tags(bot)
        assert "E1" not in tags, f"rows tagged with the organisation's id as if it were a workspace: {tags}"
        await _uninstall(bot, "T1")
        assert await _slack_rows(bot) == {}, "the workspace's uninstall left rows behind"
    assert _problems(caplog) == []


async def _tags(bot: Harness) -> set[str]:
    tags: set[str] = set()
    async with bot.runtime.store.db.session() as s:
        for table in every_table().sorted_tables:
            if "platform" in table.c and "team_id" in table.c:
                tags |= {str(t) for t in (await s.execute(select(table.c.team_id).where(
                    table.c.platform == Platform.SLACK.value))).scalars() if t}
    return tags


# ---- ownership: a sealed value from workspace T1 pressed from workspace T2 of the same org -----------------
async def test_a_button_from_one_workspace_is_refused_in_another_of_the_same_org(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        _team(bot, "C1", "T1")
        slack_team(bot, {"W7": "UTC"}, creator="W7", channel="C2")  # a channel of workspace T2
        answer = await _slash(bot, "25m design review", command="/timebox")
        assert "Sorry" not in json.dumps(answer)
        posted = next(c.params for c in channel_posts(bot) if slack_buttons(c.params))
        action_id, value = slack_buttons(posted)["Stop"]

        # copied into T2's channel C2 (team: null, the presser's workspace T2): refused, nothing stops
        before = len(bot.slack.responses)
        await _post(bot, _press_body(bot, action_id, value, user="W7", channel="C2", message_ts=posted.get("ts", "1.1"),
                                     user_team="T2"))
        await bot.idle()
        refused = (await bot.slack.wait_for_responses(before + 1))[before:]
        assert any(INVALID in json.dumps(r) for r in refused), refused
        running_box = await bot.runtime.store.timebox.latest(_place("C1", "T1"))
        assert running_box is not None and running_box.status == "running", "a press from T2 stopped T1's timer"

        # the same button in its own channel (team: null, an org-wide press): it works
        before = len(bot.slack.responses) + len(bot.slack.calls_to("chat.postMessage"))
        await _post(bot, _press_body(bot, action_id, value, user="W1", channel="C1", message_ts="1.1", user_team="T1"))
        await bot.settle()
        stopped = await bot.runtime.store.timebox.latest(_place("C1", "T1"))
        assert stopped is not None and stopped.status == "stopped", "the press in its own channel did nothing"
        assert not [r for r in bot.slack.responses if INVALID in json.dumps(r)][1:]
    assert _problems(caplog) == []


def _place(channel: str, team: str) -> Place:
    return Place(Platform.SLACK, channel, team)


# ---- a channel message (the scope watcher) -------------------------------------------------------------
async def test_an_org_wide_channel_message_reaches_the_scope_watcher(sqlite_url: str,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        _team(bot, "C111", "T111")
        body = _payload("grid_message")
        body["event"]["text"] = SCOPE_CREEP  # the captured text is an @mention of another user
        await _post(bot, json.dumps(body), "application/json")
        await bot.settle()
        prompts = prompts_in(bot)
        assert prompts and prompts[0]["channel"] == "C111" and prompts[0]["thread_ts"] == body["event"]["ts"]
        assert await _tags(bot) <= {"T111"}
        await _uninstall(bot, "T111")  # the outer team_id: the workspace the message was written in
        assert await _slack_rows(bot) == {}
    assert _problems(caplog) == []


# ---- app_home_opened -----------------------------------------------------------------------------------
async def test_an_org_wide_app_home_is_published(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        body = _payload("app_home_opened")  # bolt-python's org app event: authorizations[0].team_id null
        assert body["authorizations"][0]["team_id"] is None
        body["event"]["tab"] = "home"  # the captured one opened the Messages tab
        await _post(bot, json.dumps(body), "application/json")
        await bot.settle()
        published = bot.slack.calls_to("views.publish")
        assert [c.params["user_id"] for c in published] == ["W111"]
        assert published[0].params["view"]["type"] == "home"
    assert _problems(caplog) == []


# ---- app_uninstalled / tokens_revoked for an org-wide install (OAuth) ---------------------------------
async def test_an_org_wide_uninstall_deletes_the_organisations_installation(sqlite_url: str,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    async with oauth_bot(sqlite_url) as bot:
        _team(bot, "C7", "T7")
        token = await install(bot.client, bot, "code-org", None, enterprise="E111")
        await _slash(bot, "now", channel="C7", team="T7", org_wide=True, enterprise="E111")
        await bot.settle()
        assert pulse_dms(bot, "W2")
        body = _payload("grid_app_uninstalled")
        body["event_time"] = int(time.time())  # dispatched after the installation (a stale one removes nothing)
        await _post(bot, json.dumps(body), "application/json")
        await bot.settle()
        async with bot.runtime.db.session() as session:
            assert (await session.execute(select(SlackInstallationRow))).scalars().all() == []
        used = len(bot.slack.tokens_used("chat.postMessage"))
        await bot.runtime.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", "C7", None, "T7"),
                                                     bot.clock.now(), reply=Reply("after uninstall"))])
        await bot.runtime.worker.drain()
        assert bot.slack.tokens_used("chat.postMessage")[used:] == [], "sent with the uninstalled org's token"
        assert token not in bot.slack.tokens_used("chat.postMessage")[used:]
    assert _problems(caplog) == []


async def test_org_wide_tokens_revoked_drops_the_organisations_bot(sqlite_url: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    async with oauth_bot(sqlite_url) as bot:
        await install(bot.client, bot, "code-org", None, enterprise="E111")
        await _post(bot, json.dumps({**_payload("grid_tokens_revoked"), "event_time": int(time.time())}),
                    "application/json")
        await bot.settle()
        oauth = bot.slack_adapter.oauth
        assert oauth is not None
        assert await oauth.installations.async_find_bot(enterprise_id="E111", team_id=None,
                                                        is_enterprise_install=True) is None
    assert _problems(caplog) == []


# ---- channel_archive with authorizations[0].team_id null ------------------------------------------------
async def test_an_org_wide_channel_archive_stops_the_channels_pulses(sqlite_url: str,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    body = _payload("grid_channel_archive")
    channel = body["event"]["channel"]
    async with running(sqlite_url) as bot:
        _team(bot, channel, "T111")
        answer = await _slash(bot, "schedule every day at 3pm", channel=channel, team="T111", org_wide=True)
        assert "Sorry" not in json.dumps(answer)
        await bot.settle()
        await _post(bot, json.dumps(body), "application/json")
        await bot.idle()
        async with bot.runtime.store.db.session() as s:
            before = int(await s.scalar(select(func.count()).select_from(PulseRound)
                                        .where(PulseRound.channel_id == channel)) or 0)
        posts = len(channel_posts(bot, channel))
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        async with bot.runtime.store.db.session() as s:
            after = int(await s.scalar(select(func.count()).select_from(PulseRound)
                                       .where(PulseRound.channel_id == channel)) or 0)
        assert after == before and channel_posts(bot, channel)[posts:] == [], "the archived channel's pulse fired"
    assert _problems(caplog) == []
