"""STEADYBOT_LOG_FORMAT=json: every line a real `steadybot serve` writes, start-up and shutdown included,
is one JSON object with time, level, logger and message; secrets stay redacted; request ids appear."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.logs import REQUEST_ID, setup_logging
from support import wire
from support.bf_connector import FakeConnector
from support.procs import ServeProcess, cli
from support.slack_api import FakeSlackApi
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET
from tests.support.logs import restore_logging


def test_json_lines_in_process_redact_secrets_and_carry_request_ids() -> None:
    stream = io.StringIO()
    try:
        setup_logging("INFO", [SIGNING_SECRET], stream=stream, fmt="json")
        log = logging.getLogger("slack_bolt.test")
        token = REQUEST_ID.set("req-abc123")
        try:
            log.warning("signing secret %s and token %s", SIGNING_SECRET, BOT_TOKEN)
        finally:
            REQUEST_ID.reset(token)
        try:
            raise RuntimeError(f"boom with {SIGNING_SECRET}")
        except RuntimeError:
            logging.getLogger("steadybot.x").exception("failed: Bearer abcdefghijklmnopqrstuvwxyz")
        logging.getLogger("aiohttp.access").warning('127.0.0.1 "GET /x" 200', extra={"leak": BOT_TOKEN})
    finally:
        restore_logging()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    first, second, third = records
    assert set(first) >= {"time", "level", "logger", "message"} and first["level"] == "WARNING"
    assert first["logger"] == "slack_bolt.test" and first["request_id"] == "req-abc123"
    assert "request_id" not in second
    assert "RuntimeError" in second["exc_info"] and "boom with" in second["exc_info"]
    text = stream.getvalue()
    assert SIGNING_SECRET not in text and BOT_TOKEN not in text and "abcdefghijklmnopqrstuvwxyz" not in text
    assert third["leak"] == "[redacted]"


@pytest.mark.slow
async def test_serve_writes_only_json_lines(tmp_path: Path) -> None:
    slack = await FakeSlackApi().start()
    connector = await FakeConnector().start()
    slack.add_user("U1", "Ana")
    slack.add_channel("C1", "U1", ["U1"])
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "STEADYBOT_SECRET": TEST_SECRET,
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
           "STEADYBOT_INSECURE_DEV": "1", "STEADYBOT_LOG_FORMAT": "json", "STEADYBOT_LOG_LEVEL": "DEBUG",
           "PYTHONWARNINGS": "default"}
    proc = ServeProcess(env, tmp_path / "serve.log")
    try:
        await proc.start()
        async with aiohttp.ClientSession() as session:
            body = wire.slash_body("/pulse", "help", response_url=slack.response_url("r1"))
            async with session.post(f"{proc.url}/slack/events", data=body.encode(),
                                    headers=wire.slack_headers(SIGNING_SECRET, body)) as r:
                assert r.status == 200
                slack.acknowledged(body, r.status, r.content_type, await r.read())  # an answer in the ack
            async with session.post(f"{proc.url}/slack/events", data=b"command=x",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
                assert r.status == 401
            event = wire.event_body({"type": "message", "channel": "C1", "user": "U1", "text": "can we also add "
                                     "dark mode to the release?", "ts": "1700000000.000100"})
            async with session.post(f"{proc.url}/slack/events", data=event.encode(),
                                    headers=wire.slack_headers(SIGNING_SECRET, event, content_type="application/json")) as r:
                assert r.status == 200
            activity = wire.teams_activity("help", service_url=connector.url)
            async with session.post(f"{proc.url}/api/messages", json=activity) as r:
                assert r.status in (200, 201)
            async with session.post(f"{proc.url}/api/messages", data=b"{not json",
                                    headers={"Content-Type": "application/json"}) as r:
                assert r.status == 400
            async with session.get(f"{proc.url}/metrics") as r:
                assert r.status == 200
        await slack.wait_for_responses(1, timeout=10)
        await asyncio.sleep(0.5)
    finally:
        await proc.stop()
        await slack.close()
        await connector.close()
    lines = [line for line in proc.log().splitlines() if line.strip()]
    assert len(lines) >= 3, proc.log()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record), record
    messages = [r["message"] for r in records]
    assert any("steadybot listening" in m for m in messages) and any("shutting down" in m for m in messages)
    assert any(r.get("request_id") for r in records)  # lines logged while a request was handled
    # The SDKs' lines go through the same formatter (the in-process test above); a real start and these requests
    # make them write none: their one line here was Bolt's warning, on every start, that the token it read from
    # SLACK_BOT_TOKEN "will be unused" beside the client built from that same token (now held back)
    assert not any("will be unused" in m for m in messages)
    assert BOT_TOKEN not in proc.log() and SIGNING_SECRET not in proc.log()


async def test_bad_settings_are_reported_as_json(tmp_path: Path) -> None:
    code, out, err = await cli("migrate", env={"STEADYBOT_LOG_FORMAT": "json", "PORT": "nope",
                                               "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert code == 2 and out == ""
    record = json.loads(err.strip())
    assert record["level"] == "ERROR" and "PORT" in record["message"]


def test_log_format_setting() -> None:
    from bot.config import Settings

    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"STEADYBOT_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ValueError, match="STEADYBOT_LOG_FORMAT"):
        Settings.from_env({"STEADYBOT_LOG_FORMAT": "xml"})
