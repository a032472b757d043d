"""GET /metrics: the Prometheus text format, parsed with prometheus-client's own parser; values move when
traffic moves; access (bearer token or loopback); no label value ever carries what a person sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import KINDS, OUTCOMES, PLATFORMS, allowed, slack_kind
from handlers.core.types import OutboxItem, Platform, Reply, Target
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import pulse_now, slack_team

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(bot: Harness, headers: dict[str, str] | None = None) -> tuple[Samples, str]:
    response = await bot.client.get("/metrics", headers=headers or {})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, text


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_parse_and_move_with_traffic(bot: Harness) -> None:
    before, _ = await scrape(bot)
    assert value(before, "steadybot_database_up") == 1.0
    assert value(before, "steadybot_database_breaker_open") == 0.0
    assert value(before, "steadybot_outbox_rows", state="pending") == 0.0
    assert value(before, "steadybot_outbox_sends_total", platform="slack", outcome="sent") == 0.0
    assert value(before, "steadybot_pulse_rounds", state="open") == 0.0

    slack_team(bot, {f"U{i}": "UTC" for i in range(1, 7)})  # five besides U1, who sends (k = 5)
    bot.runtime.outbox.on_due_now = None
    await bot.slash("/pulse", "now", user="U1")
    await bot.slack.wait_for("chat.postMessage")
    await bot.runtime.scheduler.run_all_once()
    waiting, _ = await scrape(bot)
    assert value(waiting, "steadybot_pulse_rounds", state="open") == 1.0
    pending = value(waiting, "steadybot_outbox_rows", state="pending")
    assert pending >= 6.0  # six pulse DMs due now (and the round's later reminders)
    bot.clock.set(bot.clock.now() + timedelta(seconds=90))
    waiting, _ = await scrape(bot)
    assert value(waiting, "steadybot_outbox_oldest_due_seconds") >= 90
    assert value(waiting, "steadybot_ack_seconds_count", platform="slack", kind="command") == 1.0
    assert value(waiting, "steadybot_turn_seconds_count", platform="slack", kind="command") == 1.0
    assert value(waiting, "steadybot_http_requests_total", platform="slack", kind="command", status="2xx") == 1.0

    await bot.runtime.worker.drain()
    after, _ = await scrape(bot)
    assert value(after, "steadybot_outbox_sends_total", platform="slack", outcome="sent") == 6.0
    assert value(after, "steadybot_outbox_rows", state="pending") == pending - 6
    assert value(after, "steadybot_outbox_oldest_due_seconds") == 0.0

    # Teams: a 1:1 message is acked, then its turn runs
    await bot.teams(bot.activity("help"))
    teams, _ = await scrape(bot)
    assert value(teams, "steadybot_ack_seconds_count", platform="teams", kind="message") == 1.0
    assert value(teams, "steadybot_turn_seconds_count", platform="teams", kind="message") == 1.0


async def test_429s_and_retries_are_counted_per_platform(bot: Harness) -> None:
    seen: dict[str, int] = {}

    def flaky(method: str, params: dict[str, Any]):  # type: ignore[no-untyped-def]
        if method != "chat.postMessage":
            return None
        channel = str(params.get("channel"))
        seen[channel] = seen.get(channel, 0) + 1
        if channel == "C1" and seen[channel] == 1:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}
        if channel == "C2" and seen[channel] == 1:
            return 500, {"ok": False, "error": "internal_error"}, {}
        return None

    bot.slack.faults.append(flaky)
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", c), now, reply=Reply("hi"))
                                      for c in ("C1", "C2")])
    await bot.runtime.worker.drain()
    first, _ = await scrape(bot)
    assert value(first, "steadybot_platform_429_total", platform="slack") == 1.0
    assert value(first, "steadybot_outbox_sends_total", platform="slack", outcome="rate_limited") == 1.0
    assert value(first, "steadybot_outbox_retries_total", platform="slack") == 1.0
    assert value(first, "steadybot_outbox_sends_total", platform="slack", outcome="retried") == 1.0
    assert value(first, "steadybot_platform_429_total", platform="teams") == 0.0
    bot.clock.set(bot.clock.now() + timedelta(seconds=61))
    await bot.runtime.worker.drain()
    later, _ = await scrape(bot)
    assert value(later, "steadybot_outbox_sends_total", platform="slack", outcome="sent") == 1.0  # C2


async def test_a_token_is_required_when_configured(sqlite_url: str) -> None:
    async with running(sqlite_url, metrics_token="metrics-token-0123456789") as bot:
        assert (await bot.client.get("/metrics")).status == 401
        wrong = await bot.client.get("/metrics", headers={"Authorization": "Bearer metrics-token-wrong"})
        assert wrong.status == 401
        samples, _ = await scrape(bot, {"Authorization": "Bearer metrics-token-0123456789"})
        assert value(samples, "steadybot_database_up") == 1.0


def test_without_a_token_only_loopback_clients_are_answered() -> None:
    def ok(token: str, authorization: str, remote: str | None, via_proxy: bool = False) -> bool:
        return allowed(token, authorization, remote, via_proxy=via_proxy)

    assert ok("", "", "127.0.0.1") and ok("", "", "::1") and ok("", "", "127.0.0.53")
    assert not ok("", "", "10.0.0.5") and not ok("", "", "203.0.113.7") and not ok("", "", None)
    assert not ok("", "", "not an address")
    assert not ok("", "", "127.0.0.1", via_proxy=True)  # the proxy on this host forwarded it from anywhere
    assert not ok("secret-token-1", "", "127.0.0.1")  # with a token, loopback needs it too
    assert ok("secret-token-1", "Bearer secret-token-1", "203.0.113.7")
    assert ok("secret-token-1", "Bearer secret-token-1", "127.0.0.1", via_proxy=True)
    assert not ok("secret-token-1", "Basic secret-token-1", "203.0.113.7")


@pytest.mark.parametrize("header", ["X-Forwarded-For", "x-forwarded-for", "Forwarded", "X-Forwarded-Host",
                                    "X-Real-IP"])
async def test_without_a_token_a_request_through_the_proxy_is_refused(bot: Harness, header: str) -> None:
    """The documented nginx proxies to 127.0.0.1:3000, so an internet client's request arrives on loopback;
    only the proxy's headers tell it apart. The test client connects from 127.0.0.1 like nginx would."""
    await scrape(bot)  # loopback, no proxy header: the host's own Prometheus
    forwarded = await bot.client.get("/metrics", headers={header: "203.0.113.7"})
    assert forwarded.status == 403
    assert "steadybot_" not in await forwarded.text()


