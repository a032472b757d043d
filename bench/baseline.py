"""`python -m bench.baseline`: the framework floor. One aiohttp server with

- POST /slack/events — a bare Bolt `AsyncApp` (Bolt's own aiohttp server glue, default settings) whose
  listeners `ack()` and answer "ok": every slash command through its response_url (`respond`), and
  `message` events (acknowledged automatically) with a thread reply through chat.postMessage;
- POST /api/messages — a bare botbuilder bot (`CloudAdapter` + `ActivityHandler`, the SDK sample) that
  replies "ok" to every message through the same fake connector the bot uses.

Nothing of steadybot is imported. Prints one JSON line with its URL when it is ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bench import proc
from bench.proc import BOT_TOKEN, SIGNING_SECRET


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text("ok"))


def slack_app(api_url: str) -> AsyncApp:
    app = AsyncApp(signing_secret=SIGNING_SECRET, client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url))

    async def command(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond("ok")

    async def message(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="ok")

    app.command(re.compile(r"^/.+"))(command)
    app.event("message")(message)
    return app


def build(api_url: str) -> web.Application:
    web_app = AsyncSlackAppServer(port=0, path="/slack/events", app=slack_app(api_url), host="127.0.0.1").web_app
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    async def healthz(_: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok"})

    web_app.router.add_post("/api/messages", messages)
    web_app.router.add_get("/healthz", healthz)  # for the cold-start floor, polled like the bot's
    return web_app


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    runner = web.AppRunner(build(args.slack_api), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    print(json.dumps({"url": f"http://127.0.0.1:{args.port}"}), flush=True)
    await proc.until_stopped()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
