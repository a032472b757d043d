"""Helpers for the pulse wire tests (no tests here): a Slack team with timezones, answering a DM through the
real modal round trip, answering a Teams card, and building rounds directly for privacy tests."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from handlers.core.types import Place, Platform
from handlers.pulse.model import Answer, Round
from support.slack_api import Call
from tests.support.harness import Harness

ANSWER = {"exhaustion": "4", "cynicism": "4", "efficacy": "3", "workload": "4", "burnout": "2"}
CHANNEL = Place(Platform.SLACK, "C1", "T1", name="team")


def slack_team(bot: Harness, people: dict[str, str], *, creator: str = "U1", channel: str = "C1") -> None:
    """people: Slack user id → timezone. The bot and another app sit in the channel too."""
    for user_id, tz in people.items():
        bot.slack.add_user(user_id, f"Person {user_id}", tz=tz)
    bot.slack.add_user("UBOT", "steadybot", is_bot=True)
    bot.slack.add_user("UAPP", "some app", is_bot=True)
    bot.slack.add_channel(channel, creator, [*people, "UBOT", "UAPP"])


def dms(bot: Harness, user: str) -> list[Call]:
    """chat.postMessage calls made to a person's DM (to the user id first, then to the DM channel id)."""
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("channel") in (user, "D" + user[1:])]


def channel_posts(bot: Harness, channel: str = "C1") -> list[Call]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def pulse_dms(bot: Harness, user: str) -> list[Call]:
    """The DMs that carry a questionnaire button (pulses and reminders)."""
    return [c for c in dms(bot, user) if _launch(c) is not None]


def _launch(call: Call) -> str | None:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith("form.open"):
                return str(element["value"])
    return None


async def channel_command(bot: Harness, text: str, user: str = "U1", channel: str = "C1") -> str:
    """A /pulse command that answers in the channel (now, schedule, stop): wait for its post."""
    before = len(bot.slack.calls_to("chat.postMessage"))
    response = await bot.slash("/pulse", text, user=user, channel=channel)
    assert response.status == 200
    calls = await bot.slack.wait_for("chat.postMessage", before + 1)
    return text_of(calls[before].params)


async def pulse_now(bot: Harness, user: str = "U1", channel: str = "C1") -> str:
    """`/pulse now`, then send what is due."""
    posted = await channel_command(bot, "now", user, channel)
    await bot.settle()
    return posted


def launch_value(call: Call) -> str:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith("form.open"):
                return str(element["value"])
    raise AssertionError(f"no form button in {call.params.get('text')!r}")


def text_of(params: dict[str, Any]) -> str:
    blocks = params.get("blocks") or []
    parts = [str(params.get("text") or "")]
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for field in block.get("fields") or []:
            parts.append(field.get("text", ""))
    return "\n".join(parts)


async def press_dm(bot: Harness, user: str, call: Call | None = None) -> dict[str, Any]:
    """Press the DM's "Answer" button: returns the opened modal view, or the update that refused it."""
    call = call or pulse_dms(bot, user)[-1]
    views, updates = len(bot.slack.calls_to("views.open")), len(bot.slack.calls_to("chat.update"))
    response = await bot.press("form.open", launch_value(call), user=user, channel="D" + user[1:],
                               message_ts=f"dm-{user}-{len(dms(bot, user))}")
    assert response.status == 200
    for _ in range(600):
        if len(bot.slack.calls_to("views.open")) > views:
            return bot.slack.calls_to("views.open")[-1].params["view"]
        if len(bot.slack.calls_to("chat.update")) > updates:
            return bot.slack.calls_to("chat.update")[-1].params
        await asyncio.sleep(0.005)
    raise AssertionError("pressing the DM button did nothing")


async def answer_slack(bot: Harness, user: str, values: dict[str, str] | None = None,
                       view: dict[str, Any] | None = None) -> str:
    """The whole Slack round trip: button → views.open → view_submission → chat.update of the DM."""
    view = view or await press_dm(bot, user)
    assert view.get("type") == "modal", f"no modal opened: {text_of(view)}"
    metadata = view["private_metadata"]
    updates = len(bot.slack.calls_to("chat.update"))
    response = await bot.submit(metadata, values or ANSWER, user=user)
    assert response.status == 200
    calls = await bot.slack.wait_for("chat.update", updates + 1)
    return text_of(calls[-1].params)


async def make_round(bot: Harness, people: list[str], answers: list[Answer], *, key: str,
                     place: Place = CHANNEL, close: bool = True) -> Round:
    """A round built directly in storage (for privacy tests that need many rounds quickly)."""
    store = bot.runtime.store.pulse
    rnd = await store.create_round(key, place, 72)
    await store.add_invitations(rnd.id, [(place.platform, p) for p in people])
    now = bot.clock.now()
    await store.finish_invitations(rnd.id, now, now + timedelta(days=3))
    for person, answer in zip(people, answers, strict=False):
        await store.record(rnd.id, place.platform, person, answer, date(2026, 3, 2))
    if close:
        await store.close_round(rnd.id)
    bot.clock.advance(timedelta(days=7))
    return rnd
