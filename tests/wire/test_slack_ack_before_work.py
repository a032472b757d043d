"""The acknowledgement of a Slack event leaves before the work after it starts (bot/slack/adapter.py's
`ack_written`, bot/inbound.py `AfterAck.run(after=…)`): work that runs without yielding — SQLite units on the
loop's own connection, the scope detector — must not hold back the 200 that Slack waits for.

Slack reads the 200 in its own process: here the requests of these tests are sent and their answers read by a
client in a thread of its own (tests/support/thread_client.py), which reads the bytes as soon as the server has written them,
while the server's loop is held by the work. (A client on the server's own loop could read them only once the
work let go of the loop.)"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse, web

from bot.inbound import AfterAck
from handlers.reports.catalog import REFRESH
from handlers.scope import watch
from support import wire
from tests.support.harness import SIGNING_SECRET, Harness, running
from tests.support.scope_helpers import SCOPE_CREEP, message, prompts_in
from tests.support.thread_client import ThreadAnswer, read_in_a_thread


async def test_a_message_is_acknowledged_before_a_slow_watcher_runs(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    detect = watch.detect

    def slow_detect(text: str, **kwargs: object) -> object:
        time.sleep(0.4)  # synchronous, as the watcher's own work is: nothing else runs meanwhile
        return detect(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch, "detect", slow_detect)
    with read_in_a_thread(bot, monkeypatch) as client:
        started = time.monotonic()
        response = await bot.event(message(SCOPE_CREEP, "100.000001"))
    acked = client.answers[-1].read_at - started
    assert response.status == 200
    assert acked < 0.3, f"the ack waited {acked:.2f} s for the watcher"
    await bot.idle()
    assert len(prompts_in(bot)) == 1  # and the work still ran, once


async def test_work_after_an_ack_waits_for_the_adapters_signal_and_never_longer_than_the_grace() -> None:
    lane = AfterAck()
    written = asyncio.Event()
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    lane.run(work(), after=written)
    await asyncio.sleep(0.05)
    assert not ran.is_set()  # the ack is not written yet
    written.set()
    # Three turns of the loop: the signal's, one poll of the sockets (what arrived meanwhile is acknowledged
    # first: the test below), the work's. A future behind `shield` and `wait_for` took three for the signal alone.
    turns = 0
    while not ran.is_set() and turns < 10:
        await asyncio.sleep(0)
        turns += 1
    assert 3 <= turns <= 4, turns  # (the test's own turn runs before the work's in the same one)

    never = asyncio.Event()
    late = asyncio.Event()

    async def other() -> None:
        late.set()

    started = time.monotonic()
    lane.run(other(), after=never)  # an adapter that never signals: the work still runs, after ACK_GRACE
    await asyncio.wait_for(late.wait(), 3)
    assert 0.9 < time.monotonic() - started < 2.5
    assert await lane.settle(1)


async def test_a_request_that_arrived_meanwhile_starts_before_the_work_after_an_ack() -> None:
    """In a burst, each request's acknowledgement comes before earlier requests' work: once its ack is written, a
    request's work waits for one poll of the sockets, so a request whose bytes are in starts first (its task is
    created by that poll's callback, as aiohttp's is, and runs its first step before the work). Without it, 10
    scope-creep messages at once were acknowledged at 1.5-1.6x the bare app's p50 (docs/benchmarks.md)."""
    loop = asyncio.get_running_loop()
    lane, order, handlers = AfterAck(), [], set()
    reader, writer = socket.socketpair()
    reader.setblocking(False)

    async def acknowledge() -> None:  # what a request's handler does first: write its ack
        order.append("ack")

    def arrived() -> None:  # the transport's callback: reads, then starts the request's handler as a task
        reader.recv(64)
        order.append("read")
        handlers.add(loop.create_task(acknowledge()))

    async def work() -> None:
        order.append("work")

    loop.add_reader(reader, arrived)
    try:
        written = asyncio.Event()
        done = lane.run(work(), after=written)
        written.set()
        await asyncio.sleep(0)  # the signal's turn: the work is on its way
        writer.send(b"POST /slack/events")  # a request arrives before its work has started
        await asyncio.wait_for(done, 2)
        assert order == ["read", "ack", "work"]
    finally:
        loop.remove_reader(reader)
        reader.close()
        writer.close()


def _raw_request(body: str) -> bytes:
    headers = wire.slack_headers(SIGNING_SECRET, body, None, "application/json")
    lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body.encode())}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def _challenge(n: int) -> str:
    return json.dumps({"type": "url_verification", "token": "t", "challenge": f"challenge-{n}"})


def _read_challenge(sock: socket.socket) -> bytes:
    data = b""
    while b"challenge-" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


