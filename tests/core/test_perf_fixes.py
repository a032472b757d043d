"""The performance fixes the benchmarks led to (docs/benchmarks.md) change nothing a person can see."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox.ratelimit import RateLimiter
from bot.slack import render
from bot.slack.sender import SlackSender
from bot.teams import msrest_speedup
from handlers.core.types import Button, Choice, Field, Form, Platform, Reply
from tests.support.harness import Harness


def test_msrest_retry_list_is_the_same_with_the_speedup() -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    expected = [i for i in range(999) if i not in ([i for i in range(500) if i != 408] + [501, 505])]
    msrest_speedup.apply()
    assert msrest_speedup.apply() is False  # idempotent
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert ClientRetryPolicy().policy.status_forcelist == expected


def test_block_kit_memo_is_sealed_per_target_without_changing_the_rendering() -> None:
    """One rendering serves a fan-out (docs/benchmarks.md#pulse-fan-out-target-3): sealing copies the buttons it
    seals, so every target gets its own values and the kept rendering stays as rendered."""
    form = Form("pulse.answer", "Pulse", (Field("q1", "Energy", choices=(Choice("1", "low"), Choice("5", "high"))),),
                context="7", launch_label="Answer")
    reply = Reply("**Pulse check-in** — open until Friday", facts=(("Team", "core"),),
                  buttons=(Button("pulse.skip", "Not now", "7"),), form=form)
    sender = SlackSender(AsyncWebClient(token="xoxb-test"), None, RateLimiter())  # type: ignore[arg-type]
    rendered = sender._render(reply)
    assert rendered == render.message_blocks(reply)

    def values(blocks: list[dict[str, object]]) -> list[object]:
        return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined]

    plain = values(rendered)
    for_a = render.seal_blocks(sender._render(reply), lambda action, value: f"A|{action}|{value}")
    for_b = render.seal_blocks(sender._render(reply), lambda action, value: f"B|{action}|{value}")
    assert values(for_a) == [f"A|pulse.skip|{plain[0]}", f"A|form.open|{plain[1]}"]
    assert values(for_b) == [f"B|pulse.skip|{plain[0]}", f"B|form.open|{plain[1]}"]
    assert sender._render(reply) == render.message_blocks(reply)  # the kept rendering is unsealed
    assert for_a[0] is rendered[0]  # blocks without buttons are shared, not copied
    assert len(sender._blocks) == 1


async def test_teams_reads_a_known_direct_line_once(bot: Harness) -> None:
    identities = bot.runtime.store.identities
    reads: list[str] = []
    original = identities.direct_line

    async def counting(platform: Platform, user_id: str):  # type: ignore[no-untyped-def]
        reads.append(user_id)
        return await original(platform, user_id)

    identities.direct_line = counting  # type: ignore[method-assign]
    for _ in range(3):
        response = await bot.teams(bot.activity("help"))
        assert response.status in (200, 201)
    channel = bot.activity("help", conversation_type="channel", mention=True)
    assert (await bot.teams(channel)).status in (200, 201)
    assert reads == ["29:u1"]  # the first DM stored the real line; nothing read it again
    line = await original(Platform.TEAMS, "29:u1")
    assert line is not None and line.dm_reference and not line.dm_reference.get("seed")
    assert len(bot.connector.sent) == 4


def test_slack_sdk_formats_its_debug_log_only_when_debug_logs_are_wanted() -> None:
    import logging

    from bot.slack.adapter import _web_logger

    assert _web_logger("INFO").level == logging.INFO  # slack_sdk checks `logger.level <= DEBUG` itself
    assert _web_logger("WARNING").level == logging.WARNING
    # never below INFO: its DEBUG lines are request and response bodies (issue 12)
    assert _web_logger("DEBUG").level == logging.INFO
    assert _web_logger("nonsense").level == logging.INFO
