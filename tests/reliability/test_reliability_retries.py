"""Redeliveries: Slack retries an event up to three times (X-Slack-Retry-Num / -Reason), a proxy may resend a
slash command or an interaction, Teams redelivers activities. None of them gives a second reply or a
second record — also when the copies arrive at the same moment, and on both databases."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import timedelta

from handlers.core.registry import CommandSpec
from handlers.core.services import Services
from handlers.core.types import (
    ChatMessage,
    Command,
    Field,
    Form,
    Interaction,
    OutboxItem,
    Platform,
    Reply,
    Target,
    Visibility,
)
from support import wire
from support.bf_connector import CHANNEL_ID
from tests.support.harness import Harness, running

_HOUR = timedelta(hours=1)


@dataclass
class Records:
    """A test feature that writes one outbox row per handled request (its "record") and says so."""

    seen: list[str] = field(default_factory=list)

    async def _record(self, what: str, target: Target, svc: Services) -> None:
        self.seen.append(what)
        await svc.outbox.enqueue([OutboxItem(target, svc.clock.now() + _HOUR, reply=Reply(f"record {what}"))])

    async def command(self, cmd: Command, svc: Services) -> Reply:
        await self._record(f"cmd:{cmd.text}", Target.channel(cmd.where), svc)
        return Reply(f"recorded {cmd.text}", visibility=Visibility.CHANNEL)

    async def action(self, interaction: Interaction, svc: Services) -> Reply:
        await self._record(f"action:{interaction.value}", Target.channel(interaction.where), svc)
        return Reply(f"pressed {interaction.value}", visibility=Visibility.CHANNEL)

    async def open_form(self, interaction: Interaction, svc: Services) -> Form:
        return Form("record.form", "Record", (Field("note", "Note", kind="text"),), context=interaction.value)

    async def submit(self, interaction: Interaction, svc: Services) -> Reply:
        note = (interaction.form_values or {}).get("note", "")
        await self._record(f"form:{note}", Target.channel(interaction.where), svc)
        return Reply(f"noted {note}", visibility=Visibility.CHANNEL)

    async def watch(self, message: ChatMessage, svc: Services) -> Reply | None:
        """A watcher as `Registry.watch` asks for: chat has no de-duplication key, so it claims the message
        itself (the outbox row's unique key) and answers only when its claim got in."""
        if "#record-this" not in message.text:
            return None
        where = message.where
        claimed = await svc.outbox.enqueue([OutboxItem(
            Target.channel(where), svc.clock.now() + _HOUR, reply=Reply("record watch"),
            dedupe_key=f"test:watch:{where.platform.value}:{where.channel_id}:{message.message_id}")])
        if not claimed:
            return None
        self.seen.append(f"watch:{message.message_id}")
        return Reply("watched it", visibility=Visibility.CHANNEL)


def install(bot: Harness) -> Records:
    records = Records()
    registry = bot.runtime.registry
    registry.command(CommandSpec("record", "records one thing (test)", (("<text>", "record it"),), records.command))
    registry.action("record.press", records.action)
    registry.form("record.form", records.open_form, records.submit)
    registry.watch(records.watch)
    return records


async def _rows(bot: Harness) -> int:
    return sum((await bot.runtime.store.outbox.counts()).values())


async def _quiet(bot: Harness) -> None:
    """Let work that Bolt runs after the ack finish."""
    for _ in range(3):
        await asyncio.sleep(0.05)
        await bot.settle()


async def test_retried_events_give_one_reply_and_one_record(db_url: str) -> None:
    async with running(db_url) as bot:
        records = install(bot)
        message = {"type": "message", "channel_type": "channel", "user": "U1", "channel": "C1",
                   "text": "#record-this please", "ts": "100.1"}
        first = await bot.event(message, event_id="EvWatch")
        assert first.status == 200
        retries = await asyncio.gather(*(
            bot.event(message, event_id="EvWatch",
                      headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": reason})
            for n, reason in ((1, "http_timeout"), (2, "http_error"), (3, "http_timeout"))
        ))
        assert [r.status for r in retries] == [200, 200, 200]
        mention = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> record hello",
                   "ts": "101.1"}
        await asyncio.gather(*(bot.event(mention, event_id="EvMention",
                                         headers={"X-Slack-Retry-Num": str(n)} if n else None)
                               for n in range(4)))
        await _quiet(bot)
        assert records.seen == ["watch:100.1", "cmd:hello"] or records.seen == ["cmd:hello", "watch:100.1"]
        assert await _rows(bot) == 2
        posts = bot.slack.calls_to("chat.postMessage")
        assert len([p for p in posts if p.params.get("text") == "watched it"]) == 1
        assert len([p for p in posts if "recorded hello" in str(p.params.get("text"))]) == 1


async def test_redelivered_slash_command_gives_one_reply_and_one_record(db_url: str) -> None:
    async with running(db_url) as bot:
        records = install(bot)
        body = wire.slash_body("/record", "standup notes", user="U1", channel="C1",
                               response_url=bot.slack.response_url("once"), trigger_id="trig-same-1")
        responses = await asyncio.gather(*(bot.post_slack(body) for _ in range(3)))
        assert [r.status for r in responses] == [200, 200, 200]
        again = await bot.post_slack(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert again.status == 200
        await _quiet(bot)
        assert records.seen == ["cmd:standup notes"]
        assert await _rows(bot) == 1
        assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_redelivered_button_press_and_modal_submission_count_once(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        records = install(bot)
        press = wire.interactive_body(wire.block_action("record.press", bot.sealed("record.press", "yes"), user="U1", channel="C1",
                                                        trigger_id="trig-press-1",
                                                        response_url=bot.slack.response_url("p")))
        await asyncio.gather(*(bot.post_slack(press) for _ in range(3)))
        submission = wire.interactive_body(wire.view_submission(
            bot.sealed_metadata({"f": "record.form", "c": "", "ch": "C1", "tm": "T1"}), {"note": "ship it"}, user="U1", view_id="VSAME"))
        statuses = [r.status for r in await asyncio.gather(*(bot.post_slack(submission) for _ in range(3)))]
        assert statuses == [200, 200, 200]
        await _quiet(bot)
        assert sorted(records.seen) == ["action:yes", "form:ship it"]
        assert await _rows(bot) == 2
        texts = [str(c.params.get("text")) for c in bot.slack.calls_to("chat.postMessage")]
        assert texts.count("pressed yes") == 1 and texts.count("noted ship it") == 1


async def test_teams_redelivery_by_activity_id(sqlite_url: str) -> None:
    """(Redeliveries across replicas on PostgreSQL: tests/reliability/test_reliability_replicas.py.)"""
    async with running(sqlite_url) as bot:
        records = install(bot)
        typed = bot.activity("record retro", conversation_type="channel", mention=True, activity_id="act-typed")
        submit = bot.activity(conversation_type="channel", activity_id="act-submit",
                              value={"steadybot_action": "record.press",
                                     "steadybot_value": bot.sealed("record.press", "v1", channel=CHANNEL_ID,
                                                                   platform=Platform.TEAMS)})
        form = bot.activity(conversation_type="channel", activity_id="act-form",
                            value={"steadybot_form": "record.form", "note": "n1",
                                   "steadybot_context": bot.sealed("record.form", "", channel=CHANNEL_ID,
                                                                   platform=Platform.TEAMS)})
        for activity in (typed, submit, form):
            responses = await asyncio.gather(*(bot.teams(json.loads(json.dumps(activity))) for _ in range(3)))
            assert all(r.status in (200, 201) for r in responses)
        await _quiet(bot)
        assert sorted(records.seen) == ["action:v1", "cmd:retro", "form:n1"]
        assert await _rows(bot) == 3
        assert len(bot.connector.sent) == 3
