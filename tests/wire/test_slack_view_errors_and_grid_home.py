"""Slack modals and the App Home as the real service sends them, through the real aiohttp app and real Bolt,
with signed requests, against the fake Slack Web API (support/slack_api.py).

**A submission missing a required value** (a forged or replayed `view_submission`, a client that sends an
empty `state.values`): the ack answers `{"response_action": "errors", "errors": {block_id: message}}`, so the
modal stays open with the message under the field — Slack's documented answer
(https://docs.slack.dev/surfaces/modals#displaying_errors; the ack's shape:
https://docs.slack.dev/tools/bolt-js/reference/interfaces/ViewErrorsResponseAction,
https://docs.slack.dev/tools/bolt-js/concepts/acknowledge). Nothing is recorded and the view's id is not
spent, so the same modal submitted again, complete, is counted. A modal whose `private_metadata` is not the
bot's seal for this person is refused as before ("no longer valid" by DM), whatever its values.

The submission is the view the bot opened (views.open), echoed back as Slack does: its `blocks` (with
`optional`), and `state.values` keyed by block id and action id; an unselected radio group is
`"selected_option": null` (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).

**Enterprise Grid Home refresh.** An org-wide app's Home-tab press arrives with `"team": null`, the person's
workspace at best in `user.team_id` — which Slack's reference says may be the organisation's id: "The
`user.team_id` will report an enterprise organization ID (which starts with an E) instead of team ID (which
starts with a T), when using Enterprise Grid" (https://api.slack.com/reference/interaction-payloads/
block-suggestion, `user`). The payload is bolt-python's org-wide block_actions
(tests/data/payloads/slack/requests/grid_block_actions_team_null.json: `tests/scenario_tests_async/
test_block_actions.py` at a2f21ae4…, with the org fields of https://github.com/slackapi/bolt-python/pull/23)
moved to the Home tab (`container.type: "view"`, `view.type: "home"`, as in test_reports_home.py), with the
organisation's id wherever Grid payloads may carry it: `user.team_id`, `view.team_id` and
`view.app_installed_team_id` (Slack's Work Objects guide on docs.slack.dev, "Handling `view_submission`
requests", shows a Grid submission whose `view.team_id` and `view.app_installed_team_id` are both `E…`;
the same guide links the modal errors answer as /surfaces/modals/#displaying_errors). Bolt's own
`context.team_id` is then the organisation's id too (slack_bolt/request/internals.py `extract_team_id`:
`view.app_installed_team_id` first)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.models.pulse import PulseRound
from support import wire
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import ANSWER, dms, press_dm, pulse_now, slack_team, text_of
from tests.wire.test_slack_enterprise_grid import _payload

INVALID = "no longer valid"
SCALES = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")


# ---- modals -------------------------------------------------------------------------------------------
def submission(view: dict[str, Any], values: Mapping[str, str | None], *, user: str, view_id: str = "VFORM",
               metadata: str | None = None) -> dict[str, Any]:
    """The modal the bot opened, submitted as Slack sends it: its blocks, and the state of each input (None:
    a radio group nobody chose in)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input" or block["block_id"] not in values:
            continue
        element = block["element"]
        value = values[block["block_id"]]
        if element["type"] == "plain_text_input":
            entry: dict[str, Any] = {"type": "plain_text_input", "value": value}
        else:
            chosen = None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
            entry = {"type": element["type"], "selected_option": chosen}
        state[block["block_id"]] = {element["action_id"]: entry}
    payload = wire.view_submission(metadata or view["private_metadata"], {}, user=user, view_id=view_id)
    payload["view"].update(blocks=view["blocks"], callback_id=view["callback_id"], title=view["title"],
                           state={"values": state})
    return payload


async def submit(bot: Harness, payload: dict[str, Any]) -> tuple[int, str]:
    response = await bot.post_slack(wire.interactive_body(payload))
    text = await response.text()
    await bot.idle()
    return response.status, text


async def open_pulse_form(bot: Harness, user: str = "U2") -> dict[str, Any]:
    slack_team(bot, {f"U{i}": "UTC" for i in range(1, 7)})
    await pulse_now(bot)
    view = await press_dm(bot, user)
    assert view.get("type") == "modal", text_of(view)
    return view


