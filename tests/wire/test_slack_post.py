"""chat.postMessage straight through aiohttp (bot/slack/post.py) against slack_sdk's own `chat_postMessage`, at the
fake Slack Web API: the same request arrives, and every failure is read the same way by the outbox
(`bot.slack.errors.classify`) — except an unreadable 200, which ours treats as "maybe posted"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox.errors import DeliveryError, RateLimited, TransientError
from bot.slack.errors import classify
from bot.slack.post import post_message
from support.slack_api import FakeSlackApi, FaultAnswer

TOKEN = "xoxb-post-test"
PAYLOAD: dict[str, Any] = {
    "channel": "U1", "text": "Pulse check-in — \u202eé ✓ \ud83d", "link_names": False, "parse": "none",
    "unfurl_links": False, "unfurl_media": False,
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*How was your week?*"}},
               {"type": "actions", "elements": [{"type": "button", "action_id": "pulse.open", "value": "sealed.v1",
                                                 "text": {"type": "plain_text", "text": "Answer"}}]}],
    "metadata": {"event_type": "steadybot_outbox", "event_payload": {"outbox_id": "7", "part": 0}},
}


@pytest.fixture
async def slack() -> AsyncIterator[tuple[FakeSlackApi, AsyncWebClient]]:
    api = await FakeSlackApi().start()
    api.add_user("U1", "Ana")
    async with aiohttp.ClientSession() as session:
        # as bot/slack/sender.py builds its client: no automatic resend
        yield api, AsyncWebClient(token=TOKEN, base_url=api.url, session=session, timeout=5, retry_handlers=[])
    await api.close()


async def test_the_request_is_the_one_slack_sdk_sends(slack: tuple[FakeSlackApi, AsyncWebClient]) -> None:
    api, client = slack
    sdk = await client.chat_postMessage(**PAYLOAD)
    ours = await post_message(client, PAYLOAD)
    first, second = api.calls_to("chat.postMessage")
    assert first.params == second.params == PAYLOAD  # the direction mark and the lone surrogate too, escaped
    assert first.headers["Authorization"] == second.headers["Authorization"] == f"Bearer {TOKEN}"
    assert second.headers["Content-Type"].startswith("application/json")
    assert ours["ok"] is True and ours["channel"] and ours["ts"] and ours["ts"] != sdk["ts"]


async def test_without_a_session_of_its_own_the_client_posts_through_api_call() -> None:
    api = await FakeSlackApi().start()
    try:
        client = AsyncWebClient(token=TOKEN, base_url=api.url, timeout=5)
        assert client.session is None
        answer = await post_message(client, {"channel": "C1", "text": "hi"})
        assert answer["ok"] is True and api.calls_to("chat.postMessage")[0].params == {"channel": "C1", "text": "hi"}
    finally:
        await api.close()


def _summary(error: DeliveryError) -> tuple[str, bool, float | None]:
    return type(error).__name__, error.maybe_delivered, getattr(error, "retry_after", None)


async def _both_fail(client: AsyncWebClient) -> list[tuple[str, bool, float | None]]:
    """Posts PAYLOAD through slack_sdk's `chat_postMessage`, then through `post_message`: how the outbox reads each
    one's failure (both must fail)."""
    read = []
    for post in (lambda: client.chat_postMessage(**PAYLOAD), lambda: post_message(client, PAYLOAD)):
        with pytest.raises(Exception) as caught:  # noqa: PT011 - each client raises its own kind; classify reads both
            await post()
        read.append(_summary(classify(caught.value, "slack:post:U1")))
    return read


