"""A restart of `steadybot serve` (an up-to-date database) is healthy without importing the libraries that only
some later request needs: they are imported where they are first used (docs/benchmarks.md, "Cold start")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.procs import REPO, free_port

# Where each one is first needed: meeting calendars (feeds, Graph zones), a channel's holidays, the report page,
# natural-language times; migrations; what APScheduler brought (the process scheduler is bot/scheduler.py); the
# metrics' library (its instruments are built by the first request, send or scrape: bot/metrics_registry.py);
# SQLAlchemy (the engine is built by the first request, the outbox's first tick or a scrape: storage/handle.py;
# the start's checks and /healthz until then use the driver itself: storage/startcheck.py, storage/rawdb.py).
LAZY = ("icalendar", "recurring_ical_events", "x_wr_timezone", "holidays", "jinja2", "pygal", "dateparser",
        "alembic", "apscheduler", "multiprocessing", "prometheus_client", "sqlalchemy")
# Our own modules that do such work on import: the report page's rendering, the scope detector's patterns, the
# metrics' instruments, the calendar feed fetcher (built by the first feed read: bot/calendar/deferred.py); the
# features' repositories and the models they map (storage/store.py builds them on first use) and so every
# repository, every model and the engine's module, and Slack's OAuth installations (single-token mode never reads
# them)
LAZY_OURS = ("bot.web.render", "bot.web.charts", "handlers.scope.detector", "bot.metrics_registry",
             "bot.calendar.fetch",
             "storage.models.pulse", "storage.models.scope", "storage.models.meetings", "storage.models.calendar",
             "storage.models.timebox", "storage.models.timeoff",
             "storage.repos.pulse", "storage.repos.scope", "storage.repos.meetings", "storage.repos.calendar",
             "storage.repos.timebox", "storage.repos.timeoff", "storage.repos.reports", "storage.repos.settings",
             "storage.repos.lifecycle", "storage.models.installations", "storage.repos.installations",
             "storage.db", "storage.migrate", "storage.upsert", "storage.sqlite_driver", "storage.models.base",
             "storage.models.core", "storage.repos.identities", "storage.repos.outbox", "storage.repos.inbound",
             "storage.repos.places")
# The features: a restart registers them by name (each one's package and its catalog of names), and imports
# their handlers' modules on the first call of one (handlers/core/lazy.py)
FEATURES = ("general", "pulse", "meetings", "timebox", "scope", "reports")
NAMED = {f"handlers.{feature}{part}" for feature in FEATURES for part in ("", ".catalog")}


def feature_modules(loaded: set[str]) -> list[str]:
    """The features' modules in `loaded` beyond what the registry needs to name them."""
    return sorted(name for name in loaded
                  if name.split(".")[:2] in [["handlers", feature] for feature in FEATURES] and name not in NAMED)

# Runs `steadybot serve` in this interpreter; a thread asks GET /healthz (over a bare socket) until it answers
# 200, prints the modules loaded at that moment and stops the server as an operator would (SIGTERM). `serve`'s
# warm-up thread (bot/server.py, `warm_up`: the engine once listening) is left out, so what is printed is what the
# start itself loaded, not how far that thread got (tests/core/test_database_handle.py checks the warm-up).
DRIVER = """
import asyncio, os, signal, socket, sys, threading, time
import bot.server

def no_warm_up(runtime):
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done

bot.server.warm_up = no_warm_up

def watch() -> None:
    port, deadline = int(os.environ["PORT"]), time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
                if conn.recv(64).startswith(b"HTTP/1.1 200"):
                    print("LOADED", " ".join(sorted(sys.modules)), flush=True)
                    break
        except OSError:
            pass
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=watch, daemon=True).start()
from bot.cli import main
raise SystemExit(main(["serve"]))
"""