async def test_a_pulse_form_without_its_answers_stays_open_with_a_message_under_each(db_url: str) -> None:
    async with running(db_url) as bot:
        view = await open_pulse_form(bot)
        updates, before_dms = len(bot.slack.calls_to("chat.update")), len(dms(bot, "U2"))

        # an empty state.values (a client that sends none), then every radio group unselected
        for values in ({}, {scale: None for scale in SCALES}):
            status, body = await submit(bot, submission(view, values, user="U2"))
            assert status == 200
            ack = json.loads(body) if body else {}
            assert ack.get("response_action") == "errors", f"the modal closed: ack {body!r}"
            assert set(ack["errors"]) == set(SCALES), ack  # the comment is optional
            assert all(isinstance(m, str) and 0 < len(m) <= 150 for m in ack["errors"].values())
        assert len(bot.slack.calls_to("chat.update")) == updates, "the DM said thanks for a missing answer"
        assert len(dms(bot, "U2")) == before_dms, "told by DM: the modal can say it under the field"

        # the same modal, completed: counted (the refused submissions spent nothing)
        status, body = await submit(bot, submission(view, dict(ANSWER), user="U2"))
        assert status == 200 and not body, body
        thanks = await bot.slack.wait_for("chat.update", updates + 1)
        assert "thanks" in text_of(thanks[-1].params).lower(), text_of(thanks[-1].params)


async def test_a_choice_the_form_never_offered_is_an_error_under_its_field(db_url: str) -> None:
    async with running(db_url) as bot:
        view = await open_pulse_form(bot)
        updates = len(bot.slack.calls_to("chat.update"))
        status, body = await submit(bot, submission(view, {**ANSWER, "efficacy": "9"}, user="U2"))
        assert status == 200
        ack = json.loads(body) if body else {}
        assert ack.get("response_action") == "errors" and set(ack["errors"]) == {"efficacy"}, body
        assert len(bot.slack.calls_to("chat.update")) == updates


@pytest.mark.parametrize("forgery", ["another_person", "bad_signature"])
async def test_a_forged_metadata_is_refused_and_changes_nothing_whatever_its_values(db_url: str,
                                                                                   forgery: str) -> None:
    async with running(db_url) as bot:
        view = await open_pulse_form(bot, "U2")
        metadata = view["private_metadata"]
        user = "U3" if forgery == "another_person" else "U2"  # U2's modal submitted as U3: sealed for U2 only
        if forgery == "bad_signature":
            metadata = metadata[:-4] + ("AAAA" if not metadata.endswith("AAAA") else "BBBB")
        updates = len(bot.slack.calls_to("chat.update"))
        for values in ({}, dict(ANSWER)):
            before = len(dms(bot, user))
            status, body = await submit(bot, submission(view, values, user=user, metadata=metadata,
                                                        view_id=f"V{forgery}{len(values)}"))
            assert status == 200 and not body, f"a forged modal got {body!r}"
            refused = dms(bot, user)[before:]
            assert any(INVALID in text_of(c.params) for c in refused), [text_of(c.params) for c in refused]
        assert len(bot.slack.calls_to("chat.update")) == updates, "a forged modal was counted"


async def test_a_required_text_field_left_blank_is_an_error_under_it(db_url: str) -> None:
    """The channel settings modal (`/steadybot settings`): its text fields are required."""
    async with running(db_url) as bot:
        slack_team(bot, {"U1": "UTC", "U2": "UTC"})
        answer = await bot.slash_reply("/steadybot", "settings", user="U1")
        button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
        opened = len(bot.slack.calls_to("views.open"))
        await bot.press(button["action_id"], button["value"], user="U1", channel="C1")
        await bot.idle()
        view = (await bot.slack.wait_for("views.open", opened + 1))[-1].params["view"]
        inputs = {b["block_id"]: b for b in view["blocks"] if b.get("type") == "input"}
        assert "quiet_hours" in inputs and not inputs["quiet_hours"].get("optional")
        values: dict[str, str | None] = {}
        for block_id, block in inputs.items():
            element = block["element"]
            initial = element.get("initial_option", {}).get("value") or element.get("initial_value")
            values[block_id] = initial
        values["quiet_hours"] = "   "
        status, body = await submit(bot, submission(view, values, user="U1", view_id="VSETTINGS"))
        assert status == 200
        ack = json.loads(body) if body else {}
        assert ack.get("response_action") == "errors" and set(ack["errors"]) == {"quiet_hours"}, body


# ---- the App Home's Refresh from an Enterprise Grid org ---------------------------------------------------
ORG = "E1"
PRESSES = itertools.count(1)


T1_PEOPLE = [f"W{i}" for i in range(1, 7)]  # workspace T1's channel C1, with W7 (a member of both)
T2_PEOPLE = [f"W{i}" for i in range(8, 14)]  # workspace T2's channel C2, with W7


def grid_team(bot: Harness) -> None:
    """Workspace T1 (channel C1) and workspace T2 (channel C2) of one organisation; W7 sits in both channels,
    enough people in each for a pulse schedule (k = 5 besides the sender)."""
    for user in [*T1_PEOPLE, "W7", *T2_PEOPLE]:
        bot.slack.add_user(user, f"Person {user}", tz="UTC")
    bot.slack.add_user("UBOT", "steadybot", is_bot=True)
    bot.slack.add_channel("C1", "W1", [*T1_PEOPLE, "W7", "UBOT"])
    bot.slack.add_channel("C2", "W8", [*T2_PEOPLE, "W7", "UBOT"])