async def test_a_request_on_a_kept_alive_connection_is_acked_before_the_earlier_requests_work(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by review (twentieth stop): on a kept-alive connection aiohttp takes two loop turns to start a
    request's handler (the socket callback wakes the connection's task, which then creates the handler's task),
    one more than on a new connection. A second request reaching such a connection just as the first request's
    200 is written must still be acknowledged before the first request's work (here its first database unit
    holds the loop 0.4 s, as a SQLite unit on the loop does). Failed with the ack's signal and the poll in one
    timer (the second ack waited 0.40 s)."""
    hold = 0.4
    held_at: list[float] = []
    inbound = bot.runtime.store.inbound
    first_time = inbound.first_time

    async def held(*args: Any, **kwargs: Any) -> Any:
        held_at.append(time.monotonic())
        time.sleep(hold)
        return await first_time(*args, **kwargs)

    monkeypatch.setattr(inbound, "first_time", held)
    url = bot.client.make_url("/")
    pooled = socket.create_connection((url.host, url.port))
    pooled.sendall(_raw_request(_challenge(1)))  # the connection is open and kept alive
    assert b"challenge-1" in await asyncio.to_thread(_read_challenge, pooled)

    read_at: list[float] = []

    def read_second() -> None:
        _read_challenge(pooled)
        read_at.append(time.monotonic())

    reader = threading.Thread(target=read_second)
    original = web.Response.write_eof
    sent = False

    async def write_eof(self: web.Response, data: bytes = b"") -> None:
        nonlocal sent
        request = getattr(self, "_req", None)  # (write_eof forgets it)
        await original(self, data)
        if not sent and request is not None and request.path == "/slack/events":
            sent = True  # the first request's 200 is on the wire: the second request's bytes arrive now
            pooled.sendall(_raw_request(_challenge(2)))
            reader.start()

    monkeypatch.setattr(web.Response, "write_eof", write_eof)
    try:
        with read_in_a_thread(bot, monkeypatch) as client:
            response = await bot.press_sealed("timebox.stop", "1")
        first_acked = client.answers[-1].read_at
        assert response.status == 200
        await bot.idle()
        reader.join(5)
    finally:
        pooled.close()
    assert read_at, "the second request was never answered"
    assert held_at, "the first request's work never ran"
    waited = read_at[0] - first_acked
    assert waited < hold * 0.75, f"the second request's ack waited {waited:.2f} s behind the first's work"


# ---- every other Slack path: a blocking unit of work in each must not hold back its 200 -----------------

BLOCK = 0.4  # seconds the loop is held, as by the slow watcher above


def blocking(monkeypatch: pytest.MonkeyPatch, repo: object, name: str) -> list[float]:
    """Make `repo.name` hold the loop for BLOCK seconds before it runs, as a unit of work that never yields
    does (SQLite on the loop's own connection); the list records each call."""
    original = getattr(repo, name)
    calls: list[float] = []

    async def held(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        time.sleep(BLOCK)
        return await original(*args, **kwargs)

    monkeypatch.setattr(repo, name, held)
    return calls


def message_shortcut(ts: str) -> dict[str, Any]:
    return {"type": "message_action", "callback_id": "tradeoff_message", "trigger_id": "shortcut-trig-1",
            "team": {"id": "T1", "domain": "acme"}, "user": {"id": "U1", "name": "u1", "team_id": "T1"},
            "channel": {"id": "C1", "name": "team"}, "message_ts": ts, "response_url": "",
            "message": {"type": "message", "user": "U2", "text": "can we also add CSV export?", "ts": ts}}


def home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
            "event_ts": f"{time.time():.6f}"}


def home_refresh(user: str) -> dict[str, Any]:
    return {"type": "block_actions", "team": {"id": "T1", "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": "T1"}, "api_app_id": "A1",
            "trigger_id": "home-trig-1", "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home", "callback_id": "steadybot.home"},
            "actions": [{"action_id": REFRESH, "block_id": "b1", "type": "button", "value": "",
                         "action_ts": f"{time.time():.6f}"}]}


Send = Callable[[Harness], Awaitable[ClientResponse | ThreadAnswer]]

PATHS: dict[str, tuple[str, Send]] = {
    # path: (the store's unit the work runs first, the request)
    "slash command acked empty": ("inbound.first_time", lambda bot: bot.slash("/timebox", "25m")),
    "button press": ("inbound.first_time", lambda bot: bot.press_sealed("timebox.stop", "1")),
    "view submission": ("inbound.first_time", lambda bot: bot.submit_sealed(
        {"f": "pulse.answer", "c": "1", "ch": "D1", "tm": "T1"}, {"energy": "3"})),
    "message shortcut": ("inbound.first_time",
                         lambda bot: bot.post_slack(wire.interactive_body(message_shortcut("1700000000.000100")))),
    "app_home_opened": ("identities.remember", lambda bot: bot.event(home_opened("U1"))),
    "App Home refresh": ("inbound.first_time",
                         lambda bot: bot.post_slack(wire.interactive_body(home_refresh("U1")))),
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_every_slack_path_is_acknowledged_before_its_work_runs(
        path: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    unit, send = PATHS[path]
    # No answer in a slash command's ack: its ack goes out empty, the work follows it (the path under test).
    async with running(sqlite_url, slack_answer_in_ack=0.0) as bot:
        repo_name, method = unit.split(".")
        calls = blocking(monkeypatch, getattr(bot.runtime.store, repo_name), method)
        with read_in_a_thread(bot, monkeypatch) as client:
            started = time.monotonic()
            response = await send(bot)
        acked = client.answers[-1].read_at - started
        assert response.status == 200, await response.text()
        assert acked < 0.3, f"{path}: the ack waited {acked:.2f} s for the work"
        await bot.idle()
        assert calls, f"{path}: the work never ran"  # and it still ran, after the ack
