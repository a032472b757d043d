"""The App Home (Slack: signed `app_home_opened` events and Home-tab button presses through Bolt, views.publish
validated with slack_sdk's View model) and `home` in the Teams 1:1 chat (a card validated against the
Adaptive Card schema). A person sees only their own journal, and only their channels' shown results.

Event shape: https://api.slack.com/events/app_home_opened (`user`, `channel`, `tab`, `event_ts`); Home-tab
block_actions carry `container.type = "view"` and no channel (api.slack.com/reference/interaction-payloads/block-actions)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from slack_sdk.models.views import View

from handlers.core.types import Platform
from handlers.meetings.ports import MeetingDraft
from tests.support.cards import assert_valid_blocks, assert_valid_card
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import dms, slack_team, text_of
from tests.support.reports_helpers import CHANNEL, PEOPLE, pulse_round, scores, seed_history


def home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
            "event_ts": f"{time.time():.6f}"}


def home_press(action_id: str, value: str, user: str) -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T1"}, "api_app_id": "A1",
        "trigger_id": f"home-trig-{time.monotonic_ns()}", "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "callback_id": "steadybot.home"},
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }


def published(bot: Harness, user: str) -> list[dict[str, Any]]:
    views = []
    for call in bot.slack.calls_to("views.publish"):
        if call.params.get("user_id") == user:
            view = call.params["view"]
            views.append(json.loads(view) if isinstance(view, str) else view)
    return views


def buttons_of(view: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {e["text"]["text"]: (e["action_id"], e.get("value", "")) for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"]}


async def prepare(bot: Harness) -> None:
    slack_team(bot, {u: "UTC" for u in PEOPLE})
    bot.slack.add_user("U9", "Outsider", tz="UTC")
    bot.slack.add_channel("C9", "U9", ["U9"])  # a channel U2 is not in, with its own pulse
    await bot.runtime.store.pulse.set_prefs(Platform.SLACK, "U2", journal=True, journal_asked=True)
    await seed_history(bot, weeks=4)
    await seed_history(bot, bot_place_c9(), weeks=1, below_k_week=None)
    meetings = bot.runtime.store.meetings
    soon = await meetings.create(MeetingDraft(Platform.SLACK, "C1", "T1", "Sprint review", "U1", "Ana", "UTC",
                                              bot.clock.now() + timedelta(days=1), 45))
    await meetings.add_item(soon.id, "Demo the login", 10, "U1", 20)
    await meetings.create(MeetingDraft(Platform.SLACK, "C1", "T1", "Retro", "U1", "Ana", "UTC",
                                       bot.clock.now() + timedelta(days=2), 30))


def bot_place_c9() -> Any:
    from handlers.core.types import Place

    return Place(Platform.SLACK, "C9", "T1", name="elsewhere")


async def test_app_home_opened_publishes_the_persons_own_home(bot: Harness) -> None:
    await prepare(bot)
    response = await bot.event(home_opened("U2"))
    assert response.status == 200
    await bot.idle()
    (view,) = published(bot, "U2")
    assert view["type"] == "home"
    View(**{k: v for k, v in view.items() if k in ("type", "callback_id", "blocks")}).validate_json()
    assert_valid_blocks([b for b in view["blocks"] if b["type"] != "divider"][:50])
    text = "\n".join(b.get("text", {}).get("text", "") for b in view["blocks"] if b["type"] == "section")
    assert "Your pulse journal" in text and "comment 2-1" in text  # U2's own comment, in their own journal
    assert "comment 2-0" not in text and "SECRET" not in text  # U1's comment is nobody's business but U1's
    assert "Sprint review in #team — agenda ✓ (1 item)" in text and "Retro in #team — ⚠️ no agenda yet" in text
    assert "#team: round of" in text and "Energy" in text
    assert "elsewhere" not in text and "C9" not in str(view)  # a channel U2 is not in does not exist here
    assert set(buttons_of(view)) == {"My journal", "Report: #team", "Refresh"}

    # opening the tab again with nothing changed publishes nothing new (Slack's limits)
    await bot.event(home_opened("U2"))
    await bot.idle()
    assert len(published(bot, "U2")) == 1
    # … "Refresh" does
    action_id, value = buttons_of(view)["Refresh"]
    await bot.post_slack(wire_body(home_press(action_id, value, "U2")))
    await bot.idle()
    assert len(published(bot, "U2")) == 2

    # "Report: #team" sends a fresh private link to the person's DM
    action_id, value = buttons_of(view)["Report: #team"]
    response = await bot.post_slack(wire_body(home_press(action_id, value, "U2")))
    assert response.status == 200
    await bot.idle()
    link_dm = [c for c in dms(bot, "U2") if "/reports/" in json.dumps(c.params)]
    assert len(link_dm) == 1
    url = next(e["url"] for b in link_dm[0].params["blocks"] if b["type"] == "actions" for e in b["elements"])
    page = await bot.client.get("/reports/" + url.split("/reports/")[1])
    assert page.status == 200

    # "My journal" opens a modal with the journal only U2 can see: never a DM message, which the chat would
    # keep (issue 12)
    action_id, value = buttons_of(view)["My journal"]
    await bot.post_slack(wire_body(home_press(action_id, value, "U2")))
    await bot.idle()
    assert not any("Your pulse journal" in text_of(c.params) for c in dms(bot, "U2"))
    assert any("Your pulse journal" in json.dumps(c.params.get("view")) for c in bot.slack.calls_to("views.open"))


async def test_a_forged_home_report_button_gets_no_link(bot: Harness) -> None:
    await prepare(bot)
    await bot.post_slack(wire_body(home_press("home.report#1", "eyJmYWtlIjoxfQ.0.AAAA", "U2")))
    await bot.idle()
    assert not [c for c in dms(bot, "U2") if "/reports/" in json.dumps(c.params)]
    assert any("doesn't work any more" in text_of(c.params) for c in dms(bot, "U2"))


def wire_body(payload: dict[str, Any]) -> str:
    from support import wire

    return wire.interactive_body(payload)


async def test_home_typed_in_the_teams_1to1_chat_is_a_valid_card(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        before = len(bot.connector.sent)
        await bot.teams(bot.activity("home"))
        await bot.settle()
        cards = [s.card for s in bot.connector.sent[before:] if s.card]
        (card,) = [c for c in cards if "Your steadybot home" in json.dumps(c)]
        assert_valid_card(card)
        text = json.dumps(card)
        assert "Your pulse journal" in text and "Your upcoming meetings" in text and "Your channels" in text
        assert CHANNEL.platform == Platform.SLACK


async def test_the_home_is_published_again_when_it_changes_and_only_then(bot: Harness) -> None:
    await prepare(bot)
    await bot.event(home_opened("U2"))
    await bot.idle()
    assert len(published(bot, "U2")) == 1
    await bot.settle()  # the periodic refresh: nothing changed, nothing published
    assert len(published(bot, "U2")) == 1
    # a new shown round (with U2's answer in their journal) changes the home: published again, once
    await pulse_round(bot, CHANNEL, "new", scores(5, 3, 1, 6), ["fresh comment by U1", "fresh comment by U2"])
    await bot.settle()
    views = published(bot, "U2")
    assert len(views) == 2 and "fresh comment by U2" in json.dumps(views[-1])
    assert "fresh comment by U1" not in json.dumps(views[-1])
    await bot.settle()
    assert len(published(bot, "U2")) == 2
    # a day after they last opened it, their home is no longer watched
    bot.clock.advance(timedelta(days=1, minutes=1))
    await pulse_round(bot, CHANNEL, "later", scores(3, 3, 1, 6), [])
    await bot.settle()
    assert len(published(bot, "U2")) == 2
