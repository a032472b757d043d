"""Issue 13, items 12, 13 and 15 against the real server (`bot.server.serve` on a real port):
STEADYBOT_INSECURE_DEV only on loopback and loudly; slow and idle clients cut off in bounded time, and a
connection cap; no software versions, no route listing, and refusals that do not say what is configured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import aiohttp
import pytest

from bot import cli
from bot import server as server_module
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.server import InsecureBinding, Limits, serve
from support import wire
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET, running

FAST = Limits(header_timeout=1.0, body_timeout=1.0, max_connections=6, lingering=0.5)
CUT_WITHIN = 4.0  # seconds: a limit of 1 s, its timer's rounding, and a loaded CI machine


@asynccontextmanager
async def serving(runtime: Runtime, limits: Limits = FAST, host: str = "127.0.0.1") -> AsyncIterator[int]:
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(runtime, host, 0, ready=bound.set_result, server_limits=limits))
    try:
        yield await asyncio.wait_for(asyncio.shield(bound), 10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        import gc

        gc.unfreeze()


async def _runtime(sqlite_url: str, **overrides: object) -> Runtime:
    settings = replace(Settings(database_url=sqlite_url, slack_bot_token=BOT_TOKEN,
                                slack_signing_secret=SIGNING_SECRET, secret=TEST_SECRET), **overrides)  # type: ignore[arg-type]
    return await build_runtime(settings)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> float:
    """Read until the server closes the connection; how long it took."""
    t0 = time.monotonic()
    async with asyncio.timeout(seconds):
        while await reader.read(65536):
            pass
    return time.monotonic() - t0


# ---- STEADYBOT_INSECURE_DEV ------------------------------------------------------------------------------
async def test_insecure_dev_refuses_a_non_loopback_address(sqlite_url: str) -> None:
    runtime = await _runtime(sqlite_url, insecure_dev=True)
    try:
        for host in ("0.0.0.0", "::", "192.168.1.10", "example.com"):
            with pytest.raises(InsecureBinding):
                await serve(runtime, host, 0)
    finally:
        await runtime.close()


def test_insecure_dev_on_all_interfaces_stops_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path,  # type: ignore[no-untyped-def]
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STEADYBOT_INSECURE_DEV", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "loopback" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()  # refused before anything was created


async def test_insecure_dev_is_loud_and_shows_in_healthz(sqlite_url: str, caplog: pytest.LogCaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "INSECURE_REMINDER", 0.1)
    runtime = await _runtime(sqlite_url, insecure_dev=True)
    caplog.set_level(logging.WARNING, "steadybot.server")
    async with serving(runtime) as port, aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert (await response.json()) == {"status": "ok", "insecure_dev": True}
        await asyncio.sleep(0.35)
    warnings = [r for r in caplog.records if "STEADYBOT_INSECURE_DEV" in r.getMessage()]
    assert len(warnings) >= 3 and all(r.levelno == logging.WARNING for r in warnings)  # at start, then again


async def test_healthz_without_insecure_dev_says_nothing_about_it(sqlite_url: str) -> None:
    runtime = await _runtime(sqlite_url)
    async with serving(runtime) as port, aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert (await response.json()) == {"status": "ok"}


# ---- slow clients -----------------------------------------------------------------------------------------
async def test_idle_half_sent_and_slow_clients_are_cut_off(sqlite_url: str) -> None:
    runtime = await _runtime(sqlite_url, insecure_dev=True)
    async with serving(runtime) as port:
        async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            return await asyncio.open_connection("127.0.0.1", port)

        # a connection that never sends a byte
        idle_r, idle_w = await connect()
        # half-sent headers (slowloris), a byte now and then
        head_r, head_w = await connect()
        head_w.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        # signed Slack headers, then a body that never ends
        body = wire.slash_body("/steadybot", "help")
        headers = wire.slack_headers(SIGNING_SECRET, body)
        slack_r, slack_w = await connect()
        slack_w.write(("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                       + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + body.encode()[:10])
        # a Teams body that never ends (development mode: no token to check first)
        teams_r, teams_w = await connect()
        teams_w.write(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 5000\r\n\r\n{\"type\": ")
        # keep-alive after a response, then silence
        keep_r, keep_w = await connect()
        keep_w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")

        async def trickle() -> None:
            for _ in range(20):
                await asyncio.sleep(0.25)
                with contextlib.suppress(ConnectionError):
                    head_w.write(b"a")

        trickling = asyncio.create_task(trickle())
        took = await asyncio.gather(*(_closed_within(r, CUT_WITHIN) for r in (idle_r, head_r, slack_r, teams_r,
                                                                            keep_r)))
        trickling.cancel()
        assert max(took) < CUT_WITHIN, took
        for writer in (idle_w, head_w, slack_w, teams_w, keep_w):
            writer.close()


async def test_a_body_sent_too_slowly_gets_408(sqlite_url: str) -> None:
    runtime = await _runtime(sqlite_url, insecure_dev=True)
    async with serving(runtime) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{")
        async with asyncio.timeout(CUT_WITHIN):
            answer = await reader.read(65536)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        writer.close()


async def test_connections_over_the_cap_are_closed_and_the_server_still_answers(sqlite_url: str) -> None:
    runtime = await _runtime(sqlite_url)
    limits = Limits(header_timeout=30.0, body_timeout=5.0, max_connections=4, lingering=0.5)
    async with serving(runtime, limits) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(4)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await _closed_within(reader, 2.0) < 2.0  # over the cap: closed, unanswered
        writer.close()
        for _, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.2)
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200


# ---- what the server tells strangers ------------------------------------------------------------------------
async def test_no_versions_no_route_listing_and_refusals_that_do_not_say_what_is_configured(
        sqlite_url: str) -> None:
    other_db = sqlite_url.replace("steadybot.db", "nothing.db")
    async with running(sqlite_url, teams=False) as slack_only, running(other_db, slack=False, teams=False) as teams_off:
        answers: dict[str, list[tuple[int, str]]] = {}
        for name, bot in (("slack only", slack_only), ("nothing", teams_off)):
            got: list[tuple[int, str]] = []
            for method, path, headers, data in (
                    ("GET", "/", {}, None), ("GET", "/nope", {}, None), ("GET", "/healthz", {}, None),
                    ("POST", "/api/messages", {"Content-Type": "application/json"}, "{}"),
                    ("POST", "/api/messages", {"Content-Type": "application/json", "Authorization": "Bearer x.y.z"},
                     "{}")):
                async with bot.client.request(method, path, headers=headers, data=data) as response:
                    assert response.headers["Server"] == "steadybot", (name, path)
                    assert "aiohttp" not in response.headers["Server"] and "Python" not in response.headers["Server"]
                    text = await response.text()
                    assert "configured" not in text.lower() and "/slack/events" not in text, (name, path, text)
                    got.append((response.status, text))
            answers[name] = got
            assert got[0][0] == 404  # no index page listing the routes
        # Teams refused identically whether or not anything is configured
        assert answers["slack only"][3:] == answers["nothing"][3:]
        unsigned = await teams_off.client.post("/slack/events", data=b"x=1",
                                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        signed_wrong = await slack_only.client.post("/slack/events", data=b"x=1", headers=wire.slack_headers(
            "another-secret-0123456789", "x=1"))
        assert (unsigned.status, await unsigned.text()) == (signed_wrong.status, await signed_wrong.text()) == (
            401, "invalid signature")
