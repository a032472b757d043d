"""The whole bot on real wires: the aiohttp app with real Bolt and real botbuilder, a fake Slack Web API,
a fake Bot Framework connector, a database (SQLite or PostgreSQL) and a clock the test moves."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.sealing import PURPOSE as SEAL_PURPOSE
from bot.sealing import ActionSeal
from bot.server import build_app
from bot.slack.adapter import SlackAdapter
from bot.teams.adapter import TeamsAdapter
from handlers.core.clock import Clock, FakeClock
from handlers.core.types import Place, Platform
from support import wire
from support.bf_connector import FakeConnector
from support.slack_api import FakeSlackApi

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token-0123456789"
TEST_SECRET = "test-steadybot-secret-0123456789-abcdefghijkl"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Harness:
    runtime: Runtime
    client: TestClient
    slack: FakeSlackApi
    connector: FakeConnector
    clock: FakeClock
    settings: Settings
    responses: int = field(default=0)

    # ---- Slack -------------------------------------------------------------------------------------
    async def post_slack(self, body: str, content_type: str = "application/x-www-form-urlencoded",
                         timestamp: int | None = None, headers: dict[str, str] | None = None) -> ClientResponse:
        """Post a signed request as Slack does; a slash command's answer in the ack's body reaches the fake
        Slack's `responses` as one through response_url would (`FakeSlackApi.acknowledged`)."""
        signed = wire.slack_headers(SIGNING_SECRET, body, timestamp, content_type)
        signed.update(headers or {})
        response = await self.client.post("/slack/events", data=body.encode(), headers=signed)
        self.slack.acknowledged(body, response.status, response.content_type, await response.read())
        return response

    async def slash(self, command: str, text: str = "", *, user: str = "U1", channel: str = "C1",
                    response_key: str | None = None, **extra: Any) -> ClientResponse:
        self.responses += 1
        key = response_key or f"r{self.responses}"
        body = wire.slash_body(command, text, user=user, channel=channel,
                               response_url=self.slack.response_url(key), **extra)
        return await self.post_slack(body)

    async def slash_reply(self, command: str, text: str = "", **kwargs: Any) -> dict[str, Any]:
        """Run a slash command and return what it answered through response_url (ephemeral replies)."""
        before = len(self.slack.responses)
        response = await self.slash(command, text, **kwargs)
        assert response.status == 200, await response.text()
        responses = await self.slack.wait_for_responses(before + 1)
        return responses[before]

    async def press(self, action_id: str, value: str = "", **kwargs: Any) -> ClientResponse:
        self.responses += 1
        kwargs.setdefault("response_url", self.slack.response_url(f"r{self.responses}"))
        return await self.post_slack(wire.interactive_body(wire.block_action(action_id, value, **kwargs)))

    # ---- sealed values (bot/sealing.py): what the bot itself would have put in a button or a modal -------
    @property
    def seal(self) -> ActionSeal:
        return ActionSeal(self.runtime.secret.signer(SEAL_PURPOSE))

    def sealed(self, action: str, value: str = "", *, channel: str = "C1", user: str = "U1",
               platform: Platform = Platform.SLACK) -> str:
        """A button value as the bot seals it for `channel` (a Slack D… channel or a Teams 1:1 binds to
        the person)."""
        direct = channel.startswith("D") or channel.startswith("a:")
        where = Place(platform, channel, "", None, direct)
        return self.seal.for_place(where, user)(action.split("#", 1)[0], value)

    def sealed_metadata(self, metadata: dict[str, Any], user: str = "U1") -> str:
        return self.seal.seal_metadata(metadata, Platform.SLACK, user)

    async def press_sealed(self, action_id: str, value: str = "", **kwargs: Any) -> ClientResponse:
        """Press a button whose value the bot sealed for this channel and person."""
        sealed = self.sealed(action_id, value, channel=kwargs.get("channel", "C1"), user=kwargs.get("user", "U1"))
        return await self.press(action_id, sealed, **kwargs)

    async def submit_sealed(self, metadata: dict[str, Any], values: dict[str, str], **kwargs: Any) -> ClientResponse:
        return await self.submit(self.sealed_metadata(metadata, kwargs.get("user", "U1")), values, **kwargs)

    async def submit(self, metadata: dict[str, Any] | str, values: dict[str, str], **kwargs: Any) -> ClientResponse:
        return await self.post_slack(wire.interactive_body(wire.view_submission(metadata, values, **kwargs)))

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    headers: dict[str, str] | None = None) -> ClientResponse:
        return await self.post_slack(wire.event_body(event, event_id=event_id), "application/json", headers=headers)

    # ---- Teams -------------------------------------------------------------------------------------
    async def teams(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> ClientResponse:
        """Post an activity and wait until its turn is done: the server answers 201 before the turn runs
        (bot/teams/adapter.py), so what the bot sent is at the fake connector when this returns."""
        response = await self.client.post("/api/messages", data=json.dumps(activity),
                                          headers={"Content-Type": "application/json", **(headers or {})})
        await self.teams_settled()
        return response

    async def teams_settled(self, timeout: float = 10.0) -> None:
        """Wait (bounded) until every Teams activity the server answered has finished its turn (the work after
        every acknowledgement: the runtime's one after-ack lane)."""
        assert await self.runtime.lane.settle(timeout), f"acknowledged work still running after {timeout} s"

    def activity(self, text: str = "", **kwargs: Any) -> dict[str, Any]:
        return wire.teams_activity(text, service_url=self.connector.url, **kwargs)

    # ---- the adapters (present unless `running(slack=False)` / `running(teams=False)`) --------------------
    @property
    def slack_adapter(self) -> SlackAdapter:
        assert self.runtime.slack is not None, "Slack is not configured in this harness"
        return self.runtime.slack

    @property
    def teams_adapter(self) -> TeamsAdapter:
        assert self.runtime.teams is not None, "Teams is not configured in this harness"
        return self.runtime.teams

    # ---- time --------------------------------------------------------------------------------------
    async def advance(self, delta: timedelta, step: timedelta = timedelta(minutes=1)) -> None:
        """Move the clock in steps, running periodic work and the outbox at each step (no sleeping)."""
        end = self.clock.now() + delta
        while True:
            await self.runtime.scheduler.run_all_once()
            await self.runtime.worker.drain()
            if self.clock.now() >= end:
                return
            self.clock.set(min(end, self.clock.now() + step))

    async def idle(self, timeout: float = 20.0) -> None:
        """Wait (bounded) until every acknowledged request's work is done: the after-ack lane, which counts
        a request's work from its arrival (bot/inbound.py), on every platform. TimeoutError after `timeout`."""
        async with asyncio.timeout(timeout):
            await self.runtime.lane.settle()

    async def settle(self) -> None:
        """Let acknowledged requests finish their work, run periodic work and send whatever is due now."""
        await self.idle()  # the one after-ack lane: Slack's and Teams' work alike
        await self.runtime.scheduler.run_all_once()
        await self.runtime.worker.drain()


@contextlib.asynccontextmanager
async def running(database_url: str, *, slack: bool = True, teams: bool = True, start: datetime = START,
                  clock: Clock | None = None, adapter_options: dict[str, Any] | None = None,
                  **overrides: Any) -> AsyncIterator[Harness]:
    """The bot with fakes. `overrides` are Settings fields (e.g. admins=frozenset({"U9"})). `clock` replaces
    the FakeClock (a SystemClock for a test that runs the real scheduler; it then starts it itself).
    `adapter_options` go to `build_runtime` as they are (e.g. Teams' outbound credentials factory)."""
    slack_api = await FakeSlackApi().start()
    connector = await FakeConnector().start()
    clock = clock or FakeClock(start)
    settings = Settings(
        database_url=database_url,
        slack_bot_token=BOT_TOKEN if slack else "",
        slack_signing_secret=SIGNING_SECRET if slack else "",
        slack_api_url=slack_api.url,
        secret=TEST_SECRET,
        insecure_dev=teams,
        slack_posts_per_minute=0.0,  # tests move a fake clock; the real-time workspace pace is tested on its own
        # Two loaded cores running the suite can hold a new PostgreSQL connection past the 3 s default (a CI run
        # once answered an OAuth install "try again"); the outage tests set their own (tests/reliability)
        db_connect_timeout=15.0,
    )
    settings = replace(settings, **overrides)
    runtime = await build_runtime(settings, clock=clock, adapter_options=adapter_options)
    runtime.outbox.on_due_now = None  # tests drain the outbox explicitly, in order
    client = TestClient(TestServer(build_app(runtime), host="127.0.0.1"))
    await client.start_server()
    try:
        # A SystemClock only for the real-time tests, which never move it (Harness.clock is for moving it).
        yield Harness(runtime, client, slack_api, connector, clock, settings)  # type: ignore[arg-type]
    finally:
        await client.close()
        await runtime.close()
        await slack_api.close()
        await connector.close()


def block_texts(params: dict[str, Any]) -> str:
    """The fallback text and every text of a Block Kit message (sections, fields, context/button elements)."""
    parts = [params.get("text") or ""]
    for block in params.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for item in block.get("fields") or []:
            parts.append(item.get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), dict):
                parts.append(element["text"].get("text", ""))
    return "\n".join(parts)