async def schedule(bot: Harness, user: str, channel: str, name: str, team: str) -> None:
    """`/pulse schedule` from the Grid slash command (bolt-js's captured body): the channel runs steadybot."""
    fields = _payload("grid_slash_command")
    bot.responses += 1
    fields.update(command="/pulse", text="schedule every friday at 3pm", user_id=user, user_name=user.lower(),
                  channel_id=channel, channel_name=name, team_id=team, enterprise_id=ORG,
                  trigger_id=f"grid.{bot.responses}", response_url=bot.slack.response_url(f"grid{bot.responses}"))

    response = await bot.post_slack(urlencode(fields))
    assert response.status == 200, await response.text()
    await bot.settle()
    assert "didn't schedule" not in json.dumps(bot.slack.responses[-1:]), bot.slack.responses[-1:]


async def open_home(bot: Harness, user: str, team: str) -> None:
    """`app_home_opened` for an org-wide install: the event's workspace is its outer `team_id`."""
    body = _payload("app_home_opened")
    body.update(team_id=team, enterprise_id=ORG, event_id=f"Ev{user}{team}")
    body["event"].update(user=user, tab="home", channel="D" + user[1:])
    response = await bot.post_slack(json.dumps(body), "application/json")
    assert response.status == 200
    await bot.idle()


def grid_home_refresh(user: str) -> dict[str, Any]:
    payload = _payload("grid_block_actions_team_null")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=ORG)
    payload["enterprise"]["id"] = ORG
    for key in ("channel", "message", "response_url"):
        payload.pop(key, None)
    payload["container"] = {"type": "view", "view_id": f"VHOME{user}"}
    payload["view"] = {"id": f"VHOME{user}", "team_id": ORG, "type": "home", "callback_id": "steadybot.home",
                       "app_installed_team_id": ORG, "blocks": [], "private_metadata": "", "state": {"values": {}}}
    n = next(PRESSES)
    payload["trigger_id"] = f"home.{user}.{n}"
    payload["actions"][0].update(action_id="home.refresh#3", value="", type="button",
                                 action_ts=f"1700000000.{n:06d}")
    return payload


async def refresh(bot: Harness, user: str) -> str:
    before = len([c for c in bot.slack.calls_to("views.publish") if c.params.get("user_id") == user])
    response = await bot.post_slack(wire.interactive_body(grid_home_refresh(user)))
    assert response.status == 200
    await bot.idle()
    mine = [c for c in bot.slack.calls_to("views.publish") if c.params.get("user_id") == user]
    assert len(mine) == before + 1, "the Refresh published nothing"
    return json.dumps(mine[-1].params["view"])


async def test_an_org_wide_home_refresh_lists_the_persons_channels_of_their_workspace(db_url: str) -> None:
    async with running(db_url) as bot:
        grid_team(bot)
        await schedule(bot, "W1", "C1", "alpha", "T1")
        await open_home(bot, "W2", "T1")
        opened = json.dumps(bot.slack.homes["W2"])
        assert "#alpha" in opened, "the Home opened in T1 lists C1"

        refreshed = await refresh(bot, "W2")
        assert "#alpha" in refreshed, "the Refresh from a Grid org (team null, user.team_id E…) lists nothing"

        # another process (a replica, a restart) that never saw the Home opened: the workspace remembered
        bot.slack_adapter.home.watching.clear()
        assert "#alpha" in await refresh(bot, "W2")
        async with bot.runtime.store.db.session() as s:
            assert not await s.scalar(select(func.count()).select_from(PulseRound).where(PulseRound.team_id == ORG))


async def test_a_member_of_another_workspace_of_the_org_never_sees_its_channels(db_url: str) -> None:
    """W7 opened the Home in workspace T2: its Refresh lists T2's channel, never T1's (even one W7 sits in:
    the Home is the workspace's), whichever id the press carries for the organisation."""
    async with running(db_url) as bot:
        grid_team(bot)
        await schedule(bot, "W1", "C1", "alpha", "T1")
        await schedule(bot, "W8", "C2", "bravo", "T2")
        await open_home(bot, "W7", "T2")
        assert "#bravo" in json.dumps(bot.slack.homes["W7"])
        assert "#alpha" not in json.dumps(bot.slack.homes["W7"])

        refreshed = await refresh(bot, "W7")
        assert "#bravo" in refreshed, refreshed
        assert "#alpha" not in refreshed, "workspace T1's channel shown on a T2 member's Home"
        bot.slack_adapter.home.watching.clear()
        refreshed = await refresh(bot, "W7")
        assert "#alpha" not in refreshed, "workspace T1's channel shown on a T2 member's Home"
