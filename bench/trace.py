"""One request, end to end: which of the project's files it crosses, how often its signature is checked and
how often it is acknowledged.

    .venv/bin/python -m bench.trace            # prints a table (docs/architecture.md quotes it)
    .venv/bin/python -m bench.trace --json     # the same as JSON

It runs the real aiohttp app with real Bolt and real botbuilder in this process, against the fake Slack Web
API and the fake Bot Framework connector (support/), on a scratch SQLite file, and sends a Slack slash command
(`/timebox 25m`) and a Teams channel message (`@steadybot timebox 25m`). A profiler records every function call from the moment
the request is sent until its reply reached the fake: the project's files it passes through (bot/, handlers/,
storage/; not support/, not the SDKs), the signature checks (`hmac.compare_digest` on the request path), and
Bolt acknowledgements (`AsyncAck.__call__`). The first request of each kind warms up (imports, caches); the
second is the one traced.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from support import wire
from support.bf_connector import FakeConnector
from support.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "storage")
SIGNING_SECRET = "trace-signing-secret-0123456789"
SECRET = "trace-steadybot-secret-0123456789-abcdefghijkl"


@dataclass
class Trace:
    files: set[str] = field(default_factory=set)
    compare_digest: int = 0
    acks: int = 0

    def profiler(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            path = frame.f_code.co_filename
            if frame.f_code.co_name == "__call__" and path.endswith("async_ack.py"):
                self.acks += 1
            elif path.startswith(str(ROOT)):
                relative = Path(path).relative_to(ROOT).as_posix()
                if relative.split("/", 1)[0] in LAYERS:
                    self.files.add(relative)
        elif event == "c_call" and arg is hmac.compare_digest:
            self.compare_digest += 1

    def summary(self) -> dict[str, Any]:
        by_layer = {layer: sorted(f for f in self.files if f.startswith(layer + "/")) for layer in LAYERS}
        return {"files": len(self.files), "by_layer": {k: len(v) for k, v in by_layer.items()},
                "signature_checks": self.compare_digest, "acks": self.acks, "list": sorted(self.files)}


async def traced(work: Callable[[], Awaitable[None]]) -> Trace:
    trace = Trace()
    sys.setprofile(trace.profiler)
    threading.setprofile(trace.profiler)
    try:
        await work()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return trace


async def run() -> dict[str, Any]:
    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.server import build_app
    from handlers.core.clock import SystemClock

    slack_api = await FakeSlackApi().start()
    connector = await FakeConnector().start()
    slack_api.add_user("U1", "Ana", tz="Europe/Berlin")
    connector.add_member("29:u1", "Ana", "aad-1")
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=f"sqlite:///{scratch}/trace.db", slack_bot_token="xoxb-trace",
                            slack_signing_secret=SIGNING_SECRET, slack_api_url=slack_api.url, secret=SECRET,
                            insecure_dev=True, slack_posts_per_minute=0.0)
        runtime = await build_runtime(settings, clock=SystemClock())
        client = TestClient(TestServer(build_app(runtime), host="127.0.0.1"))
        await client.start_server()
        try:
            results: dict[str, Any] = {}
            for name, send in (("slack /timebox 25m", _slack(client, slack_api)),
                               ("teams @steadybot timebox 25m", _teams(client, connector))):
                await send(0)  # warm-up
                trace = await traced(lambda send=send: send(1))  # type: ignore[misc]
                results[name] = trace.summary()
            return results
        finally:
            await client.close()
            await runtime.close()
            await slack_api.close()
            await connector.close()


def _slack(client: TestClient, slack_api: FakeSlackApi) -> Callable[[int], Awaitable[None]]:
    async def send(n: int) -> None:
        before = len(slack_api.responses) + len(slack_api.calls)
        body = wire.slash_body("/timebox", "25m", channel=f"C{n + 1}", response_url=slack_api.response_url(f"t{n}"),
                               trigger_id=f"trace-{n}")
        response = await client.post("/slack/events", data=body.encode(),
                                     headers=wire.slack_headers(SIGNING_SECRET, body))
        assert response.status == 200, response.status
        slack_api.acknowledged(body, response.status, response.content_type, await response.read())
        async with asyncio.timeout(10):  # the reply: in the ack's body, at the response_url or a Web API call
            while len(slack_api.responses) + len(slack_api.calls) == before:
                await asyncio.sleep(0.002)

    return send


def _teams(client: TestClient, connector: FakeConnector) -> Callable[[int], Awaitable[None]]:
    async def send(n: int) -> None:
        before = len(connector.sent)
        activity = wire.teams_activity("timebox 25m", service_url=connector.url, conversation_type="channel",
                                       conversation=f"19:trace{n}@thread.tacv2;messageid=17000000000{n}",
                                       mention=True)
        activity["id"] = f"trace-activity-{n}"
        response = await client.post("/api/messages", json=activity)
        assert response.status in (200, 201), response.status
        await connector.wait_for(before + 1, timeout=10)

    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--list", action="store_true", help="list the files each request crosses")
    args = parser.parse_args()
    results = asyncio.run(run())
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, summary in results.items():
        layers = ", ".join(f"{k} {v}" for k, v in summary["by_layer"].items())
        print(f"{name}: {summary['files']} files ({layers}); signature checks {summary['signature_checks']}; "
              f"Bolt acks {summary['acks']}")
        if args.list:
            for path in summary["list"]:
                print(f"  {path}")


if __name__ == "__main__":
    main()
