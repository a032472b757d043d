"""Slack Connect (a channel shared with another organisation): what a request there creates belongs to the
workspace the app is installed in, not to whichever workspace Slack names in the event's outer `team_id`.

In a shared channel the Events API's outer `team_id` is often the *other* organisation's workspace (the
actor's, or the one the channel came from), while `authorizations[0].team_id` names the installation the event
was delivered for, the workspace whose token Bolt uses (`context.team_id`). Shapes taken from bolt-python's
tests of these real payloads: tests/slack_bolt/request/test_internals.py (`slack_connect_events_api_requests`
and `slack_connect_from_non_grid_test_patterns`: an `app_mention` with outer `team_id` "T014GJXU940" and
authorizations "T03E94MJU", a `message` with outer `team_id` "TEAM_ID_ACTOR"), and Bolt's own
`extract_team_id`, which reads `authorizations[0]` "to make Events API handling functioning also for shared
channels". Everything sent through the real aiohttp app and real Bolt, signed, against the fake Web API.

Before the fix, rows made from such an event were tagged with the other organisation's workspace, so the
installed workspace's `app_uninstalled` left them behind (docs/operations.md, "Uninstalling": everything of
the workspace is deleted) — a timer, its queued warnings, the person's identity, a trade-off prompt quoting
the message.
"""

from __future__ import annotations

import json
import time
from typing import Any

from handlers.core.types import Platform
from support import wire
from tests.support.db_scan import platform_rows
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import slack_team
from tests.support.scope_helpers import SCOPE_CREEP, prompts_in

HOME = "T03E94MJU"  # the workspace the app is installed in (authorizations[0].team_id)
OTHER = "T014GJXU940"  # the connected organisation's workspace, named in the outer team_id


def connect_event(event: dict[str, Any], *, outer_team: str = OTHER, event_id: str) -> str:
    """An Events API body from a Slack Connect channel, as bolt-python's tests record them."""
    return json.dumps({
        "token": "legacy", "team_id": outer_team, "enterprise_id": "E013Y3SHLAY", "api_app_id": "A04TEM7H4S0",
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()), "event": event,
        "authorizations": [{"enterprise_id": None, "team_id": HOME, "user_id": "UBOT", "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": True,
    })


async def _slack_rows(bot: Harness) -> dict[str, int]:
    return await platform_rows(bot, Platform.SLACK.value)


async def _post(bot: Harness, body: str) -> None:
    response = await bot.post_slack(body, "application/json")
    assert response.status == 200, await response.text()
    await bot.idle()


async def _uninstall(bot: Harness) -> None:
    await _post(bot, wire.event_body({"type": "app_uninstalled"}, team=HOME, event_id="EvUninstall"))
    await bot.settle()


async def test_a_command_typed_in_a_shared_channel_belongs_to_the_installed_workspace(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {"U03E94MK0": "UTC", "U2": "UTC"}, creator="U03E94MK0", channel="C04T3ACM40K")
        mention = {"type": "app_mention", "text": "<@UBOT> timebox 25m design review", "user": "U03E94MK0",
                   "team": OTHER, "user_team": HOME, "source_team": HOME, "user_profile": {"team": HOME},
                   "channel": "C04T3ACM40K", "ts": "1678455198.838499", "event_ts": "1678455198.838499"}
        await _post(bot, connect_event(mention, event_id="EvMention1"))
        posted = [c.params for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == "C04T3ACM40K"]
        assert posted, "the timer did not start"
        assert await _slack_rows(bot)  # a timer, its warnings, the person who started it

        await _uninstall(bot)
        assert await _slack_rows(bot) == {}, "the installed workspace's uninstall left rows behind"


async def test_chat_in_a_shared_channel_belongs_to_the_installed_workspace(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {"U1": "UTC"}, channel="C111")
        message = {"type": "message", "text": SCOPE_CREEP, "user": "USER_ID_ACTOR", "ts": "1678454365.204709",
                   "team": "TEAM_ID_ACTOR", "channel": "C111", "event_ts": "1678454365.204709",
                   "channel_type": "channel"}
        await _post(bot, connect_event(message, outer_team="TEAM_ID_ACTOR", event_id="EvChat1"))
        assert prompts_in(bot), "no trade-off prompt"
        assert await _slack_rows(bot)

        await _uninstall(bot)
        assert await _slack_rows(bot) == {}, "the installed workspace's uninstall left rows behind"
