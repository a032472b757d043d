"""The `steadybot` console script: serve, demo, migrate, outbox."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from bot.config import Settings
from bot.logs import json_error_line, setup_logging
from bot.secret import SecretError
from storage.heads import SchemaTooNew

log = logging.getLogger("steadybot")


#: The largest row id the databases store (a signed 64-bit integer), and the most failed rows `outbox` lists.
ROW_ID_MAX = 2**63 - 1
LIST_MAX = 10_000


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else argparse's one-line usage error (a number too
    big for the database was a stack trace, a negative --limit listed nothing without a word)."""
    def parse(text: str) -> int:
        refused = argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
        if not text.isascii():  # int() also reads other scripts' digits (`٣` as 3)
            raise refused
        try:
            number = int(text)
        except ValueError:
            raise refused from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, not {text[:40]}")
        return number

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steadybot", description="A Slack and Teams bot against burnout.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server (Slack /slack/events, Teams /api/messages)")
    serve.add_argument("--host", default=None, help="address to bind (HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None,
                       help="port (PORT, default 3000); 0 picks a free port, which the start-up log line names")
    demo = sub.add_parser("demo", help="chat with the bot in the terminal, no Slack or Teams account needed")
    demo.add_argument("--db", default=None, help="SQLite file for the demo (default steadybot-demo.db)")
    demo.add_argument("--keep", action="store_true", help="keep the demo database from the last run")
    demo.add_argument("--history", action="store_true",
                      help="start with 8 weeks of made-up team history, so /steadybot report has something to show")
    sub.add_parser("migrate", help="bring the database schema up to date")
    outbox = sub.add_parser("outbox", help="inspect the outbox: counts, what is waiting, failed rows and why")
    outbox.add_argument("--retry-failed", nargs="*", type=_whole(1, ROW_ID_MAX), metavar="ID", default=None,
                        help="give failed rows (all, or these ids) another round of attempts")
    outbox.add_argument("--limit", type=_whole(1, LIST_MAX), default=50,
                        help=f"how many failed rows to list (default 50, at most {LIST_MAX})")
    forget = sub.add_parser("forget", help="delete every row that names a person and clear them from the team's "
                                           "meetings, calendars and timers (admins); anonymous answers stay")
    forget.add_argument("user_id", help="Slack user id, Teams user id (29:…) or Teams AAD object id")
    forget.add_argument("--platform", choices=["slack", "teams"], default=None,
                        help="only this platform (default: both)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command != "demo":  # the demo keeps its own SQLite file (--db) and never reads DATABASE_URL
            from storage.rawdb import check_url

            check_url(settings.database_url)
    except ValueError as exc:
        if os.environ.get("STEADYBOT_LOG_FORMAT", "").strip().lower() == "json":
            print(json_error_line(f"steadybot: {exc}"), file=sys.stderr)
        else:
            print(f"steadybot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level if args.command != "demo" else "WARNING", settings.secrets(),
                  fmt=settings.log_format if args.command != "demo" else "text")
    try:
        return asyncio.run(_run(args, settings))
    except KeyboardInterrupt:
        return 130
    except SecretError as exc:  # a missing, unreadable or different secret: one clear line, no stack trace
        log.error("steadybot cannot start: %s", exc)
        return 2
    except (DatabaseUnreachable, SchemaTooNew) as exc:  # a wrong DATABASE_URL, a database not up yet, a rollback
        log.error("steadybot %s: %s", args.command, exc)
        return 2


class DatabaseUnreachable(RuntimeError):
    """A command could not reach its database before it did anything: what was tried and why it failed."""


@contextlib.contextmanager
def _reaching_the_database(settings: Settings) -> Iterator[None]:
    """Around the part of a command that first connects (the start's checks, the migrations, the outbox's
    reads): a connection failure becomes `DatabaseUnreachable` with the URL (no password) and the reason;
    anything else goes on as it is."""
    try:
        yield
    except Exception as exc:
        from storage.unreachable import reason, shown

        why = reason(exc, settings.db_connect_timeout)
        if why is None:
            raise
        raise DatabaseUnreachable(f"the database at {shown(settings.database_url)} {why}. Check DATABASE_URL and "
                                  "that the database is up, then run the command again.") from None


@contextlib.contextmanager
def _starting() -> Iterator[None]:
    """No cyclic garbage collection while the process starts. Start-up creates the objects the process keeps
    until it exits (modules, classes, tables, mappers, the runtime): the collector's passes over them, as they
    pile up, find next to nothing to free and cost a noticeable part of a start (docs/benchmarks.md, "Cold
    start"). Once the runtime is built, what exists is frozen (never scanned again, as `serve` does again once
    listening) and collection resumes."""
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        with _starting():
            from dataclasses import replace

            from bot.runtime import build_runtime
            from bot.server import CannotListen, is_loopback, serve

            host = args.host or settings.host
            port = settings.port if args.port is None else args.port  # --port 0: any free port
            if not 0 <= port < 65536:
                print(f"steadybot: --port must be a number from 0 (any free port) to 65535, not {port}",
                      file=sys.stderr)
                return 2
            if settings.insecure_dev and not is_loopback(host):
                print(f"steadybot: STEADYBOT_INSECURE_DEV=1 accepts unauthenticated Teams traffic, so it only binds "
                      f"to a loopback address (127.0.0.1 or ::1), not {host!r}. Unset STEADYBOT_INSECURE_DEV for a "
                      "real deployment.", file=sys.stderr)
                return 2
            # report links (STEADYBOT_PUBLIC_URL's default) point where the server really listens
            settings = replace(settings, host=host, port=port)
            with _reaching_the_database(settings):
                runtime = await build_runtime(settings)
        try:
            await serve(runtime, settings.host, settings.port)
        except CannotListen as exc:
            log.error("steadybot serve: %s", exc)
            return 2
        return 0
    if args.command == "demo":
        from bot.demo import run_demo
        from bot.demo.dbfile import DemoFileRefused

        try:
            await run_demo(settings, db_path=args.db, keep=args.keep, history=args.history)
        except DemoFileRefused as exc:
            print(f"steadybot demo: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "migrate":
        from storage.migrate import upgrade

        with _reaching_the_database(settings):
            await upgrade(settings.database_url, settings.db_connect_timeout)
        print("database is up to date")
        return 0
    if args.command == "outbox":
        from handlers.core.clock import SystemClock
        from storage.db import Database
        from storage.repos.outbox import OutboxRepo

        with _reaching_the_database(settings):
            db = Database(settings.database_url, secrets=settings.secrets(), connect_timeout=settings.db_connect_timeout)
            try:
                repo = OutboxRepo(db, SystemClock())
                if args.retry_failed is not None:
                    requeued = await repo.requeue_failed(args.retry_failed or None)
                    print(f"requeued {requeued} failed rows")
                    if args.retry_failed and requeued < len(set(args.retry_failed)):
                        print("  the other ids given are not failed rows (the failed ones are listed below)")
                counts = await repo.counts()
                print("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty"))
                if (next_due := await repo.next_due()) is not None:
                    print(f"  next pending row due {next_due:%Y-%m-%d %H:%M:%S} UTC")
                for row in await repo.failed(max(1, args.limit)):
                    print(f"  failed #{row.id} {row.kind} → {row.target_key} after {row.attempts} attempts: "
                          f"{row.last_error}")
                if counts.get("failed"):
                    print("  fix the cause, then: steadybot outbox --retry-failed [ID ...]")
            finally:
                await db.dispose()
        return 0
    if args.command == "forget":
        return await _forget(args, settings)
    return 2


async def _forget(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import build_runtime
    from handlers.core.types import Platform
    from handlers.pulse.forgetting import forget_everywhere, forget_summary

    user_id = " ".join(str(args.user_id).split())
    # no control or format characters: the id is printed back, and a right-to-left override would garble the line
    if not user_id or len(user_id) > 200 or not user_id.isprintable():
        print("steadybot forget: give the person's user id, e.g. `steadybot forget U024BE7LH`", file=sys.stderr)
        return 2
    # The whole runtime (not only the database): the journal messages in the person's chat are deleted
    # through the platform adapters configured in the environment.
    with _reaching_the_database(settings):
        runtime = await build_runtime(settings)
    try:
        platform = Platform(args.platform) if args.platform else None
        reports = await forget_everywhere(runtime.store, runtime.directories, user_id, platform)
    finally:
        await runtime.close()
    found = [r for r in reports if r.anything]
    if not found:
        print(f"nothing stored for {user_id}; nothing to delete")
    for r in found:
        print(f"forgot {r.platform.value}:{r.user_id}: {forget_summary(r)}")
    print("anonymous answers stay: nothing links them to anyone")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