FAULTS: dict[str, FaultAnswer] = {
    "channel gone": (200, {"ok": False, "error": "channel_not_found"}, {}),
    "rate limited": (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
    "rate limited, no body": (429, "", {"Retry-After": "3"}),
    "server error": (503, {"ok": False, "error": "service_unavailable"}, {}),
    "a proxy's error page": (502, "<html><body>Bad Gateway</body></html>", {}),
    "an unknown error": (200, {"ok": False, "error": "something_new"}, {}),
    "connection dropped": (0, {}, {}),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_every_failure_reads_as_slack_sdks_does(slack: tuple[FakeSlackApi, AsyncWebClient], name: str) -> None:
    api, client = slack
    api.faults.append(lambda method, params: FAULTS[name] if method == "chat.postMessage" else None)
    read = await _both_fail(client)
    assert read[0] == read[1]
    expected = {"channel gone": ("PermanentError", False, None), "rate limited": ("RateLimited", False, 7.0),
                "rate limited, no body": ("RateLimited", False, 3.0)}
    if name in expected:
        assert read[1] == expected[name]
    elif name == "an unknown error":
        assert read[1] == ("TransientError", False, None)  # a clear "no" from Slack: resend without checking
    else:
        assert read[1] == ("TransientError", True, None)  # the post may have gone out: check the history first


async def test_a_failed_answer_keeps_slacks_error_and_headers(slack: tuple[FakeSlackApi, AsyncWebClient]) -> None:
    api, client = slack
    api.faults.append(lambda method, params: (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}))
    with pytest.raises(SlackApiError) as caught:
        await post_message(client, PAYLOAD)
    assert caught.value.response.status_code == 429 and caught.value.response["error"] == "ratelimited"
    assert caught.value.response.headers["Retry-After"] == "7"
    error = classify(caught.value, "slack:post:U1")
    assert isinstance(error, RateLimited) and error.retry_after == 7.0


@pytest.mark.parametrize("body", ["ok", "", "[1, 2]", "<html>502</html>"])
async def test_an_unreadable_200_may_have_posted(slack: tuple[FakeSlackApi, AsyncWebClient], body: str) -> None:
    """slack_sdk reads a 200 it cannot parse as a refusal (resend at once); the message may well be in the channel,
    so ours says "maybe delivered", and the outbox checks the history before sending it again."""
    api, client = slack
    api.faults.append(lambda method, params: (200, body, {}))
    with pytest.raises(aiohttp.ClientPayloadError) as caught:
        await post_message(client, PAYLOAD)
    error = classify(caught.value, "slack:post:U1")
    assert isinstance(error, TransientError) and error.maybe_delivered
    assert len(api.calls_to("chat.postMessage")) == 1  # nothing resent on its own


@pytest.mark.parametrize("base", ["{url}", "{url_no_slash}"])
async def test_the_base_url_is_joined_as_slack_sdk_joins_it(slack: tuple[FakeSlackApi, AsyncWebClient],
                                                            base: str) -> None:
    """SLACK_API_URL with or without its trailing slash (the client adds it): both reach the same address."""
    api, client = slack
    url = base.format(url=api.url, url_no_slash=api.url.rstrip("/"))
    other = AsyncWebClient(token=TOKEN, base_url=url, session=client.session, timeout=5, retry_handlers=[])
    assert (await other.chat_postMessage(**PAYLOAD))["ok"] and (await post_message(other, PAYLOAD))["ok"]
    assert len(api.calls_to("chat.postMessage")) == 2


async def test_a_timeout_after_the_request_went_out_may_have_posted(slack: tuple[FakeSlackApi, AsyncWebClient]) -> None:
    """Slack did the work but its answer came too late: both clients time out, and both read as "maybe delivered"
    (the outbox checks the history before sending again). slack_sdk applies the session's timeout to a session
    it was given (its own `timeout` only to a session it makes); `post_message` applies the client's timeout,
    here the same second."""
    api, _ = slack
    api.latency = 1.5
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
        slow = AsyncWebClient(token=TOKEN, base_url=api.url, session=session, timeout=1, retry_handlers=[])
        assert await _both_fail(slow) == [("TransientError", True, None)] * 2
    assert len(api.calls_to("chat.postMessage")) == 2  # each went out once: posted, but unanswered in time


async def test_the_platform_session_keeps_no_cookies(sqlite_url: str) -> None:
    """A cookie one answer sets (a workspace's API call, a response_url host, a proxy on the way) never rides on a
    later request, which may be another workspace's: the runtime's shared session has no cookie jar."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from tests.support.harness import running

    seen: list[str | None] = []

    async def api(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        response = web.json_response({"ok": True, "channel": "C1", "ts": "1.1"})
        response.set_cookie("b", "tracker-from-workspace-A", path="/")
        return response

    app = web.Application()
    app.router.add_post("/api/chat.postMessage", api)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with running(sqlite_url, teams=False) as h:
            session = h.runtime.http_session()
            # "localhost", not an IP address: aiohttp's default jar would refuse an IP address's cookies anyway
            base = f"http://localhost:{server.port}/api/"
            for token in ("xoxb-workspace-a", "xoxb-workspace-b"):
                client = AsyncWebClient(token=token, base_url=base, session=session, timeout=5, retry_handlers=[])
                assert (await post_message(client, {"channel": "C1", "text": "hi"}))["ok"] is True
    finally:
        await server.close()
    assert seen == [None, None]
