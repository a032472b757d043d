"""`steadybot demo` driven from a script on stdin, as a person would pipe it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.adapter import Adapter
from bot.calendar.example import ExampleFetcher
from bot.calendar.fetch import FeedFetcher
from bot.config import Settings
from bot.demo.adapter import DemoAdapter, demo_adapter
from bot.demo.terminal import Terminal
from bot.demo.world import CHANNEL, World
from bot.runtime import build_runtime
from handlers.core.clock import FakeClock
from handlers.core.types import Platform

SCRIPT = """\
/steadybot help
/steadybot settings
1
1
2
2

4
:now
:wait 2h
/nonsense
:press 99
:as ben
/steadybot settings min 3
:as you
:frobnicate
:quit
"""


def run_demo(tmp_path: Path, script: str) -> str:
    env = {**os.environ, "STEADYBOT_TZ": "Europe/Berlin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
        input=script, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_demo_from_a_script(tmp_path: Path) -> None:
    out = run_demo(tmp_path, SCRIPT)
    assert "you are in #team" in out
    assert "Here is what I can do" in out
    assert "[1] Change settings" in out
    # pressing 1 opened the settings form; the answers came from the script
    assert "┌ Channel settings" in out and "└ submitted" in out
    assert "at least 4 answers" in out
    assert "It is " in out and "CET" in out
    assert "… it is now" in out
    assert "don't know nonsense" in out
    assert "There is no button 99" in out
    assert "You are now Ben" in out
    assert "Only the channel's creator" in out  # Ben is not the channel's creator in the demo
    assert "I don't know that control" in out
    assert not (tmp_path / "steadybot.db").exists()  # the demo keeps to its own database file


def test_demo_survives_ugly_input(tmp_path: Path) -> None:
    out = run_demo(tmp_path, "\x00\x01\n\u202e/steadybot\n" + "x" * 10000 + "\n:wait -5m\n:wait forever\n:wait 90d\n")
    assert out.count("steadybot:") >= 1
    assert "can't be negative" in out
    assert "at most 60 days" in out


async def test_the_demo_is_an_adapter_wired_at_build_time(tmp_path: Path) -> None:
    """The demo's adapter comes from the factory passed to `build_runtime`, like Slack's and Teams': the
    runtime routes the demo's directory and sends its outbox rows to it; its requests go through the shared
    pipeline (which remembers the person, and opens the demo's unsealed presses and forms as they are)."""
    answers: Iterator[str] = iter(["", "", "", "", "3"])  # the settings form: keep all, results need 3

    async def ask(prompt: str) -> str | None:
        return next(answers, None)

    out = io.StringIO()
    world = World.default("Europe/Berlin")
    clock = FakeClock(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    fetcher = ExampleFetcher(FeedFetcher(), clock)
    runtime = await build_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"), clock=clock,
                                  adapters=[demo_adapter(world, Terminal(out, ask))], ports={"calendar": fetcher},
                                  kick_outbox=False)
    try:
        [adapter] = runtime.adapters.values()
        assert isinstance(adapter, DemoAdapter)
        contract: Adapter = adapter  # the type checker holds the demo to the contract
        assert contract.platform is Platform.DEMO and contract.routes() == () and contract.periodic() == ()
        assert runtime.worker.senders == {Platform.DEMO: adapter.sender}
        assert await runtime.directories.owner_ids(CHANNEL) == {world.you.id}
        assert runtime.services.ports["calendar"] is fetcher and runtime.outbox.on_due_now is None

        ben = world.find("ben")
        assert ben is not None and await runtime.store.identities.get(Platform.DEMO, "ben") is None
        await adapter.type_command("/steadybot help", ben)
        assert await runtime.store.identities.get(Platform.DEMO, "ben") == ben
        assert "[only Ben] steadybot: I help your team keep healthy habits" in out.getvalue()

        await adapter.type_command("/steadybot settings", world.you)
        [(number, pressable)] = adapter.terminal.buttons.by_number.items()
        assert "[1] Change settings" in out.getvalue()
        await adapter.press(pressable, world.you)
        text = out.getvalue()
        assert "┌ Channel settings" in text and "└ submitted" in text and "no longer valid" not in text
        assert "(updated) steadybot: Saved." in text and "at least 3 answers" in text

        await adapter.type_command("/pulse now", world.you)
        await runtime.worker.drain()  # no kick: the outbox waits for the demo to drain it
        text = out.getvalue()
        assert "[DM] steadybot: Pulse check-in for #team" in text
        assert all(f"{name} filled in “Pulse check-in”" in text for name in ("Ana", "Ben", "Chloé", "Dev", "Eli"))
    finally:
        await runtime.close()