async def test_with_the_token_a_request_through_the_proxy_is_answered(sqlite_url: str) -> None:
    async with running(sqlite_url, metrics_token="metrics-token-0123456789") as bot:
        proxied = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7"}
        assert (await bot.client.get("/metrics", headers=proxied)).status == 401
        samples, _ = await scrape(bot, {**proxied, "Authorization": "Bearer metrics-token-0123456789"})
        assert value(samples, "steadybot_database_up") == 1.0


def test_request_kinds_come_from_a_closed_set() -> None:
    assert slack_kind(b"token=x&command=%2Fpulse&text=now", "application/x-www-form-urlencoded") == "command"
    assert slack_kind(b'payload=%7B%22type%22%3A%22block_actions%22%7D', "application/x-www-form-urlencoded") \
        == "block_actions"
    assert slack_kind(b'payload=%7B%22type%22%3A%22evil_user_text%22%7D', "application/x-www-form-urlencoded") \
        == "other"
    assert slack_kind(b'{"type":"event_callback"}', "application/json") == "event"


HOSTILE = ['evil"label', "U<script>", "C_SECRET_CHANNEL", "DROP TABLE", "}\n# HELP injected", "ünïcødé-Ω"]


async def test_no_label_value_carries_user_input(bot: Harness) -> None:
    user, channel = "UHOSTILE99", "CSECRETCHAN7"
    slack_team(bot, {user: "UTC", **{f"U{i}": "UTC" for i in range(2, 7)}}, creator=user, channel=channel)
    for text in HOSTILE:
        await bot.slash("/pulse", text, user=user, channel=channel)
        await bot.slash("/steadybot", f"settings {text}", user=user, channel=channel)
        await bot.slash(f"/{text[:5]}x", text, user=user, channel=channel)  # a command nobody registered
        await bot.event({"type": "message", "channel": channel, "user": user, "text": f"can we also {text}",
                         "ts": "1700000000.000100"})
        await bot.press(f"act-{text}", text, user=user, channel=channel)
        await bot.teams(bot.activity(text, user=f"29:{text}", aad=f"aad-{text}", activity_type="message"))
        await bot.teams(bot.activity(text, user="29:hostile", activity_type=text.replace('"', "")))
    await pulse_now(bot, user=user, channel=channel)
    samples, raw = await scrape(bot)
    label_values = {v for (_, labels) in samples for _, v in labels}
    for bad in [user, channel, "hostile", "29:", "aad-", *HOSTILE]:
        assert not any(bad.lower() in v.lower() for v in label_values), bad
    assert "UHOSTILE" not in raw and "CSECRET" not in raw and "script" not in raw
    allowed_values = PLATFORMS | OUTCOMES | KINDS | {"pending", "sending", "failed", "open", "sealed", "other", "ok", "failing",
                                                     "2xx", "3xx", "4xx", "5xx"}
    for (name, labels) in samples:
        for key, label in labels:
            if key == "le":
                float(label)  # histogram buckets are numbers
                continue
            assert label in allowed_values, (name, key, label)
    assert value(samples, "steadybot_ack_seconds_count", platform="slack", kind="command") >= len(HOSTILE) * 3


async def test_teams_invoke_turn_is_its_request(bot: Harness) -> None:
    await bot.teams(bot.activity("", activity_type="invoke", value={"action": {"type": "Action.Execute",
                                                                             "verb": "nothing"}}))
    samples, _ = await scrape(bot)
    assert value(samples, "steadybot_ack_seconds_count", platform="teams", kind="invoke") == 1.0
    assert value(samples, "steadybot_turn_seconds_count", platform="teams", kind="invoke") == 1.0
