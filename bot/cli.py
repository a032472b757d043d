"""The `steadybot` console script: serve, demo, migrate, outbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import Settings
from bot.logs import setup_logging

log = logging.getLogger("steadybot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steadybot", description="A Slack and Teams bot against burnout.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server (Slack /slack/events, Teams /api/messages)")
    serve.add_argument("--host", default=None, help="address to bind (HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (PORT, default 3000)")
    demo = sub.add_parser("demo", help="chat with the bot in the terminal, no Slack or Teams account needed")
    demo.add_argument("--db", default=None, help="SQLite file for the demo (default steadybot-demo.db)")
    demo.add_argument("--keep", action="store_true", help="keep the demo database from the last run")
    sub.add_parser("migrate", help="bring the database schema up to date")
    outbox = sub.add_parser("outbox", help="inspect the outbox: counts and failed rows")
    outbox.add_argument("--retry-failed", action="store_true", help="give failed rows another round of attempts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"steadybot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level if args.command != "demo" else "WARNING", settings.secrets())
    try:
        return asyncio.run(_run(args, settings))
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from bot.runtime import build_runtime
        from bot.server import serve

        runtime = await build_runtime(settings)
        await serve(runtime, args.host or settings.host, args.port or settings.port)
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        await run_demo(settings, db_path=args.db, keep=args.keep)
        return 0
    if args.command == "migrate":
        from storage.migrate import upgrade

        await upgrade(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "outbox":
        from handlers.core.clock import SystemClock
        from storage.db import Database
        from storage.repos.outbox import OutboxRepo

        db = Database(settings.database_url)
        try:
            repo = OutboxRepo(db, SystemClock())
            if args.retry_failed:
                print(f"requeued {await repo.requeue_failed()} failed rows")
            counts = await repo.counts()
            print("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty"))
            for row in await repo.failed():
                print(f"  failed #{row.id} {row.kind} → {row.target_key} after {row.attempts} attempts: {row.last_error}")
        finally:
            await db.dispose()
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