def _env(database_url: str) -> dict[str, str]:
    """Both platforms on (Teams without credentials: local development), nothing reachable outside."""
    return {**os.environ, "DATABASE_URL": database_url, "STEADYBOT_SECRET": "c" * 40,
            "SLACK_BOT_TOKEN": "xoxb-cold-start", "SLACK_SIGNING_SECRET": "cold-start-signing-secret",
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/", "STEADYBOT_INSECURE_DEV": "1",
            "HOST": "127.0.0.1", "PORT": str(free_port()), "PYTHONUNBUFFERED": "1"}


# Single-token Slack, and Slack installed over OAuth (its installations' repository is built by the first
# request that needs a workspace's token, not at the start)
MODES = {"single token": {}, "oauth": {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1111.2222",
                                      "SLACK_CLIENT_SECRET": "cold-start-client-secret"}}


@pytest.mark.parametrize("mode", MODES)
def test_a_restart_is_healthy_without_the_libraries_of_later_requests(tmp_path: Path, mode: str) -> None:
    env = {**_env(f"sqlite:///{tmp_path / 'steadybot.db'}"), **MODES[mode]}
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=REPO, capture_output=True, check=True,
                   timeout=120)
    run = subprocess.run([sys.executable, "-c", DRIVER], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    lines = [line for line in run.stdout.splitlines() if line.startswith("LOADED ")]
    assert lines, f"serve never answered /healthz (exit {run.returncode}):\n{run.stderr[-3000:]}"
    loaded = set(lines[0].split()[1:])
    assert {"bot.server", "storage.store", "handlers.core.registry", "bot.web.page", "bot.slack.adapter",
            "bot.teams.adapter"} <= loaded  # the server, both platforms and the report page really started
    assert loaded >= NAMED  # every feature registered
    assert sorted(name for name in loaded if name.split(".")[0] in LAZY or name in LAZY_OURS) == []
    assert feature_modules(loaded) == []
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_feature_check_sees_a_feature_module() -> None:
    """The check above can fail: a handler's module, a feature's ports or its wiring count, its names do not."""
    assert feature_modules({"handlers.core.types", "handlers.pulse", "handlers.pulse.catalog",
                            "handlers.pulse.sending", "handlers.meetings.ports", "handlers.scope.wiring",
                            "bot.web.page"}) == ["handlers.meetings.ports", "handlers.pulse.sending",
                                                  "handlers.scope.wiring"]


def test_the_start_checks_name_the_models_tables_and_columns() -> None:
    """storage/startcheck.py queries two tables in plain SQL, without their models: the table and column names
    its SQL uses are the ones the models map."""
    from storage.models.pulse import KeyCheck, PulseJournalEntry
    from storage.startcheck import (
        JOURNAL_BOX,
        JOURNAL_TABLE,
        KEYS_FINGERPRINT,
        KEYS_NAME,
        KEYS_TABLE,
        NAMES,
        PLAIN_JOURNAL,
        STORE_KEY,
        STORED_KEY,
    )

    assert NAMES == {KEYS_TABLE: (KEYS_NAME, KEYS_FINGERPRINT), JOURNAL_TABLE: (JOURNAL_BOX,)}
    for model in (KeyCheck, PulseJournalEntry):
        assert model.__tablename__ in NAMES
        assert set(NAMES[model.__tablename__]) <= {c.name for c in model.__table__.columns}
    assert KeyCheck.__table__.c[KEYS_NAME].primary_key  # what its ON CONFLICT names
    for sql, names in ((STORE_KEY, (KEYS_TABLE, KEYS_NAME, KEYS_FINGERPRINT)),
                       (STORED_KEY, (KEYS_TABLE, KEYS_NAME, KEYS_FINGERPRINT)),
                       (PLAIN_JOURNAL, (JOURNAL_TABLE, JOURNAL_BOX))):
        assert all(f" {name} " in f" {sql.replace('(', ' ').replace(')', ' ').replace(',', ' ')} "
                   for name in names), sql
