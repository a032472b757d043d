"""chat.postMessage straight through the client's aiohttp session.

Every pulse DM and every thread reply is one chat.postMessage. Through slack_sdk each call also joins the URL,
parses its arguments, checks for deprecated methods, walks the (empty) retry handlers and builds request and
response objects: about a tenth of a fan-out's CPU, measured (docs/benchmarks.md#posts-straight-through-aiohttp).
This sends the same request (a JSON body, bearer token, the client's base URL, session and timeout; the body in
UTF-8 through orjson where slack_sdk escapes it to ASCII, the same JSON) and fails the same way: an answer that
is not `ok`, or not 200, raises slack_sdk's `SlackApiError` with a real `AsyncSlackResponse`, so
`bot.slack.errors.classify` and the callers read it as before. Nothing here retries: the outbox does, after
checking the history (bot/slack/sender.py). A client without a session of its own goes through `api_call`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from yarl import URL

from handlers.core.jsoncodec import dumps_bytes, loads

METHOD = "chat.postMessage"
USER_AGENT = f"steadybot aiohttp/{aiohttp.__version__}"


@functools.lru_cache(maxsize=64)
def _url(base_url: str) -> URL:
    """The method's URL as slack_sdk joins it, parsed once per base URL (aiohttp takes a parsed URL as it is)."""
    return URL(urljoin(base_url, METHOD))


@functools.lru_cache(maxsize=8)
def _timeout(seconds: int) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds)


async def post_message(client: AsyncWebClient, payload: dict[str, Any]) -> Mapping[str, Any]:
    """Posts `payload` with the client's token; the API's answer (`ok` true), or `SlackApiError`."""
    session = client.session
    if session is None or session.closed:
        return (await client.api_call(METHOD, json=payload)).data  # type: ignore[return-value]
    url = _url(client.base_url)
    headers = {"Content-Type": "application/json;charset=utf-8", "User-Agent": USER_AGENT}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    async with session.post(url, data=dumps_bytes(payload), headers=headers,
                            timeout=_timeout(client.timeout)) as response:
        status = response.status
        try:  # read as UTF-8 bytes: aiohttp's `json()` would first work out the encoding
            data = loads(await response.read())
        except ValueError:
            data = None
    if status == 200:
        if not isinstance(data, dict):  # Slack may still have posted it: not a clear "no", check before resending
            raise aiohttp.ClientPayloadError(f"{METHOD}: unreadable answer")
        if data.get("ok") is True:
            return data
    failed = AsyncSlackResponse(client=client, http_verb="POST", api_url=str(url), req_args={},
                                data=data if isinstance(data, dict) else {}, headers=dict(response.headers),
                                status_code=status)
    raise SlackApiError(f"The request to the Slack API failed. (url: {url}, status: {status})", failed)
